"""The datasheet records: figures that keep their provenance and uncertainty through sums and
shares, sources joined readably, no offsets ever, and records that refuse bad values."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assess.datasheet._model import (
    SOURCE_SEP,
    CarbonFigure,
    CurvePoint,
    Datasheet,
    Identity,
    LineageEdge,
)
from carbon import Q_, ModelCarbonError


def fig(g: float, label: str = "measured", u: float | None = None,
        source: str | None = None) -> CarbonFigure:
    return CarbonFigure(value=Q_(g, "gCO2e"), provenance=label, source=source,
                        uncertainty=None if u is None else Q_(u, "gCO2e"))


def test_value_is_stored_in_grams() -> None:
    f = CarbonFigure(value="2 kgCO2e", provenance="reported")
    assert f.g == 2000.0 and str(f.value.units) == "gCO2e"
    assert f.uncertainty is None  # unknown, not zero


@given(g=st.floats(0, 1e9), u=st.one_of(st.none(), st.floats(0, 1e6)),
       k=st.floats(0, 1e3))
def test_scaling_scales_value_uncertainty_and_split(g: float, u: float | None,
                                                    k: float) -> None:
    mixed = CarbonFigure.sum([fig(g, "measured", u), fig(1.0, "reported", u)])
    s = mixed.scaled(k)
    assert s.g == pytest.approx(k * mixed.g, rel=1e-12, abs=1e-300)
    assert (s.uncertainty is None) == (u is None)
    if s.uncertainty is not None and mixed.uncertainty is not None:
        assert s.uncertainty.m == pytest.approx(k * mixed.uncertainty.m, rel=1e-12)
    assert s.provenance == "mixed"
    assert {key: v.m for key, v in s.by_provenance.items()} == pytest.approx(
        {key: k * v.m for key, v in mixed.by_provenance.items()})


def test_a_sum_of_mixed_figures_is_split_by_provenance() -> None:
    s = CarbonFigure.sum([fig(1, "measured"), fig(2, "reported"), fig(3, "measured")])
    assert s.provenance == "mixed"
    assert {k: v.m for k, v in s.by_provenance.items()} == {"measured": 4.0, "reported": 2.0}
    one_label = CarbonFigure.sum([fig(1), fig(2)])
    assert one_label.provenance == "measured" and one_label.by_provenance == {}


def test_sources_are_joined_whole_and_deduplicated() -> None:
    s = CarbonFigure.sum([fig(1, source="paper; table 3"), fig(2, source="log"),
                          fig(3, source="log")])
    assert s.source == SOURCE_SEP.join(["log", "paper; table 3"])
    many = CarbonFigure.sum([fig(1, source=f"source {i}") for i in range(5)])
    assert many.source == "5 sources (see the jobs table)"
    assert CarbonFigure.sum([fig(1)]).source is None
    assert CarbonFigure.sum([fig(1, source="a")], source="given").source == "given"


def test_a_datasheet_never_applies_offsets(datasheet: Datasheet) -> None:
    assert datasheet.offsets_applied is False
    assert "No offsets" in datasheet.offsets_statement
    with pytest.raises(ModelCarbonError, match="offsets_applied"):
        Datasheet(**{**dict(datasheet), "offsets_applied": True})


@pytest.mark.parametrize(("build", "field"), [
    (lambda: CarbonFigure(value="1 kWh", provenance="measured"), "CarbonFigure.value"),
    (lambda: CarbonFigure(value="1 gCO2e", provenance="guessed"), "CarbonFigure.provenance"),
    (lambda: CarbonFigure(value="-1 gCO2e", provenance="measured"), "CarbonFigure.value"),
    (lambda: CurvePoint(requests=0, per_request="1 gCO2e"), "CurvePoint.requests"),
    (lambda: LineageEdge(child="a", parent="b", kind="k", share=-0.5, policy="share"),
     "LineageEdge.share"),
    (lambda: Identity(id="x", name="x", kind="model", functional_units=[]),
     "Identity.functional_units"),
])
def test_bad_values_name_the_record_and_field(build: Any, field: str) -> None:
    with pytest.raises(ModelCarbonError) as info:
        build()
    assert info.value.field.startswith(field), info.value.field


def test_records_are_frozen(datasheet: Datasheet) -> None:
    with pytest.raises(Exception, match="frozen"):
        datasheet.notes = []  # type: ignore[misc]
