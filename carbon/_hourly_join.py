"""The join of time windows on hourly intensities: the one implementation, vectorised.

A window ``[t0, t1)`` in a region is charged the time-weighted mean intensity of the hours it
overlaps (a window of zero length gets the hour containing ``t0``):

    CI(j) = sum_h CI_h * |[t0, t1) ∩ h| / (t1 - t0)                       [gCO2e/kWh]

:class:`carbon.HourlyGrid` joins millions of request windows with it;
:meth:`carbon.HourlyIntensity.mean_gco2e_per_kwh` (no power trace) is a join of one window.

Fast path note: ``*_ns`` arrays hold int64 nanoseconds since the Unix epoch (UTC), hours are
int64 hours since the epoch, and ``values`` hold gCO2e/kWh magnitudes. Everything is integer
arithmetic and gathers into one dense float64 array: no per-row Python, no sort of the rows.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from carbon._errors import DataError
from carbon._lazy import lazy_module
from carbon._utc import HOUR_NS

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")  # imported on first use: carbon's formulas need no pandas

__all__ = ["MAX_DENSE_HOURS", "DenseHours", "HourJoin", "iso_hour", "region_codes"]

#: Largest dense array (hours over all regions) a grid may hold: 2**27 hours is 1 GiB of
#: float64, about 150 years of hours for 100 regions. A bigger span is almost always a bad
#: timestamp (a year 1970 beside 2026).
MAX_DENSE_HOURS = 2**27


def iso_hour(hour: int) -> str:
    """An hour since the epoch as ``YYYY-MM-DDTHH:MMZ``.

    >>> iso_hour(491_000)
    '2026-01-05T08:00Z'
    """
    return pd.Timestamp(hour * HOUR_NS, tz="UTC").strftime("%Y-%m-%dT%H:%MZ")


def region_codes(col: pd.Series, known: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Per-row region code: ``0..R-1`` for the ``known`` regions, ``R..`` for the others
    (returned in code order); each distinct value is looked up once.

    >>> codes, extra = region_codes(pd.Series(["FRA", "ESP", "DEU", "ESP"]), ["DEU", "FRA"])
    >>> codes.tolist(), extra
    ([1, 2, 0, 2], ['ESP'])
    """
    index = pd.Index(known)
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = pd.Index(col.cat.categories.astype(str))
        cat_codes = np.asarray(col.cat.codes.to_numpy(), dtype=np.int64)
        if (cat_codes < 0).any():
            raise DataError("region", "a missing region (NaN)", "a region in every row")
        mapped = index.get_indexer(cats).astype(np.int64)
        extra = [str(c) for c, m in zip(cats, mapped, strict=True) if m < 0]
        where = np.flatnonzero(mapped < 0)
        mapped[where] = len(index) + np.arange(len(where))
        return mapped[cat_codes] if len(cat_codes) else cat_codes, extra
    if col.isna().any():
        raise DataError("region", "a missing region (NaN)", "a region in every row")
    codes = np.asarray(index.get_indexer(pd.Index(col)), dtype=np.int64)
    unknown = codes < 0
    if not unknown.any():
        return codes, []
    sub, uniq = pd.factorize(col.to_numpy()[unknown])
    codes[unknown] = len(index) + sub
    return codes, [str(x) for x in uniq]


