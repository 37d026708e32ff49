"""Hourly grid intensity per region at fleet scale: a validated series and a vectorised join.

The schema is ``specs/hourly_schema.md``: one row per (region, hour) with ``region``,
``hour_start`` (UTC), ``intensity [unit]`` (any unit convertible to gCO2e/kWh), ``source``,
``kind`` (``average`` | ``marginal``) and ``basis`` (``lifecycle`` | ``direct``).

:class:`HourlyGrid` holds the series of every region as one dense float64 array (a NaN for
each hour missing inside a region's span). :meth:`HourlyGrid.join` charges each request, a
window ``[start, start + duration)`` in a region, with the time-weighted mean intensity of the
hours it overlaps, the same rule as :meth:`carbon.HourlyIntensity.mean_gco2e_per_kwh` with a
uniform power draw; a request inside one hour gets that hour's value exactly (an as-of join of
its start on the region's hour starts). The arithmetic is the one window join of
``carbon._hourly_join`` (HourlyIntensity's uniform mean is a join of one row): integer
arithmetic on epoch nanoseconds (``carbon._utc``) and gathers into the dense array, no per-row
Python, no sort of the requests.

An hour a request needs that the series lacks (a gap, or a time before the first or after the
last hour of the region, or a region with no series) raises :class:`carbon.DataError` naming
the region and the gap, unless a fallback is chosen explicitly (``carbon._hourly_fallback``);
rows charged with a fallback are labelled (``intensity_fallback`` and ``intensity_source``).

Fast path note: inside this module ``*_ns`` arrays hold integer nanoseconds since the Unix
epoch (UTC) and ``ci``/``values`` arrays hold gCO2e/kWh magnitudes; units are stripped once
when the series is read and re-attached by the caller (the column is named with its unit).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pandas as pd

from carbon._columns import column_factor, columns_named, parse_header
from carbon._electricity import Basis, HourlyIntensity, Kind
from carbon._errors import DataError, InvalidValueError, UnknownKeyError
from carbon._hourly_fallback import Fallback, fallback_values
from carbon._hourly_join import DenseHours, HourJoin, iso_hour, region_codes
from carbon._units import short, shown
from carbon._utc import HOUR_NS, utc_ns

__all__ = [
    "HOURLY_COLUMNS",
    "Fallback",
    "HourlyGrid",
    "read_hourly",
]

#: The columns of an hourly series file (the intensity column carries its unit in brackets).
HOURLY_COLUMNS = ("region", "hour_start", "intensity [gCO2e/kWh]", "source", "kind", "basis")


@dataclass(frozen=True, eq=False)
class HourlyGrid:
    """Hourly intensities of several regions [gCO2e/kWh], held densely for a vectorised join.

    Build it with :func:`read_hourly` (a CSV/Parquet file or a DataFrame in the schema of
    ``specs/hourly_schema.md``) or :meth:`from_hourly`; the constructor takes the dense arrays.

    Attributes
    ----------
    regions : region keys, in the order of the arrays.
    first_hour : per region, its first hour [hours since the Unix epoch, UTC].
    n_hours : per region, the number of hours from its first to its last (gaps included).
    base : per region, the offset of its first hour in ``values``.
    values : the intensities [gCO2e/kWh], NaN for a missing hour; one trailing NaN sentinel.
    sources : per region, where its numbers come from.
    kind, basis : ``average``/``marginal`` and ``lifecycle``/``direct``, one for the grid.

    >>> idx = pd.date_range("2026-01-01", periods=3, freq="h", tz="UTC")
    >>> g = HourlyGrid.from_hourly({"FRA": HourlyIntensity(
    ...     pd.Series([100.0, 200.0, 300.0], index=idx), source="example")})
    >>> g.join(pd.DataFrame({"region": ["FRA"], "start": [idx[0] + pd.Timedelta("30min")],
    ...                      "duration [h]": [1.0]}))["intensity [gCO2e/kWh]"].tolist()
    [150.0]
    """

    regions: tuple[str, ...]
    first_hour: np.ndarray
    n_hours: np.ndarray
    base: np.ndarray
    values: np.ndarray
    sources: tuple[str, ...]
    kind: Kind
    basis: Basis

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, name: str = "hourly") -> HourlyGrid:
        """Validate a table in the schema of ``specs/hourly_schema.md`` and hold it densely.

        Errors name the row (0-based, in the order given) and the column:
        a missing column, an empty region or source, a timestamp off the hour, an unknown
        kind or basis, a negative/NaN/inf intensity, a duplicate (region, hour), or a table that
        mixes kinds or bases.
        """
        if not isinstance(df, pd.DataFrame):
            raise DataError(name, short(df), "a pandas DataFrame, or a CSV or Parquet path")
        twice = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        if twice:
            raise DataError(f"{name}.columns", ", ".join(twice),
                            "each column once (a duplicated column is ambiguous)")
        cols = {str(c).strip(): c for c in df.columns}
        inten = [c for c in df.columns if parse_header(c)[0] == "intensity"]
        missing = [c for c in ("region", "hour_start", "source", "kind", "basis") if c not in cols]
        if missing or len(inten) != 1:
            raise DataError(f"{name}.columns", list(map(str, df.columns)),
                            f"the columns {list(HOURLY_COLUMNS)} (intensity with its unit in "
                            "brackets, once)" + (f"; missing {missing}" if missing else ""))
        if len(df) == 0:
            raise DataError(name, "an empty table", "at least one hour of one region")

        region = df[cols["region"]]
        bad = (region.astype("string").str.strip().str.len() == 0).to_numpy(
            dtype=bool, na_value=True)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"{name}[row {i}].region", shown(region.iloc[i]),
                            "a non-empty region key")
        region_s = region.astype(str).to_numpy()

        factor = column_factor(str(inten[0]), "gCO2e/kWh", field=f"{name}.{inten[0]}")
        raw = df[inten[0]]
        try:
            if pd.api.types.is_bool_dtype(raw.dtype):
                raise TypeError("booleans are not intensities")
            ci = pd.to_numeric(raw, errors="raise").to_numpy(dtype=np.float64) * factor
        except (TypeError, ValueError, OverflowError) as e:
            i = _first_not_number(raw)
            raise InvalidValueError(f"{name}[row {i}].{inten[0]}", short(raw.iloc[i]),
                                    "a finite number >= 0 in every row") from e
        badv = ~np.isfinite(ci) | (ci < 0)
        if badv.any():
            i = int(np.flatnonzero(badv)[0])
            raise InvalidValueError(f"{name}[row {i}].{inten[0]}", shown(raw.iloc[i]),
                                    "a finite intensity >= 0")

        # pandas raises OutOfBoundsDatetime (a ValueError) for a year outside 1677..2262
        bad_time = (DataError, TypeError, ValueError, OverflowError)
        try:
            ns = utc_ns(df[cols["hour_start"]], f"{name}.hour_start")
        except bad_time as e:
            for i in range(len(df)):  # find the row to name (slow path, only on error)
                try:
                    utc_ns(df[cols["hour_start"]].iloc[i:i + 1], "x")
                except bad_time:
                    raise DataError(f"{name}[row {i}].hour_start",
                                    shown(df[cols["hour_start"]].iloc[i]),
                                    "an ISO 8601 timestamp, UTC, in 1677..2262") from e
            raise DataError(f"{name}.hour_start", "timestamps of mixed forms",
                            "ISO 8601 timestamps, UTC, in 1677..2262") from e
        off = ns % HOUR_NS != 0
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise DataError(f"{name}[row {i}].hour_start", shown(df[cols["hour_start"]].iloc[i]),
                            "the start of an hour (HH:00:00 UTC)")
        hour = ns // HOUR_NS

        src = df[cols["source"]]
        bads = (src.astype("string").str.strip().str.len() == 0).to_numpy(
            dtype=bool, na_value=True)
        if bads.any():
            i = int(np.flatnonzero(bads)[0])
            raise DataError(f"{name}[row {i}].source", shown(src.iloc[i]),
                            "where the figure comes from (provider, dataset, version)")

        kind = _one_of(df[cols["kind"]], get_args(Kind), f"{name}", "kind")
        basis = _one_of(df[cols["basis"]], get_args(Basis), f"{name}", "basis")

        codes, names = pd.factorize(region_s, sort=True)
        order = np.lexsort((hour, codes))
        c_sorted, h_sorted = codes[order], hour[order]
        dup = (np.diff(c_sorted) == 0) & (np.diff(h_sorted) == 0)
        if dup.any():
            j = int(np.flatnonzero(dup)[0])
            i0, i1 = sorted((int(order[j]), int(order[j + 1])))
            raise DataError(f"{name}[row {i1}]", f"region {names[c_sorted[j]]!r} hour "
                            f"{iso_hour(int(h_sorted[j]))} (also row {i0})",
                            "one value per region and hour")
        regions = tuple(str(x) for x in names)
        d = DenseHours.from_codes(codes, hour, ci, regions, f"{name}.hour_start")
        src_s = src.astype(str).to_numpy()
        sources = []
        for k in range(len(regions)):
            uniq = pd.unique(src_s[codes == k])
            sources.append("; ".join(sorted(str(u) for u in uniq)))
        return cls(regions, d.first_hour, d.n_hours, d.base, d.values, tuple(sources),
                   kind, basis)

    @classmethod
    def from_hourly(cls, series: Mapping[str, HourlyIntensity]) -> HourlyGrid:
        """A grid from :class:`carbon.HourlyIntensity` series, one per region key."""
        frames = []
        for region, h in series.items():
            frames.append(pd.DataFrame({
                "region": region, "hour_start": h.series.index,
                "intensity [gCO2e/kWh]": h.series.to_numpy(), "source": h.source,
                "kind": h.kind, "basis": h.basis}))
        if not frames:
            raise DataError("series", {}, "at least one region")
        return cls.from_frame(pd.concat(frames, ignore_index=True), name="series")

    # ------------------------------------------------------------------ inspection
    def _index(self, region: str) -> int:
        try:
            return self.regions.index(region)
        except ValueError:
            raise UnknownKeyError("region", region, f"one of {list(self.regions)}") from None

    def hourly(self, region: str) -> HourlyIntensity:
        """The series of one region as a :class:`carbon.HourlyIntensity` (gaps left out)."""
        k = self._index(region)
        v = self.values[self.base[k]:self.base[k] + self.n_hours[k]]
        hours = self.first_hour[k] + np.arange(len(v))
        ok = ~np.isnan(v)
        idx = pd.DatetimeIndex(hours[ok] * HOUR_NS, tz="UTC").as_unit("ns")
        return HourlyIntensity(pd.Series(v[ok], index=idx), source=self.sources[k],
                               region=region, kind=self.kind, basis=self.basis)

    def span(self, region: str) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First hour start and the end of the last hour of a region (UTC)."""
        k = self._index(region)
        return (pd.Timestamp(int(self.first_hour[k]) * HOUR_NS, tz="UTC"),
                pd.Timestamp(int(self.first_hour[k] + self.n_hours[k]) * HOUR_NS, tz="UTC"))

    def gaps(self, region: str) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """The missing hours inside a region's span, as ``[start, end)`` runs (UTC).

        >>> idx = pd.DatetimeIndex(["2026-01-01T00:00Z", "2026-01-01T03:00Z"])
        >>> g = HourlyGrid.from_hourly({"X": HourlyIntensity(pd.Series([1.0, 2.0], index=idx),
        ...                                                  source="s")})
        >>> [(a.hour, b.hour) for a, b in g.gaps("X")]
        [(1, 3)]
        """
        k = self._index(region)
        v = self.values[self.base[k]:self.base[k] + self.n_hours[k]]
        return [(pd.Timestamp(int(self.first_hour[k] + a) * HOUR_NS, tz="UTC"),
                 pd.Timestamp(int(self.first_hour[k] + b) * HOUR_NS, tz="UTC"))
                for a, b in _runs(np.isnan(v))]

    # ------------------------------------------------------------------ the join
    def join(self, frame: pd.DataFrame, *, region: str = "region", start: str = "start",
             duration: str | None = None, fallback: Fallback = None) -> pd.DataFrame:
        """Intensity of each request's window ``[start, start + duration)`` in its region.

        ``CI(j) = sum_h CI_h * |[start, end) ∩ h| / (end - start)`` over the hours h the window
        overlaps (a window of zero length gets the hour containing ``start``): the energy-
        weighted mean of :meth:`carbon.HourlyIntensity.mean_gco2e_per_kwh` under a uniform
        power draw.

        Parameters
        ----------
        frame : one row per request.
        region : column of region keys.
        start : column of window starts (UTC; timezone-aware, or naive read as UTC).
        duration : column of window lengths with the unit in its name (``"duration [ms]"``);
            by default the one column named ``duration [...]``.
        fallback : what to charge for hours the series lacks (see :data:`Fallback`);
            ``None`` raises :class:`carbon.DataError` naming the region and the gap.

        Returns
        -------
        A DataFrame on ``frame``'s index: ``intensity [gCO2e/kWh]``, ``intensity_source``
        (categorical: ``"<region>: <source>"`` or ``"<region>: fallback <source>"``) and
        ``intensity_fallback`` (bool, True where at least one hour came from the fallback).
        """
        if region not in frame.columns or start not in frame.columns:
            raise DataError("columns", list(map(str, frame.columns)),
                            f"a {region!r} and a {start!r} column")
        t0 = utc_ns(frame[start], start)
        t1 = t0 + _duration_ns(frame, duration)
        codes, names = region_codes(frame[region], self.regions)
        return self._join_codes(codes, names, t0, t1, fallback, frame.index)

    @property
    def dense(self) -> DenseHours:
        """The dense arrays of the grid, as the join reads them."""
        return DenseHours(self.first_hour, self.n_hours, self.base, self.values)

    def _join_codes(self, codes: np.ndarray, extra: list[str], t0: np.ndarray, t1: np.ndarray,
                    fallback: Fallback, index: pd.Index) -> pd.DataFrame:
        r_all = len(self.regions) + len(extra)
        if (t1 < t0).any():
            i = int(np.flatnonzero(t1 < t0)[0])
            raise InvalidValueError(f"duration[{index[i]!r}]", "negative", "a duration >= 0")
        join = HourJoin(self.dense, codes, t0, t1, len(extra))
        short = join.missing > 0
        needed = np.zeros(r_all, dtype=bool)
        if short.any():
            needed[np.unique(codes[short])] = True
        fb, fb_labels = fallback_values(fallback, [*self.regions, *extra], needed,
                                        self.kind, self.basis)
        if short.any() and np.isnan(fb[codes[short]]).any():
            self._raise_gap(join, extra, short & np.isnan(fb[codes]))
        ci = join.means(fb)

        names = [*self.regions, *extra]
        cats = ([f"{names[k]}: {self.sources[k]}" if k < len(self.regions)
                 else f"{names[k]}: (no hourly series)" for k in range(r_all)]
                + [f"{names[k]}: fallback {fb_labels[k]}" for k in range(r_all)])
        src_codes = np.where(short, codes + r_all, codes)
        return pd.DataFrame({
            "intensity [gCO2e/kWh]": ci,
            "intensity_source": pd.Categorical.from_codes(src_codes, categories=pd.Index(cats)),
            "intensity_fallback": short,
        }, index=index)

    def _raise_gap(self, join: HourJoin, extra: list[str], bad: np.ndarray) -> None:
        codes = join.codes
        rows = np.flatnonzero(bad)
        k = int(codes[rows[0]])
        count = int((codes[rows] == k).sum())
        if k >= len(self.regions):
            raise DataError("intensity", f"region {extra[k - len(self.regions)]!r} has no "
                            f"hourly series ({count} request(s))",
                            f"a series for it (the grid has {list(self.regions)[:10]}) or an "
                            "explicit fallback (fallback='country' or a ConstantIntensity)")
        i = int(rows[codes[rows] == k][0])
        gap = join.hours.describe_gap(k, int(join.p0[i]), int(join.p1[i]))
        raise DataError("intensity", f"region {self.regions[k]!r}: no hourly intensity {gap}; "
                        f"{count} request(s) fall in missing hours",
                        "a series covering every hour of every request, or an explicit "
                        "fallback (fallback='country' or a ConstantIntensity)")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in a boolean array."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(),
                    strict=True))


