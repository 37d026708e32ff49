"""Hourly grid intensity per region at fleet scale: a validated series and a vectorised join.

The schema is ``specs/hourly_schema.md``: one row per (region, hour) with ``region``,
``hour_start`` (UTC), ``intensity [unit]`` (any unit convertible to gCO2e/kWh), ``source``,
``kind`` (``average`` | ``marginal``) and ``basis`` (``lifecycle`` | ``direct``).

:class:`HourlyGrid` holds the series of every region as one dense float64 array (a NaN for
each hour missing inside a region's span). :meth:`HourlyGrid.join` charges each request, a
window ``[start, start + duration)`` in a region, with the time-weighted mean intensity of the
hours it overlaps, the same rule as :meth:`carbon.HourlyIntensity.mean_gco2e_per_kwh` with a
uniform power draw; a request inside one hour gets that hour's value exactly (an as-of join of
its start on the region's hour starts). Everything is integer arithmetic on epoch nanoseconds
and gathers into the dense array: no per-row Python, no sort of the requests.

An hour a request needs that the series lacks (a gap, or a time before the first or after the
last hour of the region, or a region with no series) raises :class:`carbon.DataError` naming
the region and the gap, unless a fallback is chosen explicitly; rows charged with a fallback
are labelled (``intensity_fallback`` and ``intensity_source``).

Fast path note: inside this module ``*_ns`` arrays hold integer nanoseconds since the Unix
epoch (UTC) and ``ci``/``values`` arrays hold gCO2e/kWh magnitudes; units are stripped once
when the series is read and re-attached by the caller (the column is named with its unit).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from carbon import (
    Q_,
    ConstantIntensity,
    DataError,
    HourlyIntensity,
    InvalidValueError,
    UnitMismatchError,
    UnknownKeyError,
    country,
)

__all__ = [
    "HOURLY_COLUMNS",
    "Fallback",
    "HourlyGrid",
    "read_hourly",
    "utc_ns",
]

HOUR_NS = 3_600_000_000_000
_HEAD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(.+)\])?\s*$")
#: Largest dense array (hours over all regions) a grid may hold: 2**27 hours is 1 GiB of
#: float64, about 150 years of hours for 100 regions. A bigger span is almost always a bad
#: timestamp (a year 1970 beside 2026).
MAX_DENSE_HOURS = 2**27

#: The columns of an hourly series file (the intensity column carries its unit in brackets).
HOURLY_COLUMNS = ("region", "hour_start", "intensity [gCO2e/kWh]", "source", "kind", "basis")

Kind = Literal["average", "marginal"]
Basis = Literal["lifecycle", "direct"]
#: An explicit choice for hours the series lacks: ``None`` (an error), ``"country"`` (the
#: shipped annual average of the country whose ISO 3166-1 alpha-3 code is the region), one
#: :class:`carbon.ConstantIntensity` for every region, or one per region.
Fallback = None | Literal["country"] | ConstantIntensity | Mapping[str, ConstantIntensity]


def utc_ns(values: pd.Series | pd.Index | np.ndarray, field: str) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch, UTC; naive values are read as UTC.

    >>> utc_ns(pd.Series(pd.to_datetime(["2026-01-01T01:00Z"])), "start").tolist()
    [1767229200000000000]
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[ns]").view(np.int64)
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype)
                                                 and dtype.kind == "M"):
        idx = pd.DatetimeIndex(values)
    else:
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(values, utc=True, format="ISO8601"))
        except (TypeError, ValueError, OverflowError) as e:
            raise DataError(field, _first(values), "timestamps (ISO 8601, UTC)") from e
    if idx.tz is not None:
        idx = idx.tz_convert("UTC")
    if idx.hasnans:
        raise DataError(field, "a missing timestamp (NaT)", "a timestamp in every row")
    return np.asarray(idx.as_unit("ns").asi8, dtype=np.int64)


def _first(values: Any) -> Any:
    try:
        return next(iter(values))
    except StopIteration:
        return None


def _iso(hour: int) -> str:
    return pd.Timestamp(hour * HOUR_NS, tz="UTC").strftime("%Y-%m-%dT%H:%MZ")


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
        cols = {str(c).strip(): c for c in df.columns}
        inten = [c for c in df.columns if _head(c)[0] == "intensity"]
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
            raise DataError(f"{name}[row {i}].region", region.iloc[i], "a non-empty region key")
        region_s = region.astype(str).to_numpy()

        unit = _head(inten[0])[1]
        if unit is None:
            raise UnitMismatchError.for_units(f"{name}.columns", str(inten[0]),
                                              "gCO2e/kWh (name it 'intensity [gCO2e/kWh]')")
        try:
            factor = float(Q_(1.0, unit).m_as("gCO2e/kWh"))
        except Exception as e:  # pint raises several types for bad unit strings
            raise UnitMismatchError.for_units(f"{name}.{inten[0]}", unit, "gCO2e/kWh") from e
        try:
            ci = pd.to_numeric(df[inten[0]], errors="raise").to_numpy(dtype=np.float64) * factor
        except (TypeError, ValueError) as e:
            raise InvalidValueError(f"{name}.{inten[0]}", "a value that is not a number",
                                    "a finite number >= 0 in every row") from e
        badv = ~np.isfinite(ci) | (ci < 0)
        if badv.any():
            i = int(np.flatnonzero(badv)[0])
            raise InvalidValueError(f"{name}[row {i}].{inten[0]}", df[inten[0]].iloc[i],
                                    "a finite intensity >= 0")

        try:
            ns = utc_ns(df[cols["hour_start"]], f"{name}.hour_start")
        except DataError:
            for i in range(len(df)):  # find the row to name (slow path, only on error)
                try:
                    utc_ns(df[cols["hour_start"]].iloc[i:i + 1], "x")
                except DataError:
                    raise DataError(f"{name}[row {i}].hour_start",
                                    df[cols["hour_start"]].iloc[i],
                                    "an ISO 8601 timestamp, UTC") from None
            raise
        off = ns % HOUR_NS != 0
        if off.any():
            i = int(np.flatnonzero(off)[0])
            raise DataError(f"{name}[row {i}].hour_start", df[cols["hour_start"]].iloc[i],
                            "the start of an hour (HH:00:00 UTC)")
        hour = ns // HOUR_NS

        src = df[cols["source"]]
        bads = (src.astype("string").str.strip().str.len() == 0).to_numpy(
            dtype=bool, na_value=True)
        if bads.any():
            i = int(np.flatnonzero(bads)[0])
            raise DataError(f"{name}[row {i}].source", src.iloc[i],
                            "where the figure comes from (provider, dataset, version)")

        kind = _one_of(df[cols["kind"]], ("average", "marginal"), f"{name}", "kind")
        basis = _one_of(df[cols["basis"]], ("lifecycle", "direct"), f"{name}", "basis")

        codes, names = pd.factorize(region_s, sort=True)
        order = np.lexsort((hour, codes))
        c_sorted, h_sorted = codes[order], hour[order]
        dup = (np.diff(c_sorted) == 0) & (np.diff(h_sorted) == 0)
        if dup.any():
            j = int(np.flatnonzero(dup)[0])
            i0, i1 = sorted((int(order[j]), int(order[j + 1])))
            raise DataError(f"{name}[row {i1}]", f"region {names[c_sorted[j]]!r} hour "
                            f"{_iso(int(h_sorted[j]))} (also row {i0})",
                            "one value per region and hour")
        r = len(names)
        first = np.full(r, np.iinfo(np.int64).max, dtype=np.int64)
        last = np.full(r, np.iinfo(np.int64).min, dtype=np.int64)
        np.minimum.at(first, codes, hour)
        np.maximum.at(last, codes, hour)
        n = last - first + 1
        if int(n.sum()) > MAX_DENSE_HOURS:
            k = int(np.argmax(n))
            raise DataError(f"{name}.hour_start",
                            f"region {names[k]!r} spans {_iso(int(first[k]))} to "
                            f"{_iso(int(last[k]))}", "hours within a plausible span (check for a "
                            f"bad timestamp; at most {MAX_DENSE_HOURS} hours in all)")
        base = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
        values = np.full(int(n.sum()) + 1, np.nan)
        values[base[codes] + hour - first[codes]] = ci

        src_s = src.astype(str).to_numpy()
        sources = []
        for k in range(r):
            uniq = pd.unique(src_s[codes == k])
            sources.append("; ".join(sorted(str(u) for u in uniq)))
        return cls(tuple(str(x) for x in names), first, n, base, values, tuple(sources),
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
        codes, names = self._codes(frame[region])
        return self._join_codes(codes, names, t0, t1, fallback, frame.index)

    def _codes(self, col: pd.Series) -> tuple[np.ndarray, list[str]]:
        """Per-row region code: 0..R-1 for grid regions, R.. for regions not in the grid."""
        known = pd.Index(self.regions)
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = pd.Index(col.cat.categories.astype(str))
            cat_codes = np.asarray(col.cat.codes.to_numpy(), dtype=np.int64)
            if (cat_codes < 0).any():
                raise DataError("region", "a missing region (NaN)", "a region in every row")
            mapped = known.get_indexer(cats).astype(np.int64)
            extra = [str(c) for c, m in zip(cats, mapped, strict=True) if m < 0]
            where = np.flatnonzero(mapped < 0)
            mapped[where] = len(known) + np.arange(len(where))
            return mapped[cat_codes] if len(cat_codes) else cat_codes, extra
        if col.isna().any():
            raise DataError("region", "a missing region (NaN)", "a region in every row")
        codes = np.asarray(known.get_indexer(pd.Index(col)), dtype=np.int64)
        unknown = codes < 0
        if not unknown.any():
            return codes, []
        sub, uniq = pd.factorize(col.to_numpy()[unknown])
        codes[unknown] = len(known) + sub
        return codes, [str(x) for x in uniq]

    def _fallbacks(self, extra: list[str], fallback: Fallback,
                   needed: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Per region (grid regions then extra ones) the fallback value (NaN: none) and label."""
        names = [*self.regions, *extra]
        fb = np.full(len(names), np.nan)
        labels = [""] * len(names)
        if fallback is None:
            return fb, labels
        for k in np.flatnonzero(needed):
            name = names[k]
            ci: ConstantIntensity
            if isinstance(fallback, str):
                if fallback != "country":
                    raise InvalidValueError("fallback", fallback,
                                            "None, 'country', a ConstantIntensity or a mapping "
                                            "of region to ConstantIntensity")
                try:
                    ci = country(name)
                except UnknownKeyError as e:
                    raise UnknownKeyError(
                        "fallback", f"country for region {name!r}",
                        "a region that is an ISO 3166-1 alpha-3 code (or choose a "
                        "ConstantIntensity fallback)") from e
            elif isinstance(fallback, ConstantIntensity):
                ci = fallback
            elif isinstance(fallback, Mapping):
                if name not in fallback:
                    raise UnknownKeyError("fallback", name,
                                          f"a fallback for region {name!r} in the mapping "
                                          f"(it has {sorted(fallback)})")
                ci = fallback[name]
                if not isinstance(ci, ConstantIntensity):
                    raise InvalidValueError(f"fallback[{name!r}]", ci, "a ConstantIntensity")
            else:
                raise InvalidValueError("fallback", fallback,
                                        "None, 'country', a ConstantIntensity or a mapping")
            if (ci.kind, ci.basis) != (self.kind, self.basis):
                raise DataError(f"fallback[{name!r}]", f"{ci.kind}, {ci.basis}",
                                f"a fallback of the grid's kind and basis ({self.kind}, "
                                f"{self.basis}): mixing them makes the total meaningless")
            fb[k] = ci.gco2e_per_kwh
            labels[k] = ci.source
        return fb, labels

    def _join_codes(self, codes: np.ndarray, extra: list[str], t0: np.ndarray, t1: np.ndarray,
                    fallback: Fallback, index: pd.Index) -> pd.DataFrame:
        r_all = len(self.regions) + len(extra)
        sentinel = len(self.values) - 1
        first = np.concatenate([self.first_hour, np.zeros(len(extra), np.int64)])
        n = np.concatenate([self.n_hours, np.zeros(len(extra), np.int64)])
        base = np.concatenate([self.base, np.full(len(extra), sentinel, np.int64)])

        if (t1 < t0).any():
            i = int(np.flatnonzero(t1 < t0)[0])
            raise InvalidValueError(f"duration[{index[i]!r}]", "negative", "a duration >= 0")
        f_row, n_row, b_row = first[codes], n[codes], base[codes]
        h0 = t0 // HOUR_NS
        h1 = np.where(t1 > t0, (t1 - 1) // HOUR_NS, h0)
        p0 = h0 - f_row
        p1 = h1 - f_row
        # hours of [p0, p1] the series lacks: outside the span, or NaN inside it
        nan_cum = np.concatenate([[0], np.cumsum(np.isnan(self.values))])
        lo = np.clip(p0, 0, n_row)
        hi = np.clip(p1 + 1, 0, n_row)
        inside = np.maximum(hi - lo, 0)
        missing = (p1 - p0 + 1 - inside) + np.where(
            hi > lo, nan_cum[b_row + hi] - nan_cum[b_row + lo], 0)
        short = missing > 0
        needed = np.zeros(r_all, dtype=bool)
        if short.any():
            needed[np.unique(codes[short])] = True
        fb, fb_labels = self._fallbacks(extra, fallback, needed)
        if short.any() and np.isnan(fb[codes[short]]).any():
            self._raise_gap(codes, extra, p0, p1, short & np.isnan(fb[codes]))

        # fill gaps with the region's fallback (0 where unused: no row reaches them)
        fb0 = np.where(np.isnan(fb), 0.0, fb)
        region_of_hour = np.repeat(np.arange(len(self.regions)), self.n_hours)
        filled = self.values.copy()
        gap = np.isnan(filled[:-1])
        filled[:-1][gap] = fb0[region_of_hour[gap]]
        filled[-1] = 0.0

        def at(p: np.ndarray, rows: np.ndarray | slice) -> np.ndarray:
            nn = n_row[rows]
            ok = (p >= 0) & (p < nn)
            v = filled[b_row[rows] + np.clip(p, 0, np.maximum(nn - 1, 0))]
            out: np.ndarray = np.where(ok, v, fb0[codes[rows]])
            return out

        ci = at(p0, slice(None))
        multi = np.flatnonzero(p1 != p0)
        if len(multi):
            cum = np.concatenate([[0.0], np.cumsum(filled)])
            q0, q1 = p0[multi], p1[multi]
            bb, nn = b_row[multi], n_row[multi]
            a = np.clip(q0 + 1, 0, nn)
            b = np.clip(q1, 0, nn)
            mid_in = np.where(b > a, cum[bb + b] - cum[bb + a], 0.0)
            mid_out = (q1 - q0 - 1) - np.maximum(b - a, 0)
            mid = mid_in + mid_out * fb0[codes[multi]]
            s0, s1 = t0[multi], t1[multi]
            w0 = ((h0[multi] + 1) * HOUR_NS - s0) / HOUR_NS
            w1 = (s1 - h1[multi] * HOUR_NS) / HOUR_NS
            span_h = (s1 - s0) / HOUR_NS
            ci[multi] = (ci[multi] * w0 + mid + at(q1, multi) * w1) / span_h

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

    def _raise_gap(self, codes: np.ndarray, extra: list[str], p0: np.ndarray, p1: np.ndarray,
                   bad: np.ndarray) -> None:
        rows = np.flatnonzero(bad)
        k = int(codes[rows[0]])
        count = int((codes[rows] == k).sum())
        if k >= len(self.regions):
            raise DataError("intensity", f"region {extra[k - len(self.regions)]!r} has no "
                            f"hourly series ({count} request(s))",
                            f"a series for it (the grid has {list(self.regions)[:10]}) or an "
                            "explicit fallback (fallback='country' or a ConstantIntensity)")
        name = self.regions[k]
        first, n = int(self.first_hour[k]), int(self.n_hours[k])
        v = self.values[self.base[k]:self.base[k] + n]
        mine = rows[codes[rows] == k]
        i = int(mine[0])
        # the first hour row i needs that the series lacks
        for p in range(int(p0[i]), int(p1[i]) + 1):
            if p < 0 or p >= n or np.isnan(v[p]):
                break
        if p < 0:
            gap = f"before its first hour {_iso(first)} (needed from {_iso(first + p)})"
        elif p >= n:
            gap = f"after its last hour {_iso(first + n - 1)} (needed up to " \
                  f"{_iso(first + int(p1[i]))})"
        else:
            a = b = p
            while a > 0 and np.isnan(v[a - 1]):
                a -= 1
            while b + 1 < n and np.isnan(v[b + 1]):
                b += 1
            gap = f"{_iso(first + a)} to {_iso(first + b + 1)} ({b - a + 1} h missing)"
        raise DataError("intensity", f"region {name!r}: no hourly intensity {gap}; "
                        f"{count} request(s) fall in missing hours",
                        "a series covering every hour of every request, or an explicit "
                        "fallback (fallback='country' or a ConstantIntensity)")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in a boolean array."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(),
                    strict=True))