@dataclass(frozen=True, eq=False)
class DenseHours:
    """Hourly values of R regions in one float64 array [gCO2e/kWh].

    Region k's hour h (hours since the epoch) is ``values[base[k] + h - first_hour[k]]`` for
    ``first_hour[k] <= h < first_hour[k] + n_hours[k]``; NaN marks a missing hour, and one
    trailing NaN is a sentinel that regions without a series point at.
    """

    first_hour: np.ndarray
    n_hours: np.ndarray
    base: np.ndarray
    values: np.ndarray

    @classmethod
    def from_codes(cls, codes: np.ndarray, hour: np.ndarray, values: np.ndarray,
                   names: Sequence[str], field: str) -> DenseHours:
        """Hold ``values`` at (region code, hour), each pair at most once (checked by the
        caller); a span of more than :data:`MAX_DENSE_HOURS` is a DataError on ``field``."""
        r = len(names)
        first = np.full(r, np.iinfo(np.int64).max, dtype=np.int64)
        last = np.full(r, np.iinfo(np.int64).min, dtype=np.int64)
        np.minimum.at(first, codes, hour)
        np.maximum.at(last, codes, hour)
        n = np.where(last >= first, last - first + 1, 0)
        first = np.where(n > 0, first, 0)
        if int(n.sum()) > MAX_DENSE_HOURS:
            k = int(np.argmax(n))
            raise DataError(field, f"region {names[k]!r} spans {iso_hour(int(first[k]))} to "
                            f"{iso_hour(int(last[k]))}", "hours within a plausible span (check "
                            f"for a bad timestamp; at most {MAX_DENSE_HOURS} hours in all)")
        base = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
        dense = np.full(int(n.sum()) + 1, np.nan)
        dense[base[codes] + hour - first[codes]] = values
        return cls(first, n, base, dense)

    def first_missing(self, k: int, p0: int, p1: int) -> int:
        """The first position in ``[p0, p1]`` (hours from region k's first hour) that region
        k lacks; ``p1 + 1`` if none (slow path: error messages only)."""
        n = int(self.n_hours[k])
        v = self.values[self.base[k]:self.base[k] + n]
        for p in range(p0, p1 + 1):
            if p < 0 or p >= n or np.isnan(v[p]):
                return p
        return p1 + 1

    def describe_gap(self, k: int, p0: int, p1: int) -> str:
        """Where region k first lacks an hour of ``[p0, p1]``, in words (slow path)."""
        first, n = int(self.first_hour[k]), int(self.n_hours[k])
        v = self.values[self.base[k]:self.base[k] + n]
        p = self.first_missing(k, p0, p1)
        if p < 0:
            return f"before its first hour {iso_hour(first)} (needed from {iso_hour(first + p)})"
        if p >= n:
            return (f"after its last hour {iso_hour(first + n - 1)} (needed up to "
                    f"{iso_hour(first + p1)})")
        a = b = p
        while a > 0 and np.isnan(v[a - 1]):
            a -= 1
        while b + 1 < n and np.isnan(v[b + 1]):
            b += 1
        return f"{iso_hour(first + a)} to {iso_hour(first + b + 1)} ({b - a + 1} h missing)"