def _first_not_number(col: pd.Series) -> int:
    """The first row whose cell is not a plain finite-range number (0 when none stands out)."""
    for i, v in enumerate(col.tolist()):
        try:
            if isinstance(v, bool) or (not math.isfinite(float(v)) and not isinstance(v, float)):
                return i
        except (TypeError, ValueError, OverflowError):
            return i
    return 0


def _one_of(col: pd.Series, allowed: tuple[str, ...], name: str, field: str) -> Any:
    s = col.astype("string").str.strip().str.lower()
    bad = ~s.isin(allowed).to_numpy(dtype=bool, na_value=False)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"{name}[row {i}].{field}", col.iloc[i], f"one of {list(allowed)}")
    uniq = sorted(set(s.dropna().tolist()))
    if len(uniq) != 1:
        raise DataError(f"{name}.{field}", uniq, f"one {field} for the whole series (a total "
                        "that mixes them means nothing; load them as separate grids)")
    return uniq[0]


def _duration_ns(frame: pd.DataFrame, duration: str | None) -> np.ndarray:
    if duration is None:
        found = columns_named(frame.columns, "duration")
        if len(found) != 1:
            raise DataError("columns", list(map(str, frame.columns)),
                            "one 'duration [unit]' column (the request's length)")
        duration = str(found[0])
    if duration not in frame.columns:
        raise DataError("columns", list(map(str, frame.columns)), f"a {duration!r} column")
    factor = column_factor(duration, "ns")
    d = frame[duration].to_numpy(dtype=np.float64) * factor
    if not np.isfinite(d).all() or (d < 0).any():
        i = int(np.flatnonzero(~np.isfinite(d) | (d < 0))[0])
        raise InvalidValueError(f"{duration}[{frame.index[i]!r}]", frame[duration].iloc[i],
                                "a finite duration >= 0")
    return np.rint(d).astype(np.int64)


