"""Edge cases: every bad input raises an error that names the field, the value and the fix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import pytest

import carbon
from carbon import (
    Q_,
    DataError,
    InvalidValueError,
    ModelCarbonError,
    UnitMismatchError,
    UnknownKeyError,
)

CI = Q_(400, "gCO2e/kWh")


@pytest.mark.parametrize(
    ("call", "field", "error"),
    [
        (lambda: carbon.jsc(Q_(-1, "kWh"), intensity=CI), "energy", InvalidValueError),
        (lambda: carbon.jsc(1.0, intensity=CI), "energy", UnitMismatchError),
        (lambda: carbon.jsc(Q_(1, "kWh"), intensity=400), "intensity", UnitMismatchError),
        (lambda: carbon.jsc(Q_(1, "kWh"), intensity=CI, pue=0.99), "pue", InvalidValueError),
        (lambda: carbon.jsc(Q_(1, "kWh"), intensity=CI, pue=float("nan")), "pue",
         InvalidValueError),
        (lambda: carbon.jsc(Q_(np.array([1.0, np.nan]), "kWh"), intensity=CI), "energy",
         InvalidValueError),
        (lambda: carbon.embodied_share(Q_(1, "kgCO2e"), duration=Q_(1, "h"),
                                       lifetime=Q_(0, "year")), "lifetime", InvalidValueError),
        (lambda: carbon.embodied_share(Q_(1, "kgCO2e"), duration=Q_(1, "h"),
                                       lifetime=Q_(1, "year"), fraction=1.5), "fraction",
         InvalidValueError),
        (lambda: carbon.embodied_share(Q_(1, "kg"), duration=Q_(1, "h"),
                                       lifetime=Q_(1, "year")), "embodied", UnitMismatchError),
        (lambda: carbon.platform_share(Q_(1, "gCO2e/s"), duration=Q_(1, "s"),
                                       concurrent_jobs=0), "concurrent_jobs", InvalidValueError),
        (lambda: carbon.platform_share(Q_(1, "gCO2e/s"), duration=Q_(1, "s"), share=-0.1),
         "share", InvalidValueError),
        (lambda: carbon.platform_share(Q_(1, "gCO2e"), duration=Q_(1, "s")), "rate",
         UnitMismatchError),
        (lambda: carbon.product_share(Q_(1, "gCO2e"), duration=Q_(1, "s"),
                                      lifetime=Q_(1, "year"), parallel_jobs=0.5),
         "parallel_jobs", InvalidValueError),
        (lambda: carbon.retraining_share(Q_(1, "gCO2e"), requests=0), "requests",
         InvalidValueError),
        (lambda: carbon.product_share_by_requests(Q_(1, "gCO2e"), requests=float("inf")),
         "requests", InvalidValueError),
        (lambda: carbon.mix_intensity({"coal": 0.5, "gas": 0.4}), "shares", InvalidValueError),
        (lambda: carbon.mix_intensity({"coal": 1.2, "gas": -0.2}), "shares['coal']",
         InvalidValueError),
        (lambda: carbon.mix_intensity({"unobtainium": 1.0}), "shares['unobtainium']",
         UnknownKeyError),
        (lambda: carbon.mix_intensity({}), "shares", InvalidValueError),
        (lambda: carbon.country("Atlantis"), "country", UnknownKeyError),
        (lambda: carbon.hardware("quantum toaster"), "hardware", UnknownKeyError),
    ],
)
def test_bad_inputs(call: Any, field: str, error: type) -> None:
    with pytest.raises(error) as info:
        call()
    assert info.value.field == field
    assert field in str(info.value) and "expected" in str(info.value)
    assert isinstance(info.value, ModelCarbonError)


def test_platform_share_and_concurrency_are_exclusive() -> None:
    with pytest.raises(InvalidValueError, match="not both"):
        carbon.platform_share(Q_(1, "gCO2e/s"), duration=Q_(1, "s"), concurrent_jobs=2,
                              share=0.5)


def test_proportional_platform_share() -> None:
    sizes = np.array([1.0, 3.0])  # GPU-seconds of two jobs
    shares = sizes / sizes.sum()
    taxes = [carbon.platform_share(Q_(10, "gCO2e/s"), duration=Q_(2, "s"), share=s).m
             for s in shares]
    assert taxes == pytest.approx([5.0, 15.0])


def test_zero_inputs_give_zero_not_errors() -> None:
    assert carbon.jsc(Q_(0, "kWh"), intensity=CI).m == 0.0
    assert carbon.embodied_share(Q_(0, "gCO2e"), duration=Q_(1, "h"),
                                 lifetime=Q_(1, "year")).m == 0.0


def test_huge_and_tiny_values_stay_finite() -> None:
    assert carbon.jsc(Q_(1e15, "kWh"), intensity=CI).m == pytest.approx(4e17)
    assert carbon.jsc(Q_(1e-300, "kWh"), intensity=CI).m == pytest.approx(4e-298)


# records ----------------------------------------------------------------------------------
FAC = carbon.Facility(name="dc", pue=1.1, mix=CI)
BOX = carbon.System(name="box", embodied="1 tCO2e", lifetime="4 year", facility=FAC)


def use(**kw: Any) -> carbon.EnergyUse:
    return carbon.EnergyUse(**{"system": BOX, "energy": "1 kWh", "provenance": "measured", **kw})


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: carbon.Job(), "Job.name"),
        (lambda: carbon.Job(name="j", energy=[]), "Job.energy"),
        (lambda: carbon.Job(name="j", energy=[use()]), "Job"),
        (lambda: carbon.Facility(name="x", pue=0.5, mix=CI), "Facility.pue"),
        (lambda: carbon.Facility(name="x", pue=1.1, mix="400 g/kWh"), "Facility.mix"),
        (lambda: carbon.System(name="s", embodied="1 tCO2e", lifetime="0 s", facility=FAC),
         "System.lifetime"),
        (lambda: use(energy="-1 kWh"), "EnergyUse.energy"),
        (lambda: use(energy=1.0), "EnergyUse.energy"),
        (lambda: use(provenance="guessed"), "EnergyUse.provenance"),
        (lambda: use(fraction=1.01), "EnergyUse.fraction"),
        (lambda: use(surprise=1), "EnergyUse.surprise"),
        (lambda: carbon.ProductUse(name="m", epc="1 gCO2e"), "ProductUse"),
        (lambda: carbon.ProductUse(name="m", epc="1 gCO2e", lifetime="1 year", requests=5),
         "ProductUse"),
        (lambda: carbon.PlatformUse(name="p", rate="1 gCO2e/s", concurrent_jobs=2, share=0.5),
         "PlatformUse"),
        (lambda: carbon.RetrainingUse(carbon="1 gCO2e", requests=0), "RetrainingUse.requests"),
        (lambda: carbon.Job(name="j", energy=[use()], start=datetime(2026, 1, 1, 1, tzinfo=UTC),
                            end=datetime(2026, 1, 1, 0, tzinfo=UTC)), "Job"),
        (lambda: carbon.Job(name="j", energy=[use()], duration="2 h",
                            start=datetime(2026, 1, 1, 0, tzinfo=UTC),
                            end=datetime(2026, 1, 1, 1, tzinfo=UTC)), "Job"),
    ],
)
def test_bad_records_name_the_field(build: Any, field: str) -> None:
    with pytest.raises(ModelCarbonError) as info:
        build()
    assert info.value.field.startswith(field), info.value.field
    assert isinstance(info.value, (ValueError, TypeError))


def test_duration_comes_from_the_window() -> None:
    job = carbon.Job(name="j", energy=[use()], start=datetime(2026, 1, 1, 0, tzinfo=UTC),
                     end=datetime(2026, 1, 1, 2, tzinfo=UTC))
    assert job.duration.m_as("h") == 2.0


def test_records_are_frozen() -> None:
    with pytest.raises(ModelCarbonError):
        carbon.Facility(name="x", pue=1.0, mix=CI, extra=1)
    with pytest.raises(Exception, match="frozen"):
        FAC.pue = 2.0  # type: ignore[misc]


def test_uncertainty_is_none_when_one_figure_has_none() -> None:
    job = carbon.Job(name="j", duration="1 h",
                     energy=[use(uncertainty="0.1 kWh"), use()])
    assert carbon.asc_e(job).uncertainty is None
    job2 = carbon.Job(name="j", duration="1 h", energy=[use(uncertainty="0.1 kWh")])
    assert carbon.asc_e(job2).uncertainty.m == pytest.approx(0.1 * 1.1 * 400)


def test_held_duration_and_fraction_per_system() -> None:
    job = carbon.Job(name="j", duration="10 h",
                     energy=[use(duration="1 h", fraction=0.25)])
    expected = 1e6 * 3600 / (4 * 365 * 86400) * 0.25
    assert carbon.asc_e(job).embodied_g == pytest.approx(expected, rel=1e-12)


# electricity ------------------------------------------------------------------------------
def test_country_by_code_and_name_with_source_and_year() -> None:
    fr = carbon.country("fra")
    assert fr == carbon.country("France")
    assert fr.year == 2023 and "Our World in Data" in fr.source and "France" in fr.source


def hourly(values: list[float], region: str = "DE") -> carbon.HourlyIntensity:
    idx = pd.date_range("2026-01-01", periods=len(values), freq="h", tz="UTC")
    return carbon.HourlyIntensity(pd.Series(values, index=idx), source="test", region=region)


def test_hourly_weighted_by_a_power_trace() -> None:
    h = hourly([100.0, 300.0])
    t = pd.date_range("2026-01-01 00:30", "2026-01-01 01:30", freq="1min", tz="UTC")
    # 100 W in the first hour, 300 W in the second: energy 50 Wh and 150 Wh
    power = pd.Series(np.where(t < pd.Timestamp("2026-01-01 01:00", tz="UTC"), 100.0, 300.0),
                      index=t)
    got = h.mean_gco2e_per_kwh(t[0], t[-1], power)
    # trapezoid: the 00:59-01:00 step averages 200 W inside the first hour
    e1 = 100 * 29 / 60 + 200 / 60
    e2 = 300 * 30 / 60
    assert got == pytest.approx((e1 * 100 + e2 * 300) / (e1 + e2), rel=1e-9)


def test_hourly_job_in_a_facility_uses_the_window() -> None:
    fac = carbon.Facility(name="dc", pue=1.0, mix=hourly([100.0, 300.0]))
    box = carbon.System(name="b", embodied="0 gCO2e", lifetime="1 year", facility=fac)
    job = carbon.Job(name="j", start=datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
                     end=datetime(2026, 1, 1, 1, 30, tzinfo=UTC),
                     energy=[carbon.EnergyUse(system=box, energy="1 kWh", provenance="measured")])
    assert carbon.asc_e(job).jsc.m == pytest.approx(200.0)


@pytest.mark.parametrize(
    ("start", "end", "match"),
    [
        ("2026-01-01 01:30", "2026-01-01 03:30", "missing hour"),
        ("2025-12-31 23:30", "2026-01-01 00:30", "missing hour"),
    ],
)
def test_hourly_gaps_name_region_and_gap(start: str, end: str, match: str) -> None:
    h = hourly([100.0, 300.0, 200.0]).series.drop(pd.Timestamp("2026-01-01 02:00", tz="UTC"))
    series = carbon.HourlyIntensity(h, source="test", region="DE")
    with pytest.raises(DataError, match=match) as info:
        series.mean_gco2e_per_kwh(pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC"))
    assert "DE" in str(info.value)


def test_hourly_needs_a_window() -> None:
    fac = carbon.Facility(name="dc", pue=1.0, mix=hourly([100.0]))
    box = carbon.System(name="b", embodied="0 gCO2e", lifetime="1 year", facility=fac)
    job = carbon.Job(name="j", duration="1 h",
                     energy=[carbon.EnergyUse(system=box, energy="1 kWh", provenance="measured")])
    with pytest.raises(InvalidValueError, match="window"):
        carbon.asc_e(job)


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([1.0, np.nan], index=pd.date_range("2026", periods=2, freq="h", tz="UTC")),
        pd.Series([1.0, -1.0], index=pd.date_range("2026", periods=2, freq="h", tz="UTC")),
        pd.Series([1.0], index=[pd.Timestamp("2026-01-01 00:15", tz="UTC")]),
        pd.Series([1.0, 2.0], index=[pd.Timestamp("2026", tz="UTC")] * 2),
        pd.Series([1.0], index=[0]),
    ],
)
def test_bad_hourly_series(series: pd.Series) -> None:
    with pytest.raises(ModelCarbonError):
        carbon.HourlyIntensity(series, source="bad")


# fleet ------------------------------------------------------------------------------------
BASE = {"energy [kJ]": [1.0], "pue": [1.08], "intensity [gCO2e/kWh]": [665.6],
        "duration [min]": [5.0]}


@pytest.mark.parametrize(
    ("extra", "error", "match"),
    [
        ({"energy [kJ]": [-1.0]}, InvalidValueError, "energy"),
        ({"pue": [0.9]}, InvalidValueError, "pue"),
        ({"intensity [gCO2e/kWh]": [np.nan]}, InvalidValueError, "intensity"),
        ({"embodied [gCO2e]": [1.0]}, DataError, "lifetime"),
        ({"embodied [kg]": [1.0], "lifetime [year]": [1.0]}, UnitMismatchError, "embodied"),
        ({"embodied [gCO2e]": [1.0], "lifetime [year]": [0.0]}, InvalidValueError, "lifetime"),
        ({"platform_rate [gCO2e/s]": [1.0]}, DataError, "concurrent_jobs"),
        ({"epc [gCO2e]": [1.0]}, DataError, "product_lifetime"),
        ({"retraining [gCO2e]": [1.0]}, DataError, "retraining_requests"),
        ({"pue [W]": [1.0]}, DataError, "pue"),
    ],
)
def test_fleet_errors(extra: dict[str, list[float]], error: type, match: str) -> None:
    df = pd.DataFrame({**BASE, **extra})
    with pytest.raises(error, match=match):
        carbon.asc_e_frame(df)


def test_fleet_needs_units_on_physical_columns() -> None:
    df = pd.DataFrame({"energy": [1.0], "pue": [1.0], "intensity [gCO2e/kWh]": [1.0],
                       "duration [s]": [1.0]})
    with pytest.raises(UnitMismatchError, match=r"energy \[kWh\]"):
        carbon.asc_e_frame(df)


def test_fleet_terms_are_explicit() -> None:
    out = carbon.asc_e_frame(pd.DataFrame(BASE))
    assert out.attrs["terms"] == ["operational", "overhead"]
    assert out["asc_e [gCO2e]"].iloc[0] == pytest.approx(0.19968)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_hourly_works_at_every_datetime_resolution(unit: str) -> None:
    # bug found: pandas 3 holds some datetimes in us, and asi8 was read as ns
    idx = pd.date_range("2026-01-01", periods=2, freq="h", tz="UTC").as_unit(unit)
    h = carbon.HourlyIntensity(pd.Series([100.0, 300.0], index=idx), source="test")
    t = pd.date_range("2026-01-01 00:30", "2026-01-01 01:30", freq="30min", tz="UTC").as_unit(unit)
    power = pd.Series([100.0, 100.0, 100.0], index=t)
    assert h.mean_gco2e_per_kwh(t[0], t[-1], power) == pytest.approx(200.0)
    assert h.mean_gco2e_per_kwh(t[0], t[-1]) == pytest.approx(200.0)


def test_records_holding_pandas_objects_compare_by_value() -> None:
    # bug found (lineage tests): Job == Job raised on a power trace Series
    idx = pd.date_range("2026-01-01", periods=3, freq="min", tz="UTC")

    def make(p: list[float]) -> carbon.Job:
        return carbon.Job(name="j", id="x", duration="1 h",
                          energy=[use(power=pd.Series(p, index=idx))])

    assert make([1.0, 2.0, 3.0]) == make([1.0, 2.0, 3.0])
    assert make([1.0, 2.0, 3.0]) != make([1.0, 2.0, 4.0])
    assert hourly([1.0, 2.0]) == hourly([1.0, 2.0]) and hourly([1.0]) != hourly([2.0])
    assert {BOX: 1}[carbon.System(name="box", embodied="1 tCO2e", lifetime="4 year",
                                  facility=FAC)] == 1


def test_unknown_source_suggests_its_variants() -> None:
    with pytest.raises(UnknownKeyError, match="wind_onshore"):
        carbon.mix_intensity({"wind": 1.0})


def test_blocked_evaluation_across_block_boundaries(monkeypatch: pytest.MonkeyPatch) -> None:
    import carbon._fleet as fleet

    rng = np.random.default_rng(3)
    n = 50
    df = pd.DataFrame({"energy [Wh]": rng.uniform(0, 5, n), "pue": rng.uniform(1, 2, n),
                       "intensity [gCO2e/kWh]": rng.uniform(0, 900, n),
                       "duration [s]": rng.uniform(0, 60, n),
                       "embodied [kgCO2e]": rng.uniform(0, 9e3, n),
                       "lifetime [year]": rng.uniform(1, 6, n),
                       "platform_rate [gCO2e/min]": rng.uniform(0, 50, n),
                       "concurrent_jobs": rng.integers(1, 20, n).astype(float)},
                      index=pd.RangeIndex(100, 100 + n))
    whole = carbon.asc_e_frame(df)
    monkeypatch.setattr(fleet, "BLOCK_ROWS", 7)
    blocked = carbon.asc_e_frame(df)
    pd.testing.assert_frame_equal(whole, blocked, rtol=1e-15)
    # totals use E*PUE*CI, the breakdown E*CI + E*(PUE-1)*CI: equal up to rounding
    assert np.allclose(carbon.asc_e_frame(df, breakdown=False).to_numpy(),
                       blocked["asc_e [gCO2e]"].to_numpy(), rtol=1e-12, atol=0)
    bad = df.copy()
    bad.loc[143, "lifetime [year]"] = np.inf  # a denominator in a later block
    with pytest.raises(InvalidValueError, match=r"lifetime \[year\]\[143\]"):
        carbon.asc_e_frame(bad)
    bad = df.copy()
    bad.loc[130, "energy [Wh]"] = np.inf  # a numerator: caught by the block's total
    with pytest.raises(InvalidValueError, match=r"energy \[Wh\]\[130\]"):
        carbon.asc_e_frame(bad, breakdown=False)