class HourJoin:
    """Windows ``[t0, t1)`` of rows in regions ``codes`` joined on :class:`DenseHours`.

    Codes ``0..R-1`` are the regions of ``hours``; codes ``R..R+n_extra-1`` are regions with
    no series (every hour missing). Construction finds, per row, how many of the hours its
    window needs are missing (:attr:`missing`); :meth:`means` then charges the windows.

    >>> d = DenseHours(np.array([10]), np.array([2]), np.array([0]),
    ...                np.array([100.0, 200.0, np.nan]))
    >>> j = HourJoin(d, np.array([0, 0]), np.array([10, 10]) * HOUR_NS + HOUR_NS // 2,
    ...              np.array([11, 12]) * HOUR_NS + HOUR_NS // 2)
    >>> j.missing.tolist(), j.means(np.array([np.nan])).tolist()[0]
    ([0, 1], 150.0)
    """

    def __init__(self, hours: DenseHours, codes: np.ndarray, t0: np.ndarray, t1: np.ndarray,
                 n_extra: int = 0):
        self.hours, self.codes, self.t0, self.t1 = hours, codes, t0, t1
        sentinel = len(hours.values) - 1
        first = np.concatenate([hours.first_hour, np.zeros(n_extra, np.int64)])
        n = np.concatenate([hours.n_hours, np.zeros(n_extra, np.int64)])
        base = np.concatenate([hours.base, np.full(n_extra, sentinel, np.int64)])
        self.n_row, self.b_row = n[codes], base[codes]
        self.h0 = t0 // HOUR_NS
        #: per row, the first hour of its window, from its region's first hour
        self.p0 = self.h0 - first[codes]
        #: the rows whose window runs past its first hour (few: most requests are short),
        #: and the last hour of each of their windows (from its region's first hour)
        self.multi = np.flatnonzero(t1 > (self.h0 + 1) * HOUR_NS)
        self.p1_multi = self.p0[self.multi] + ((t1[self.multi] - 1) // HOUR_NS
                                               - self.h0[self.multi])
        self._nan_cum = np.concatenate([[0], np.cumsum(np.isnan(hours.values))])

    @property
    def p1(self) -> np.ndarray:
        """Per row, the last hour of its window, from its region's first hour."""
        p1: np.ndarray = self.p0.copy()
        p1[self.multi] = self.p1_multi
        return p1

    @property
    def h1(self) -> np.ndarray:
        """Per row, the last hour of its window [hours since the epoch]."""
        out: np.ndarray = self.h0 + (self.p1 - self.p0)
        return out

    def complete(self) -> bool:
        """Whether every row's window lies within its region's series and none of its hours
        is missing (the fast check, by reductions: :attr:`missing` counts them)."""
        if not len(self.p0):
            return True
        if int(self.p0.min()) < 0 or int((self.n_row - self.p0).min()) <= 0:
            return False
        if len(self.multi) and int((self.n_row[self.multi] - self.p1_multi).min()) <= 0:
            return False
        if self._nan_cum[-2] == 0:  # no hour missing inside any series (the sentinel aside)
            return True
        return not bool(self.missing.any())

    @functools.cached_property
    def missing(self) -> np.ndarray:
        """Per row, how many hours its window needs that its region's series lacks."""
        p0, p1, n_row, b_row = self.p0, self.p1, self.n_row, self.b_row
        lo = np.clip(p0, 0, n_row)
        hi = np.clip(p1 + 1, 0, n_row)
        inside = np.maximum(hi - lo, 0)
        out: np.ndarray = (p1 - p0 + 1 - inside) + np.where(
            hi > lo, self._nan_cum[b_row + hi] - self._nan_cum[b_row + lo], 0)
        return out

    def means(self, fallback: np.ndarray) -> np.ndarray:
        """The time-weighted mean intensity of each window [gCO2e/kWh].

        ``fallback`` holds per region code the intensity charged for its missing hours; NaN
        where there is none (no row of that region may then miss an hour: check
        :attr:`missing` or :meth:`complete` first).
        """
        hours, codes, n_row, b_row = self.hours, self.codes, self.n_row, self.b_row
        p0, t0, t1, multi = self.p0, self.t0, self.t1, self.multi
        # fill gaps with the region's fallback (0 where unused: no row reaches them)
        fb0 = np.where(np.isnan(fallback), 0.0, fallback)
        filled = hours.values.copy()
        gap = np.flatnonzero(np.isnan(filled[:-1]))
        if len(gap):
            region_of_hour = np.repeat(np.arange(len(hours.n_hours)), hours.n_hours)
            filled[gap] = fb0[region_of_hour[gap]]
        filled[-1] = 0.0
        inside = self.complete()

        def at(p: np.ndarray, rows: np.ndarray | slice) -> np.ndarray:
            if inside:  # every hour within its series: a plain gather
                got: np.ndarray = filled[b_row[rows] + p]
                return got
            nn = n_row[rows]
            ok = (p >= 0) & (p < nn)
            v = filled[b_row[rows] + np.clip(p, 0, np.maximum(nn - 1, 0))]
            out: np.ndarray = np.where(ok, v, fb0[codes[rows]])
            return out

        ci = at(p0, slice(None))
        if len(multi):
            cum = np.concatenate([[0.0], np.cumsum(filled)])
            q0, q1 = p0[multi], self.p1_multi
            bb, nn = b_row[multi], n_row[multi]
            a = np.clip(q0 + 1, 0, nn)
            b = np.clip(q1, 0, nn)
            mid_in = np.where(b > a, cum[bb + b] - cum[bb + a], 0.0)
            mid_out = (q1 - q0 - 1) - np.maximum(b - a, 0)
            mid = mid_in + mid_out * fb0[codes[multi]]
            s0, s1 = t0[multi], t1[multi]
            h0 = self.h0[multi]
            w0 = ((h0 + 1) * HOUR_NS - s0) / HOUR_NS
            w1 = (s1 - (h0 + q1 - q0) * HOUR_NS) / HOUR_NS
            span_h = (s1 - s0) / HOUR_NS
            ci[multi] = (ci[multi] * w0 + mid + at(q1, multi) * w1) / span_h
        return ci