def read_hourly(source: str | os.PathLike[str] | pd.DataFrame) -> HourlyGrid:
    """Read and validate an hourly series (CSV or Parquet by suffix, or a DataFrame).

    The schema is ``specs/hourly_schema.md``. A value of ``hour_start`` with an offset is
    converted to UTC; one without is read as UTC (the schema's time zone).

    >>> import io
    >>> csv = io.StringIO(
    ...     "region,hour_start,intensity [gCO2e/kWh],source,kind,basis\\n"
    ...     "DEU,2026-01-01T00:00Z,420.5,example,average,lifecycle\\n")
    >>> g = read_hourly(pd.read_csv(csv))
    >>> g.regions, g.kind
    (('DEU',), 'average')
    """
    if isinstance(source, pd.DataFrame):
        return HourlyGrid.from_frame(source)
    if not isinstance(source, (str, os.PathLike)):
        raise DataError("hourly", short(source), "a CSV or Parquet path, or a DataFrame")
    path = Path(source)
    if not path.is_file():
        raise DataError("hourly", str(path), "an existing CSV or Parquet file")
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".pq", ".csv", ".gz", ".txt"):
        raise DataError("hourly", str(path), "a .csv or .parquet file")
    kind = "Parquet" if suffix in (".parquet", ".pq") else "UTF-8 CSV"
    try:
        df = pd.read_parquet(path) if kind == "Parquet" else pd.read_csv(path, encoding="utf-8")
    except Exception as e:  # pandas, pyarrow and the csv parser raise many types
        first = (str(e).strip() or type(e).__name__).splitlines()[0]
        raise DataError(str(path), short(first, 100), f"a readable {kind} file in the schema "
                        "of specs/hourly_schema.md") from e
    return HourlyGrid.from_frame(df, name=path.name)