def _head(col: Any) -> tuple[str | None, str | None]:
    m = _HEAD.match(str(col))
    return (m.group(1), m.group(2)) if m else (None, None)


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
        found = [c for c in frame.columns if _head(c)[0] == "duration"]
        if len(found) != 1:
            raise DataError("columns", list(map(str, frame.columns)),
                            "one 'duration [unit]' column (the request's length)")
        duration = str(found[0])
    if duration not in frame.columns:
        raise DataError("columns", list(map(str, frame.columns)), f"a {duration!r} column")
    unit = _head(duration)[1]
    if unit is None:
        raise UnitMismatchError.for_units(f"column {duration!r}", duration,
                                          "s (name it 'duration [s]')")
    try:
        factor = float(Q_(1.0, unit).m_as("ns"))
    except Exception as e:  # pint raises several types for bad unit strings
        raise UnitMismatchError.for_units(f"column {duration!r}", unit, "s") from e
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
    path = Path(source)
    if not path.exists():
        raise DataError("hourly", str(path), "an existing CSV or Parquet file")
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        df = pd.read_parquet(path)
    elif suffix in (".csv", ".gz", ".txt"):
        df = pd.read_csv(path)
    else:
        raise DataError("hourly", str(path), "a .csv or .parquet file")
    return HourlyGrid.from_frame(df, name=path.name)
