"""CompressionResult: derived figures against their formulas, validation, serialisation."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from carbon import Q_, InvalidValueError, ModelCarbonError, UnitMismatchError
from compress import CompressionResult


def _fields(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict(
        technique="prune_structured", parent="p", child="c", metric_name="accuracy",
        metric_before=0.97, metric_after=0.95, size_before=1000, size_after=400,
        latency_before="20 us", latency_after="10 us", batch_size=64,
        energy_per_request_before="2 mJ", energy_per_request_after="1.5 mJ",
        energy_provenance="estimated", energy_uncertainty=None,
        carbon_per_request_before="2e-4 gCO2e", carbon_per_request_after="1.5e-4 gCO2e",
        job_energy="2 kJ", job_carbon="0.2 gCO2e", job_provenance="estimated")
    base.update(over)
    return base


energies = st.floats(1e-6, 1e3)


@settings(max_examples=50, deadline=None)
@given(b=energies, a=energies, cb=energies, ca=energies, job=st.floats(0, 1e3))
@example(b=1.0, a=1.0, cb=1.0, ca=1.0, job=1.0)
def test_derived_figures_follow_their_formulas(b: float, a: float, cb: float, ca: float,
                                               job: float) -> None:
    r = CompressionResult(**_fields(
        energy_per_request_before=Q_(b, "J"), energy_per_request_after=Q_(a, "J"),
        carbon_per_request_before=Q_(cb, "mgCO2e"), carbon_per_request_after=Q_(ca, "mgCO2e"),
        job_carbon=Q_(job, "gCO2e")))
    assert r.energy_reduction_pct == pytest.approx(100 * (b - a) / b)
    assert r.energy_saved_kwh_per_million_requests.m_as("kWh") == pytest.approx(
        (b - a) * 1e6 / 3.6e6, abs=1e-12)
    if cb > ca:
        assert r.break_even_requests == pytest.approx(job / ((cb - ca) / 1000))
    else:
        assert r.break_even_requests is None  # never pays back: not zero, not infinity
    assert r.quality_change == pytest.approx(0.95 - 0.97)


def test_size_and_speed() -> None:
    r = CompressionResult(**_fields())
    assert r.size_reduction_pct == 60.0 and r.speedup == pytest.approx(2.0)
    assert r.job_energy_saving_pct is None
    r2 = CompressionResult(**_fields(baseline_job_energy="4 kJ"))
    assert r2.job_energy_saving_pct == pytest.approx(50.0)


@pytest.mark.parametrize("over, field, err", [
    ({"size_after": 0}, "size_after", InvalidValueError),
    ({"size_before": -5}, "size_before", InvalidValueError),
    ({"metric_after": math.nan}, "metric_after", InvalidValueError),
    ({"batch_size": 0}, "batch_size", InvalidValueError),
    ({"energy_per_request_after": "-1 mJ"}, "energy_per_request_after", InvalidValueError),
    ({"energy_per_request_after": 1.0}, "energy_per_request_after", UnitMismatchError),
    ({"job_carbon": "1 kWh"}, "job_carbon", UnitMismatchError),
    ({"energy_provenance": "guessed"}, "energy_provenance", InvalidValueError),
    ({"energy_per_request_before": "0 J"}, "CompressionResult", InvalidValueError),
    ({"latency_after": "0 s"}, "CompressionResult", InvalidValueError),
])
def test_invalid_records_name_the_field(over: dict[str, Any], field: str, err: type) -> None:
    with pytest.raises(err) as e:
        CompressionResult(**_fields(**over))
    assert field in e.value.field


def test_required_fields_do_not_default() -> None:
    f = _fields()
    del f["job_energy"]
    with pytest.raises(ModelCarbonError) as e:
        CompressionResult(**f)
    assert "job_energy" in e.value.field


def test_json_round_trip() -> None:
    r = CompressionResult(**_fields(energy_uncertainty="0.1 mJ", notes=("a note",)))
    back = CompressionResult(**json.loads(r.model_dump_json()))
    assert back == r
