"""Job records: a reported figure is checked at the boundary; an attached job reads back."""

from __future__ import annotations

import pytest

from carbon import Q_, InvalidValueError, ModelCarbonError, UnitMismatchError
from lineage import JobEntry, ProvenanceGraph, ReportedCarbon


@pytest.mark.parametrize("kw", [
    {"carbon": "1 kgCO2e", "source": ""},
    {"carbon": "1 kWh", "source": "paper"},
    {"carbon": "-1 gCO2e", "source": "paper"},
    {"carbon": "1 gCO2e", "source": "paper", "provenance": "guessed"},
])
def test_reported_carbon_refuses(kw: dict) -> None:
    with pytest.raises((ModelCarbonError, ValueError, UnitMismatchError, InvalidValueError)):
        ReportedCarbon(**kw)


def test_ids_are_fresh_unless_given() -> None:
    a, b = (ReportedCarbon(carbon="1 gCO2e", source="s") for _ in range(2))
    assert a.id != b.id
    assert ReportedCarbon(carbon="1 gCO2e", source="s", id="j").id == "j"


def test_an_attached_job_reads_back_as_given() -> None:
    g = ProvenanceGraph()
    g.add_model("m", name="m")
    r = ReportedCarbon(carbon=Q_(2, "kgCO2e"), source="paper", id="j1")
    entry = g.add_job("m", r, phase="training")
    assert entry == JobEntry("j1", "m", "training", 2000.0, "reported", "paper", r)
    assert entry.record is r and entry.carbon.m_as("kgCO2e") == 2.0


def test_a_bulk_figure_is_rebuilt_as_a_reported_carbon() -> None:
    e = JobEntry("j2", "m", "data", 3.0, "estimated", "log", None)
    rec = e.record
    assert isinstance(rec, ReportedCarbon)
    assert (rec.id, rec.source, str(rec.provenance)) == ("j2", "log", "estimated")
    assert rec.carbon.m_as("gCO2e") == 3.0
