"""Energy mixes: source mixes (golden vector, naive oracle, errors that suggest variants),
countries, constant intensities, and hourly series (energy-weighted windows, gaps named,
every datetime resolution)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

import carbon
from carbon import Q_, DataError, InvalidValueError, ModelCarbonError, UnknownKeyError
from tests.carbon import golden
from tests.carbon.examples import hourly
from tests.carbon.strategies import intensities

SOURCES = sorted(carbon.emission_factors())
VECTORS = golden.vectors("mix_intensity")


@pytest.mark.parametrize("vector", VECTORS, ids=golden.ids(VECTORS))
def test_golden(vector: dict[str, Any]) -> None:
    golden.check(vector, carbon.mix_intensity)


@pytest.mark.parametrize(
    ("call", "field", "error"),
    [
        (lambda: carbon.mix_intensity({"coal": 0.5, "gas": 0.4}), "shares", InvalidValueError),
        (lambda: carbon.mix_intensity({"coal": 1.2, "gas": -0.2}), "shares['coal']",
         InvalidValueError),
        (lambda: carbon.mix_intensity({"coal": float("nan"), "gas": 1.0}), "shares['coal']",
         InvalidValueError),
        (lambda: carbon.mix_intensity({"unobtainium": 1.0}), "shares['unobtainium']",
         UnknownKeyError),
        (lambda: carbon.mix_intensity({}), "shares", InvalidValueError),
        (lambda: carbon.mix_intensity({"coal": 1.0}, factors={"coal": "5 kg"}),
         "factors['coal']", carbon.UnitMismatchError),
        (lambda: carbon.country("Atlantis"), "country", UnknownKeyError),
        (lambda: carbon.ConstantIntensity.of(400, source="x"), "intensity",
         carbon.UnitMismatchError),
    ],
)
def test_bad_inputs(call: Any, field: str, error: type) -> None:
    with pytest.raises(error) as info:
        call()
    assert info.value.field == field
    assert field in str(info.value) and "expected" in str(info.value)
    assert isinstance(info.value, ModelCarbonError)


@given(name=st.sampled_from(SOURCES))
def test_a_one_source_mix_equals_that_sources_factor(name: str) -> None:
    assert carbon.mix_intensity({name: 1.0}).m == carbon.emission_factors()[name].gco2e_per_kwh


@given(weights=st.dictionaries(st.sampled_from(SOURCES), st.floats(0.01, 1.0), min_size=1))
def test_a_mix_is_the_share_weighted_sum_of_its_factors(weights: dict[str, float]) -> None:
    total = sum(weights.values())
    shares = {k: w / total for k, w in weights.items()}
    oracle = sum(s * carbon.emission_factors()[k].gco2e_per_kwh for k, s in shares.items())
    assert math.isclose(carbon.mix_intensity(shares).m, oracle, rel_tol=1e-12)
    assert math.isclose(carbon.SourceMix(shares).gco2e_per_kwh, oracle, rel_tol=1e-12)


def test_given_factors_override_the_shipped_ones() -> None:
    mix = carbon.SourceMix({"coal": 0.5, "ppa_wind": 0.5}, factors={"ppa_wind": "12 gCO2e/kWh"})
    assert mix.gco2e_per_kwh == pytest.approx(0.5 * 820 + 0.5 * 12)
    assert mix.intensity.m_as("gCO2e/kWh") == pytest.approx(416.0)


def test_shares_may_miss_one_by_rounding_only() -> None:
    assert carbon.mix_intensity({"coal": 0.3333333, "gas": 0.6666667}).m > 0
    with pytest.raises(InvalidValueError, match=r"sum to 0\.999"):
        carbon.mix_intensity({"coal": 0.333, "gas": 0.666})


@given(name=st.sampled_from(SOURCES), cut=st.integers(min_value=3, max_value=12))
@example(name="wind_onshore", cut=4)  # bug fixed: 'wind' suggested nothing useful
@example(name="solar_utility", cut=5)
def test_an_unknown_source_suggests_every_variant_it_begins(name: str, cut: int) -> None:
    prefix = name[:cut]
    assume(prefix not in SOURCES)
    with pytest.raises(UnknownKeyError) as info:
        carbon.mix_intensity({prefix: 1.0})
    for variant in (s for s in SOURCES if s.startswith(prefix)):
        assert repr(variant) in str(info.value).split("did you mean")[1]


def test_unknown_source_suggests_its_variants() -> None:
    # bug fixed in 04530b1: source-mix errors suggest variants ('wind' -> wind_onshore, ...)
    with pytest.raises(UnknownKeyError, match="wind_onshore"):
        carbon.mix_intensity({"wind": 1.0})


# countries and constants ----------------------------------------------------------------
def test_country_by_code_and_name_with_source_and_year() -> None:
    fr = carbon.country("fra")
    assert fr == carbon.country("France") == carbon.country("  FRA ")
    assert fr.year == 2023 and "Our World in Data" in fr.source and "France" in fr.source


def test_a_misspelt_country_suggests_the_name() -> None:
    with pytest.raises(UnknownKeyError, match=r"did you mean \['France'\]"):
        carbon.country("Frnace")


def test_every_country_row_is_a_usable_intensity() -> None:
    table = carbon.country_table()
    assert len(table) > 100 and table.index.is_unique
    values = table["carbon_intensity_gco2e_per_kwh"].to_numpy(dtype=float)
    assert np.all(np.isfinite(values)) and np.all(values >= 0) and np.all(values < 2000)
    assert table["source"].str.len().min() > 0


def test_constant_intensity_converts_once_and_keeps_its_source() -> None:
    c = carbon.ConstantIntensity.of(Q_(0.25, "kgCO2e/kWh"), source="contract", year=2025)
    assert (c.gco2e_per_kwh, c.source, c.year, c.kind, c.basis) == (
        250.0, "contract", 2025, "average", "lifecycle")
    assert c.mean_gco2e_per_kwh() == 250.0  # flat: no window needed


# hourly series ---------------------------------------------------------------------------
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


@pytest.mark.parametrize(("start", "end", "field"), [
    (None, "2026-01-01 01:00", "window"),
    ("2026-01-01 01:00", "2026-01-01 01:00", "window"),  # empty window
    ("2026-01-01 01:00", "2026-01-01 00:30", "window"),  # end before start
])
def test_hourly_windows_must_be_given_and_forward(start: str | None, end: str,
                                                  field: str) -> None:
    h = hourly([100.0, 300.0])
    with pytest.raises(InvalidValueError) as info:
        h.mean_gco2e_per_kwh(None if start is None else pd.Timestamp(start, tz="UTC"),
                             pd.Timestamp(end, tz="UTC"))
    assert info.value.field == field


def test_a_power_trace_without_energy_is_refused() -> None:
    h = hourly([100.0, 300.0])
    t = pd.date_range("2026-01-01 00:10", periods=3, freq="10min", tz="UTC")
    with pytest.raises(InvalidValueError, match="power"):
        h.mean_gco2e_per_kwh(t[0], t[-1], pd.Series(0.0, index=t))


def test_naive_timestamps_are_read_as_utc() -> None:
    idx = pd.date_range("2026-01-01", periods=2, freq="h")  # no time zone
    h = carbon.HourlyIntensity(pd.Series([100.0, 300.0], index=idx), source="test")
    assert str(h.series.index.tz) == "UTC"
    start = pd.Timestamp("2026-01-01 00:30")
    assert h.mean_gco2e_per_kwh(start, start + pd.Timedelta("1h")) == pytest.approx(200.0)


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([1.0, np.nan], index=pd.date_range("2026", periods=2, freq="h", tz="UTC")),
        pd.Series([1.0, -1.0], index=pd.date_range("2026", periods=2, freq="h", tz="UTC")),
        pd.Series([1.0, np.inf], index=pd.date_range("2026", periods=2, freq="h", tz="UTC")),
        pd.Series([1.0], index=[pd.Timestamp("2026-01-01 00:15", tz="UTC")]),
        pd.Series([1.0, 2.0], index=[pd.Timestamp("2026", tz="UTC")] * 2),
        pd.Series([1.0], index=[0]),
    ],
)
def test_bad_hourly_series(series: pd.Series) -> None:
    with pytest.raises(ModelCarbonError):
        carbon.HourlyIntensity(series, source="bad")


@given(ci=intensities, hours=st.integers(min_value=1, max_value=72),
       start_min=st.integers(min_value=0, max_value=59), length_min=st.integers(1, 600))
def test_a_constant_hourly_series_equals_the_constant(ci: float, hours: int, start_min: int,
                                                      length_min: int) -> None:
    idx = pd.date_range("2026-03-01", periods=hours + 12, freq="h", tz="UTC")
    series = carbon.HourlyIntensity(pd.Series(ci, index=idx), source="constant test series")
    start = idx[0] + pd.Timedelta(minutes=start_min)
    end = start + pd.Timedelta(minutes=min(length_min, 60 * hours))
    assert math.isclose(series.mean_gco2e_per_kwh(start, end), ci, rel_tol=1e-12, abs_tol=1e-12)


@given(values=st.lists(intensities, min_size=2, max_size=24),
       start_min=st.integers(0, 59), length_min=st.integers(1, 600))
def test_uniform_weighting_matches_a_minute_by_minute_oracle(values: list[float],
                                                             start_min: int,
                                                             length_min: int) -> None:
    h = hourly(values)
    length_min = min(length_min, 60 * len(values) - start_min)
    start = pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(minutes=start_min)
    minutes = [values[(start_min + k) // 60] for k in range(length_min)]
    oracle = sum(minutes) / len(minutes)
    got = h.mean_gco2e_per_kwh(start, start + pd.Timedelta(minutes=length_min))
    assert math.isclose(got, oracle, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_hourly_works_at_every_datetime_resolution(unit: str) -> None:
    # bug fixed in b907449: pandas 3 holds some datetimes in us, and asi8 was read as ns
    idx = pd.date_range("2026-01-01", periods=2, freq="h", tz="UTC").as_unit(unit)
    h = carbon.HourlyIntensity(pd.Series([100.0, 300.0], index=idx), source="test")
    t = pd.date_range("2026-01-01 00:30", "2026-01-01 01:30", freq="30min", tz="UTC").as_unit(unit)
    power = pd.Series([100.0, 100.0, 100.0], index=t)
    assert h.mean_gco2e_per_kwh(t[0], t[-1], power) == pytest.approx(200.0)
    assert h.mean_gco2e_per_kwh(t[0], t[-1]) == pytest.approx(200.0)


def test_hourly_series_compare_by_value_and_are_unhashable() -> None:
    # bug fixed in 04530b1: records holding pandas objects raised on ==
    assert hourly([1.0, 2.0]) == hourly([1.0, 2.0]) and hourly([1.0]) != hourly([2.0])
    assert hourly([1.0], region="DE") != hourly([1.0], region="FR")
    with pytest.raises(TypeError):
        hash(hourly([1.0]))
