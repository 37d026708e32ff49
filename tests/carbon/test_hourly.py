"""The hourly grid (carbon._hourly): schema validation, the join against a per-row oracle, gaps."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from carbon import (
    ConstantIntensity,
    DataError,
    HourlyGrid,
    InvalidValueError,
    ModelCarbonError,
    UnitMismatchError,
    UnknownKeyError,
    country,
    read_hourly,
)
from carbon._utc import HOUR_NS

T0 = pd.Timestamp("2026-03-01T00:00Z")


def table(region: str = "DEU", hours: list[int] | None = None, values: list[float] | None = None,
          **over: object) -> pd.DataFrame:
    hours = list(range(6)) if hours is None else hours
    values = [100.0 + 10 * h for h in hours] if values is None else values
    df = pd.DataFrame({
        "region": region, "hour_start": [T0 + pd.Timedelta(hours=h) for h in hours],
        "intensity [gCO2e/kWh]": values, "source": "test series v1", "kind": "average",
        "basis": "lifecycle"})
    for k, v in over.items():
        df[k] = v
    return df


def requests(region: str, starts: list[pd.Timestamp], seconds: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"region": region, "start": starts, "duration [s]": seconds})


def ci(grid: HourlyGrid, req: pd.DataFrame, **kw: object) -> list[float]:
    out = grid.join(req, **kw)  # type: ignore[arg-type]
    return list(out["intensity [gCO2e/kWh]"])


# ---------------------------------------------------------------- the schema
def test_csv_and_parquet_round_trip(tmp_path: object) -> None:
    from pathlib import Path
    d = Path(str(tmp_path))
    df = pd.concat([table("DEU"), table("FRA", values=[50.0] * 6)])
    df.to_csv(d / "h.csv", index=False)
    df.to_parquet(d / "h.parquet")
    a, b = read_hourly(d / "h.csv"), read_hourly(d / "h.parquet")
    assert a.regions == b.regions == ("DEU", "FRA")
    assert np.array_equal(a.values, b.values, equal_nan=True)
    assert a.hourly("FRA").series.tolist() == [50.0] * 6
    assert a.span("DEU") == (T0, T0 + pd.Timedelta(hours=6))


def test_unit_in_the_column_name_is_converted_once() -> None:
    df = table(values=[0.5] * 6).rename(columns={"intensity [gCO2e/kWh]": "intensity [kgCO2e/kWh]"})
    assert read_hourly(df).hourly("DEU").series.tolist() == [500.0] * 6
    df = table().rename(columns={"intensity [gCO2e/kWh]": "intensity [kWh]"})
    with pytest.raises(UnitMismatchError, match="gCO2e/kWh"):
        read_hourly(df)


def test_offsets_are_converted_to_utc_and_naive_is_utc() -> None:
    df = table(hours=[0])
    df["hour_start"] = ["2026-03-01T01:00+01:00"]
    assert read_hourly(df).span("DEU")[0] == T0
    df["hour_start"] = ["2026-03-01 00:00:00"]
    assert read_hourly(df).span("DEU")[0] == T0


@pytest.mark.parametrize(("change", "error", "words"), [
    (lambda d: d.drop(columns="source"), DataError, "missing \\['source'\\]"),
    (lambda d: d.drop(columns="intensity [gCO2e/kWh]"), DataError, "intensity"),
    (lambda d: d.assign(region=["DEU", "", "DEU", "DEU", "DEU", "DEU"]), DataError,
     r"hourly\[row 1\]\.region"),
    (lambda d: d.assign(source=["s", "s", None, "s", "s", "s"]), DataError, r"row 2\]\.source"),
    (lambda d: d.assign(kind=["average"] * 5 + ["mean"]), DataError, r"row 5\]\.kind"),
    (lambda d: d.assign(kind=["average"] * 5 + ["marginal"]), DataError, "one kind"),
    (lambda d: d.assign(basis=["direct"] * 5 + ["lifecycle"]), DataError, "one basis"),
    (lambda d: d.assign(**{"intensity [gCO2e/kWh]": [1.0, -1.0, 1, 1, 1, 1]}), InvalidValueError,
     r"row 1\]"),
    (lambda d: d.assign(**{"intensity [gCO2e/kWh]": [1.0, 1, 1, math.nan, 1, 1]}),
     InvalidValueError, r"row 3\]"),
    (lambda d: d.assign(**{"intensity [gCO2e/kWh]": [1.0, 1, 1, 1, math.inf, 1]}),
     InvalidValueError, r"row 4\]"),
    (lambda d: d.assign(hour_start=d["hour_start"] + pd.Timedelta("1min")), DataError,
     "start of an hour"),
    (lambda d: d.assign(hour_start=[T0] * 6), DataError, "one value per region and hour"),
    (lambda d: d.assign(hour_start=["2026-03-01T00:00Z", "not a time", *["2026-03-02"] * 4]),
     DataError, "hour_start"),
    (lambda d: d.iloc[:0], DataError, "empty"),
])
def test_malformed_tables_are_refused_naming_row_and_column(change: object, error: type,
                                                            words: str) -> None:
    with pytest.raises(error, match=words):
        read_hourly(change(table()))  # type: ignore[operator]


def test_implausible_span_is_refused() -> None:
    df = table(hours=[0, 1])
    df.loc[1, "hour_start"] = pd.Timestamp("1900-01-01T00:00Z")
    df.loc[0, "hour_start"] = pd.Timestamp("2200-01-01T00:00Z")
    df2 = pd.concat([df.assign(region=f"R{i}") for i in range(100)])
    with pytest.raises(DataError, match="plausible span"):
        read_hourly(df2)


def test_missing_file_and_unknown_suffix(tmp_path: object) -> None:
    with pytest.raises(DataError, match="existing"):
        read_hourly(f"{tmp_path}/nope.csv")
    p = f"{tmp_path}/h.json"
    with open(p, "w") as f:
        f.write("{}")
    with pytest.raises(DataError, match=r"csv or \.parquet"):
        read_hourly(p)


# ---------------------------------------------------------------- the join: edge cases
def test_edge_cases_of_the_window() -> None:
    g = read_hourly(table())  # hours 0..5 = 100, 110, ..., 150
    h = pd.Timedelta(hours=1)
    starts = [T0, T0 + 0.5 * h, T0 + 0.5 * h, T0 + 5 * h, T0 + 4.75 * h, T0 + 0.25 * h,
              T0 + 5.999 * h]
    secs = [0.0, 3600.0, 1800.0, 3600.0, 900.0, 2.5 * 3600, 3.6]
    got = ci(g, requests("DEU", starts, secs))
    want = [100.0, 105.0, 100.0, 150.0, 140.0,
            (100 * 0.75 + 110 + 120 * 0.75) / 2.5, 150.0]
    assert got == pytest.approx(want, rel=1e-12)


def test_window_ending_on_an_hour_boundary_does_not_need_the_next_hour() -> None:
    g = read_hourly(table(hours=[0, 1]))
    assert ci(g, requests("DEU", [T0], [7200.0])) == [105.0]


def test_duration_units_and_categorical_regions_agree() -> None:
    g = read_hourly(pd.concat([table("DEU"), table("FRA", values=[7.0] * 6)]))
    req = requests("DEU", [T0 + pd.Timedelta(minutes=50)] * 2, [1200.0, 10.0])
    req.loc[1, "region"] = "FRA"
    a = ci(g, req)
    b = ci(g, req.assign(**{"duration [ms]": req["duration [s]"] * 1000}).drop(
        columns="duration [s]"))
    c = ci(g, req.assign(region=req["region"].astype("category")))
    assert a == b == c == pytest.approx([(100 * 10 + 110 * 10) / 20, 7.0])


def test_no_duration_column_or_a_bare_one_is_an_error() -> None:
    g = read_hourly(table())
    with pytest.raises(DataError, match="duration"):
        g.join(pd.DataFrame({"region": ["DEU"], "start": [T0]}))
    with pytest.raises(UnitMismatchError, match="duration"):
        g.join(pd.DataFrame({"region": ["DEU"], "start": [T0], "duration": [1.0]}))
    with pytest.raises(InvalidValueError, match="duration"):
        g.join(requests("DEU", [T0], [-1.0]))


# ---------------------------------------------------------------- gaps and fallbacks
def test_a_gap_names_the_region_and_the_gap() -> None:
    g = read_hourly(table(hours=[0, 1, 2, 3, 4, 8, 9]))
    assert [(a.hour, b.hour) for a, b in g.gaps("DEU")] == [(5, 8)]
    req = requests("DEU", [T0 + pd.Timedelta(hours=h) for h in (1, 6, 7)], [10.0] * 3)
    with pytest.raises(DataError) as e:
        g.join(req)
    msg = str(e.value)
    assert "region 'DEU'" in msg
    assert "2026-03-01T05:00Z to 2026-03-01T08:00Z (3 h missing)" in msg
    assert "2 request(s)" in msg


def test_a_window_that_crosses_into_a_gap_is_a_gap() -> None:
    g = read_hourly(table(hours=[0, 1, 3]))
    with pytest.raises(DataError, match=r"02:00Z to 2026-03-01T03:00Z \(1 h missing\)"):
        g.join(requests("DEU", [T0 + pd.Timedelta(minutes=90)], [3600.0]))


@pytest.mark.parametrize(("hour", "words"), [(-2, "before its first hour"),
                                             (7, "after its last hour")])
def test_outside_the_span_is_a_gap(hour: int, words: str) -> None:
    g = read_hourly(table())
    with pytest.raises(DataError, match=words):
        g.join(requests("DEU", [T0 + pd.Timedelta(hours=hour)], [1.0]))


def test_unknown_region_is_an_error_unless_a_fallback() -> None:
    g = read_hourly(table())
    req = requests("FRA", [T0], [1.0])
    with pytest.raises(DataError, match="region 'FRA' has no hourly series"):
        g.join(req)
    out = g.join(req, fallback="country")
    assert out["intensity [gCO2e/kWh]"].tolist() == [country("FRA").gco2e_per_kwh]
    assert out["intensity_fallback"].tolist() == [True]
    assert str(out["intensity_source"].iloc[0]).startswith("FRA: fallback France")


def test_country_fallback_needs_an_iso_code() -> None:
    g = read_hourly(table())
    with pytest.raises(UnknownKeyError, match="ISO 3166-1"):
        g.join(requests("zone-42", [T0], [1.0]), fallback="country")


def test_constant_fallback_fills_only_the_missing_hours_and_labels_rows() -> None:
    g = read_hourly(table(hours=[0, 2]))  # 100 at 00h, 120 at 02h, 01h missing
    fb = ConstantIntensity(1000.0, source="supplier contract")
    req = requests("DEU", [T0, T0 + pd.Timedelta(minutes=30), T0 + pd.Timedelta(hours=2)],
                   [60.0, 7200.0, 60.0])
    out = g.join(req, fallback=fb)
    assert out["intensity [gCO2e/kWh]"].tolist() == pytest.approx(
        [100.0, (100 * 0.5 + 1000 + 120 * 0.5) / 2, 120.0])
    assert out["intensity_fallback"].tolist() == [False, True, False]
    assert out["intensity_source"].astype(str).tolist() == [
        "DEU: test series v1", "DEU: fallback supplier contract", "DEU: test series v1"]
    # a mapping per region; a region left out of it is an error naming it
    out2 = g.join(req, fallback={"DEU": fb})
    assert out2["intensity [gCO2e/kWh]"].tolist() == out["intensity [gCO2e/kWh]"].tolist()
    with pytest.raises(UnknownKeyError, match="DEU"):
        g.join(req, fallback={"FRA": fb})


def test_fallback_of_another_kind_or_basis_is_refused() -> None:
    g = read_hourly(table(hours=[0, 2], kind="marginal"))
    req = requests("DEU", [T0 + pd.Timedelta(hours=1)], [1.0])
    with pytest.raises(DataError, match="kind and basis"):
        g.join(req, fallback="country")
    out = g.join(req, fallback=ConstantIntensity(700.0, source="marginal estimate",
                                                 kind="marginal"))
    assert out["intensity [gCO2e/kWh]"].tolist() == [700.0]
    with pytest.raises(InvalidValueError, match="fallback"):
        g.join(req, fallback="zero")  # type: ignore[arg-type]


def test_fallback_before_the_span_charges_the_whole_window() -> None:
    g = read_hourly(table(hours=[0]))
    fb = ConstantIntensity(10.0, source="c")
    out = g.join(requests("DEU", [T0 - pd.Timedelta(hours=3)], [4 * 3600.0]), fallback=fb)
    assert out["intensity [gCO2e/kWh]"].tolist() == pytest.approx([(3 * 10 + 100) / 4])


# ---------------------------------------------------------------- property against the oracle
@st.composite
def grids_and_requests(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_regions = draw(st.integers(1, 3))
    frames = []
    for r in range(n_regions):
        n = draw(st.integers(1, 30))
        present = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        present[0] = present[-1] = True
        hours = [h for h in range(n) if present[h]]
        offset = draw(st.integers(-3, 3))
        vals = draw(st.lists(st.floats(0, 2000, allow_nan=False), min_size=len(hours),
                             max_size=len(hours)))
        frames.append(table(f"R{r}", [h + offset for h in hours], vals))
    grid = pd.concat(frames, ignore_index=True)
    k = draw(st.integers(1, 25))
    req = pd.DataFrame({
        "region": draw(st.lists(st.sampled_from([f"R{r}" for r in range(n_regions)]),
                                min_size=k, max_size=k)),
        "start": [T0 + pd.Timedelta(microseconds=u) for u in draw(st.lists(
            st.integers(-4 * 3600 * 10**6, 34 * 3600 * 10**6), min_size=k, max_size=k))],
        "duration [s]": draw(st.lists(st.one_of(st.just(0.0), st.floats(0, 5 * 3600)),
                                      min_size=k, max_size=k)),
    })
    return grid, req


def oracle(values: dict[pd.Timestamp, float], start: pd.Timestamp, seconds: float,
           fallback: float | None) -> float:
    """Per-row reference sharing no code with the library: hour by hour in plain Python, the
    overlap of the window with each hour as its weight."""
    end = start + pd.Timedelta(nanoseconds=round(seconds * 1e9))
    hour_len = pd.Timedelta(hours=1)

    def at(hour: pd.Timestamp) -> float:
        if hour in values:
            return values[hour]
        if fallback is None:
            raise DataError("intensity", "missing", "oracle")
        return fallback

    if end == start:
        return at(start.floor("h"))
    total, hour = 0.0, start.floor("h")
    while hour < end:
        overlap = min(hour + hour_len, end) - max(hour, start)
        total += at(hour) * (overlap / hour_len)
        hour += hour_len
    return total / ((end - start) / hour_len)


def series_of(grid_df: pd.DataFrame, region: str) -> dict[pd.Timestamp, float]:
    rows = grid_df[grid_df["region"] == region]
    return {pd.Timestamp(t): float(v)
            for t, v in zip(rows["hour_start"], rows["intensity [gCO2e/kWh]"], strict=True)}


@settings(max_examples=40)
@given(grids_and_requests(), st.sampled_from([None, 333.0]))
@example((table("R0", [0, 2], [100.0, 300.0]),
          requests("R0", [T0 + pd.Timedelta(minutes=30)], [3600.0])), None)
@example((table("R0", [0, 1], [100.0, 300.0]),
          requests("R0", [T0 + pd.Timedelta(hours=1)], [0.0])), None)
def test_join_equals_per_row_oracle(case: tuple[pd.DataFrame, pd.DataFrame],
                                    fb: float | None) -> None:
    grid_df, req = case
    g = read_hourly(grid_df)
    fallback = None if fb is None else ConstantIntensity(fb, source="fb")
    expected: list[float] = []
    failed = False
    for row in req.itertuples(index=False):
        try:
            expected.append(oracle(series_of(grid_df, row.region), row.start, row._2, fb))
        except DataError:
            failed = True
    if failed:
        with pytest.raises(DataError, match="region 'R"):
            g.join(req, fallback=fallback)
        return
    got = g.join(req, fallback=fallback)["intensity [gCO2e/kWh]"].tolist()
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_hour_ns_is_an_hour() -> None:
    assert pd.Timedelta(HOUR_NS, "ns") == pd.Timedelta(hours=1)


# ---------------------------------------------------------------- one implementation
@settings(max_examples=40)
@given(grids_and_requests())
@example((table("R0", [0, 2, 3], [100.0, 300.0, 50.0]),
          requests("R0", [T0 + pd.Timedelta(hours=2, minutes=30)], [3600.0])))
def test_hourly_intensity_is_a_one_row_join(case: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """HourlyIntensity's uniform mean and the grid's join are one computation: the same
    number for every window of positive length, and the same windows refused."""
    grid_df, req = case
    g = read_hourly(grid_df)
    for region, start, seconds in zip(req["region"].astype(str).tolist(), req["start"].tolist(),
                                      req["duration [s]"].astype(float).tolist(), strict=True):
        end = start + pd.Timedelta(nanoseconds=round(seconds * 1e9))
        if end == start:
            continue
        h = g.hourly(region)
        one = pd.DataFrame({"region": [region], "start": [start], "duration [s]": [seconds]})
        try:
            want = g.join(one)["intensity [gCO2e/kWh]"].iloc[0]
        except DataError:
            with pytest.raises(DataError, match="missing hour"):
                h.mean_gco2e_per_kwh(start, end)
            continue
        # the same arithmetic; only the prefix sums differ (one region here, all in the grid)
        assert h.mean_gco2e_per_kwh(start, end) == pytest.approx(want, rel=1e-12, abs=1e-9)


def test_hourly_intensity_names_the_first_missing_hour() -> None:
    h = read_hourly(table(hours=[0, 1, 4])).hourly("DEU")
    with pytest.raises(DataError, match=r"2 missing hour\(s\) in region 'DEU': first "
                                        r"2026-03-01 02:00:00\+00:00"):
        h.mean_gco2e_per_kwh(T0 + pd.Timedelta(minutes=90), T0 + pd.Timedelta(hours=4))


_GRID_CSV = ("region,hour_start,intensity [gCO2e/kWh],source,kind,basis\n"
             "DEU,2026-01-01T00:00Z,420.5,example,average,lifecycle\n")


@pytest.mark.parametrize(("name", "data", "needle"), [
    ("bin.csv", bytes(range(256)) * 3, "bin.csv"),
    ("latin.csv", _GRID_CSV.replace("example", "ex\xe9mple").encode("latin-1"), "UTF-8"),
    ("empty.csv", b"", "empty.csv"),
    ("quote.csv", _GRID_CSV.encode() + b'"DEU\n', "quote.csv"),
    ("bad.parquet", b"not parquet", "Parquet"),
    ("empty.parquet", b"", "Parquet"),
    ("nan.csv", _GRID_CSV.replace("420.5", "nan").encode(), "[row 0].intensity"),
    ("neg.csv", _GRID_CSV.replace("420.5", "-1").encode(), "[row 0].intensity [gCO2e/kWh]=-1 "),
    ("big.csv", _GRID_CSV.replace("420.5", "9" * 400).encode(), "[row 0].intensity"),
    ("old.csv", _GRID_CSV.replace("2026-01-01T00:00Z", "1500-01-01T00:00Z").encode(),
     "[row 0].hour_start"),
    ("dup.csv", (_GRID_CSV + _GRID_CSV.split("\n")[1] + "\n").encode(), "[row 1]"),
])
def test_read_hourly_of_bad_files(tmp_path: Path, name: str, data: bytes, needle: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ModelCarbonError) as info:
        read_hourly(path)
    assert needle in str(info.value) and "np.float64" not in str(info.value), str(info.value)


@pytest.mark.parametrize("source", [5, None, pd.Series([1.0])])
def test_read_hourly_of_something_else(source: object) -> None:
    with pytest.raises(DataError, match="path, or a DataFrame"):
        read_hourly(source)  # type: ignore[arg-type]


def test_a_duplicated_column_is_refused() -> None:
    df = pd.DataFrame([["A", "2026-01-01T00:00Z", 1.0, "s", "average", "lifecycle", "B"]],
                      columns=["region", "hour_start", "intensity [gCO2e/kWh]", "source",
                               "kind", "basis", "region"])
    with pytest.raises(DataError, match="each column once"):
        read_hourly(df)
