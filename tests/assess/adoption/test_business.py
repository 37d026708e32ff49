"""The business case in absolute units, against hand formulas (naive oracle)."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assess import BeforeAfter, business_case
from carbon import (
    Q_,
    EnergyUse,
    Facility,
    InvalidValueError,
    Job,
    System,
    UnitMismatchError,
    asc_e,
)

J_PER_KWH = 3.6e6


def m(**kw: Any) -> BeforeAfter:
    base: dict[str, Any] = {"name": "t", "energy_before": "3 J", "energy_after": "1 J",
                            "energy_provenance": "measured"}
    return BeforeAfter(**{**base, **kw})


@settings(max_examples=50)
@given(st.floats(0.1, 100), st.floats(0.0, 0.99), st.floats(0.01, 1e4), st.floats(1, 2),
       st.floats(1, 1000), st.floats(1e2, 1e9), st.floats(1, 1000))
@example(1.0, 0.0, 1.0, 1.0, 1.0, 100.0, 81.0)  # break-even beyond year 9999: no date
def test_break_even_matches_hand_formula(before_j: float, frac: float, job_kwh: float,
                                         pue: float, ci: float, rate_per_day: float,
                                         ci_adopt: float) -> None:
    after_j = before_j * frac
    case = business_case(
        m(energy_before=f"{before_j!r} J", energy_after=f"{after_j!r} J",
          job_energy=f"{job_kwh!r} kWh"),
        request_rate=Q_(rate_per_day, "1/day"), serving_intensity=Q_(ci, "gCO2e/kWh"),
        serving_pue=pue, adoption_intensity=Q_(ci_adopt, "gCO2e/kWh"), adoption_pue=pue,
        start=date(2025, 1, 1))
    d_kwh = (before_j - after_j) / J_PER_KWH
    d_g = d_kwh * pue * ci
    once_g = job_kwh * pue * ci_adopt
    assert case.saving_carbon_per_request.m_as("gCO2e") == pytest.approx(d_g)
    assert case.one_time_carbon.m_as("gCO2e") == pytest.approx(once_g)
    assert case.break_even_requests == pytest.approx(once_g / d_g)
    assert case.break_even_time.m_as("day") == pytest.approx(once_g / d_g / rate_per_day)
    assert case.energy_break_even_requests == pytest.approx(job_kwh / d_kwh)
    assert case.saving_carbon_per_year.m_as("gCO2e") == \
        pytest.approx(d_g * rate_per_day * 365)
    if case.break_even_date is None:
        assert "9999" in case.reasons["break_even_date"]
    else:
        assert (case.break_even_date - datetime(2025, 1, 1)).total_seconds() == \
            pytest.approx(case.break_even_time.m_as("s"), rel=1e-9, abs=1e-3)
    # sensitivity: N* scales with 1 / intensity factor, t* with 1 / (intensity * volume)
    for p in case.sensitivity:
        assert p.break_even_requests == pytest.approx(once_g / (d_g * p.intensity_factor))
        assert p.break_even_time.m_as("day") == pytest.approx(
            once_g / (d_g * p.intensity_factor) / (rate_per_day * p.volume_factor))


def test_break_even_date_and_money() -> None:
    # 2 J saved = 1/1.8e6 kWh; 1 kWh job on the same 500 g grid: N* = 1.8e6 requests
    case = business_case(m(job_energy="1 kWh"), request_rate="1.8e5 / day",
                         serving_intensity="500 gCO2e/kWh", adoption_intensity="500 gCO2e/kWh",
                         start=datetime(2025, 1, 1, 12), price_per_kwh=0.3, currency="EUR")
    assert case.break_even_requests == pytest.approx(1.8e6)
    assert case.break_even_date == datetime(2025, 1, 11, 12)
    assert case.one_time_money is not None and case.one_time_money.amount == \
        pytest.approx(0.3)
    assert case.saving_money_per_year is not None
    assert case.saving_money_per_year.amount == pytest.approx(0.3 * 1.8e5 * 365 / 1.8e6)
    frame = case.sensitivity_frame()
    assert list(frame.columns)[-1] == "break_even [day]" and len(frame) == 12
    assert case.to_dict()["break_even_date"] == "2025-01-11T12:00:00"


def test_job_carbon_given_is_used_as_is() -> None:
    case = business_case(m(job_carbon="2 kgCO2e"), request_rate="1 / s",
                         serving_intensity="100 gCO2e/kWh")
    assert case.one_time_carbon.m_as("gCO2e") == pytest.approx(2000)
    assert case.one_time_energy is None and "one_time_energy" in case.reasons
    assert case.break_even_date is None and "break_even_date" in case.reasons


def test_extra_jobs_count_with_their_asc_e() -> None:
    fac = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    box = System(name="box", embodied="1000 kgCO2e", lifetime="4 year", facility=fac)
    sweep = Job(name="sweep", duration="2 h",
                energy=[EnergyUse(system=box, energy="5 kWh", provenance="measured")])
    case = business_case(m(job_energy="1 kWh"), request_rate="1 / s",
                         serving_intensity="300 gCO2e/kWh", adoption_intensity="300 gCO2e/kWh",
                         extra_jobs=[sweep])
    expected = 1 * 300 + asc_e(sweep).asc_e.m_as("gCO2e")
    assert case.one_time_carbon.m_as("gCO2e") == pytest.approx(expected)
    assert case.one_time_energy.m_as("kWh") == pytest.approx(6.0)
    assert [k for k, _ in case.one_time_parts] == ["adoption job", "sweep"]


def test_unknown_one_time_cost_is_none_not_zero() -> None:
    case = business_case(m(), request_rate="1 / s", serving_intensity="300 gCO2e/kWh")
    assert case.one_time_carbon is None and case.break_even_requests is None
    assert "unknown" in case.reasons["one_time_carbon"]
    zero = business_case(m(), request_rate="1 / s", serving_intensity="300 gCO2e/kWh",
                         extra_carbon=[Q_(0, "gCO2e")])
    assert zero.break_even_requests == 0.0


def test_no_saving_never_breaks_even() -> None:
    case = business_case(m(energy_after="4 J", job_carbon="1 kgCO2e"), request_rate="1 / s",
                         serving_intensity="300 gCO2e/kWh")
    assert case.break_even_requests is None and "never" in case.reasons["break_even_requests"]
    assert case.saving_carbon_per_request.m_as("gCO2e") < 0
    assert all(p.break_even_requests is None for p in case.sensitivity)


def test_compression_result_duck_type() -> None:
    result = SimpleNamespace(technique="int8", parent="a", child="b",
                             energy_per_request_before=Q_(2, "J"),
                             energy_per_request_after=Q_(1, "J"), energy_provenance="sampled",
                             job_carbon=Q_(10, "gCO2e"), job_energy=Q_(0.02, "kWh"))
    case = business_case(result, request_rate="10 / s", serving_intensity="360 gCO2e/kWh")
    assert case.break_even_requests == pytest.approx(10 / (1 / 3.6e6 * 360))
    assert case.name == "int8: a -> b"


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"request_rate": "0 / s"}, InvalidValueError, "request_rate"),
    ({"request_rate": "5 kWh"}, UnitMismatchError, "request_rate"),
    ({"serving_intensity": "5 kWh"}, UnitMismatchError, "intensity"),
    ({"serving_pue": 0.9}, InvalidValueError, "serving_pue"),
    ({"adoption_intensity": None}, InvalidValueError, "adoption_intensity"),
    ({"intensity_factors": (0.0,)}, InvalidValueError, "sensitivity"),
    ({"price_per_kwh": -1.0}, InvalidValueError, "price_per_kwh"),
])
def test_bad_inputs(kwargs: dict[str, Any], error: type[Exception], field: str) -> None:
    args: dict[str, Any] = {"request_rate": "1 / s", "serving_intensity": "300 gCO2e/kWh",
                            "adoption_intensity": "300 gCO2e/kWh"}
    with pytest.raises(error, match=field):
        business_case(m(job_energy="1 kWh"), **{**args, **kwargs})


@settings(max_examples=40)
@given(st.floats(0.1, 100), st.floats(0.0, 1.5), st.floats(0.0, 0.5), st.floats(0.01, 1e3))
@example(3.0, 0.9, 0.2, 10.0)  # the upper end of the interval saves nothing: never
def test_ranges_come_from_the_ends_of_the_ratio_interval(before_j: float, lo: float,
                                                         width: float, job_kwh: float) -> None:
    hi = lo + width
    case = business_case(
        m(energy_before=f"{before_j!r} J", energy_after=f"{before_j * lo!r} J",
          ratio_ci=(lo, hi), job_energy=f"{job_kwh!r} kWh"),
        request_rate=Q_(1e6, "1/day"), serving_intensity=Q_(400, "gCO2e/kWh"),
        adoption_intensity=Q_(400, "gCO2e/kWh"), start=date(2025, 1, 1))
    low_j, high_j = (q.m_as("J") for q in case.saving_energy_per_request_range)
    assert low_j == pytest.approx(before_j * (1 - hi)) and high_j == pytest.approx(
        before_j * (1 - lo))
    assert low_j <= high_j and case.range_level == 0.95
    y_lo, y_hi = (q.m_as("kWh") for q in case.saving_energy_per_year_range)
    assert y_lo == pytest.approx(low_j / J_PER_KWH * 1e6 * 365)
    assert y_hi == pytest.approx(high_j / J_PER_KWH * 1e6 * 365)
    once_g = job_kwh * 400
    n_lo, n_hi = case.break_even_requests_range
    per_j = 400 / J_PER_KWH
    assert (n_lo is None) == (high_j <= 0) and (n_hi is None) == (low_j <= 0)
    if n_lo is not None:
        assert n_lo == pytest.approx(once_g / (high_j * per_j))
    if n_hi is not None:
        assert n_hi == pytest.approx(once_g / (low_j * per_j)) and n_lo is not None
        assert n_lo <= n_hi * (1 + 1e-12)
    else:
        assert "never" in case.reasons["break_even_requests_range"]
    assert case.break_even_date_range is not None
    d = case.to_dict()
    assert d["range_level"] == 0.95 and len(d["break_even_requests_range"]) == 2


def test_without_an_interval_every_range_is_unknown() -> None:
    case = business_case(m(job_energy="1 kWh"), request_rate=Q_(1e6, "1/day"),
                         serving_intensity=Q_(400, "gCO2e/kWh"),
                         adoption_intensity=Q_(400, "gCO2e/kWh"))
    assert case.saving_energy_per_request_range is None
    assert case.break_even_requests_range is None and case.break_even_date_range is None
    assert "no interval" in case.reasons["ranges"]
    assert case.to_dict()["saving_carbon_per_year_range"] is None
