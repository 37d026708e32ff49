"""Where the electricity comes from: constant intensities, source mixes, countries, hourly series.

An energy mix answers one question: the carbon intensity (gCO2e/kWh) of the electricity a job
used, over the job's time window. Every mix carries the source of its numbers.

References
----------
[1] S. Schlömer et al. (2014), "Annex III: Technology-specific cost and performance
    parameters", in Climate Change 2014: Mitigation of Climate Change, IPCC AR5 WG III,
    Cambridge University Press, ISBN 978-1-107-05821-7: lifecycle emission factors (medians).
[2] Our World in Data energy dataset (Ember, Energy Institute), CC BY 4.0.
"""

from __future__ import annotations

import csv
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from carbon._checks import unit_interval
from carbon._errors import DataError, InvalidValueError, UnknownKeyError
from carbon._hourly_join import DenseHours, HourJoin
from carbon._lazy import is_pandas, lazy_module
from carbon._units import magnitude, quantity, short, shown
from carbon._utc import HOUR_NS, utc_ns

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")  # imported on first use: carbon's formulas need no pandas

if TYPE_CHECKING:
    Series = pd.Series
else:  # pydantic reads HourlyIntensity's annotations (a record's mix): no pandas for them
    Series = Any

__all__ = [
    "Basis",
    "ConstantIntensity",
    "EnergyMix",
    "HourlyIntensity",
    "Kind",
    "SourceMix",
    "country",
    "country_table",
    "emission_factors",
    "mix_intensity",
]

#: What an intensity stands for: the ``average`` of the grid's generation, or the
#: ``marginal`` generator's (what one more kWh adds).
Kind = Literal["average", "marginal"]
#: What an intensity counts: ``lifecycle`` emissions (construction, fuel supply included) or
#: ``direct`` (combustion only).
Basis = Literal["lifecycle", "direct"]

_SHARE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class EmissionFactor:
    """Lifecycle emission factor of one generation technology, with its source."""

    name: str
    gco2e_per_kwh: float
    source: str


@cache
def emission_factors() -> dict[str, EmissionFactor]:
    """The shipped lifecycle emission factors per generation source [1].

    >>> emission_factors()["coal"].gco2e_per_kwh
    820.0
    """
    path = resources.files("carbon") / "_data" / "emission_factors.csv"
    with path.open(encoding="utf-8") as f:
        return {
            r["source_name"]: EmissionFactor(
                r["source_name"], float(r["lifecycle_gco2e_per_kwh"]), r["source"]
            )
            for r in csv.DictReader(f)
        }


def mix_intensity(shares: Mapping[str, float], factors: Mapping[str, Any] | None = None) -> Any:
    """Carbon intensity of a mix: ``CI = sum_k share_k * ci_k`` [gCO2e/kWh].

    Parameters
    ----------
    shares : mapping of source name to share [dimensionless]; each in [0, 1], summing to 1.
    factors : optional mapping of source name to intensity [gCO2e/kWh quantity]; defaults to
        the shipped IPCC medians [1].

    Examples
    --------
    specs/metrics.md worked example, 80 % coal and 20 % utility solar:

    >>> mix_intensity({"coal": 0.8, "solar_utility": 0.2})
    <Quantity(665.6, 'gram_CO2e / kilowatt_hour')>
    """
    return quantity(_mix_magnitude(shares, factors), "gCO2e/kWh")


def _mix_magnitude(shares: Mapping[str, float], factors: Mapping[str, Any] | None) -> float:
    if not shares:
        raise InvalidValueError("shares", dict(shares), "at least one source with a share")
    total = 0.0
    ci = 0.0
    table = emission_factors()
    for name, share in shares.items():
        s = float(unit_interval(share, f"shares[{name!r}]"))
        if factors is not None and name in factors:
            f = magnitude(factors[name], "gCO2e/kWh", f"factors[{name!r}]")
        elif name in table:
            f = table[name].gco2e_per_kwh
        else:
            close = [k for k in table if k.startswith(name) or name.startswith(k)]
            close = close or difflib.get_close_matches(name, list(table), n=3)
            raise UnknownKeyError(
                f"shares[{name!r}]", name,
                f"one of {sorted(table)} (did you mean {close}?) or a factor in `factors`",
            )
        total += s
        ci += s * f
    if abs(total - 1.0) > _SHARE_TOLERANCE:
        raise InvalidValueError("shares", dict(shares),
                                f"shares summing to 1 (they sum to {total:g})")
    return ci


class _Flat:
    """An intensity that is the same in every hour (the window and trace do not matter)."""

    gco2e_per_kwh: float

    @property
    def intensity(self) -> Any:
        """The intensity as a quantity [gCO2e/kWh]."""
        return quantity(self.gco2e_per_kwh, "gCO2e/kWh")

    def mean_gco2e_per_kwh(self, start: datetime | None = None, end: datetime | None = None,
                           power: pd.Series | None = None) -> float:
        return self.gco2e_per_kwh


@dataclass(frozen=True)
class ConstantIntensity(_Flat):
    """One intensity for every hour, with where it comes from.

    >>> ConstantIntensity.of("400 gCO2e/kWh", source="supplier contract 2025").gco2e_per_kwh
    400.0
    """

    gco2e_per_kwh: float
    source: str
    year: int | None = None
    kind: Kind = "average"
    basis: Basis = "lifecycle"

    def __post_init__(self) -> None:
        # built directly (not through .of): the same checks, so no negative or NaN carbon
        v = self.gco2e_per_kwh
        if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)):
            raise InvalidValueError("ConstantIntensity.gco2e_per_kwh", v,
                                    "a number of gCO2e/kWh (ConstantIntensity.of takes a "
                                    "quantity)")
        if not (math.isfinite(float(v)) and float(v) >= 0):
            raise InvalidValueError("ConstantIntensity.gco2e_per_kwh", v,
                                    "a finite intensity >= 0 gCO2e/kWh")
        object.__setattr__(self, "gco2e_per_kwh", float(v))
        if not isinstance(self.source, str) or not self.source.strip():
            raise InvalidValueError("ConstantIntensity.source", self.source,
                                    "where the figure comes from (a source is required)")

    @classmethod
    def of(cls, value: Any, *, source: str, year: int | None = None) -> ConstantIntensity:
        return cls(magnitude(value, "gCO2e/kWh", "intensity"), source, year)


@dataclass(frozen=True)
class SourceMix(_Flat):
    """A stated mix of generation sources (shares summing to 1) and their factors.

    >>> SourceMix({"coal": 0.8, "solar_utility": 0.2}).gco2e_per_kwh
    665.6
    """

    shares: Mapping[str, float]
    factors: Mapping[str, Any] | None = None
    source: str = "IPCC AR5 WG3 Annex III (2014) lifecycle medians"
    gco2e_per_kwh: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "gco2e_per_kwh", _mix_magnitude(self.shares, self.factors))


_COUNTRY_TEXT = ("iso_code", "country_name", "source")


@cache
def _country_rows() -> dict[str, dict[str, str]]:
    """The shipped table's rows by ISO code, as text (a lookup needs no pandas)."""
    path = resources.files("carbon") / "_data" / "grid_intensity.csv"
    with path.open(encoding="utf-8") as f:
        return {row["iso_code"]: row for row in csv.DictReader(f)}


@cache
def country_table() -> pd.DataFrame:
    """The shipped annual intensity per country [2], indexed by ISO 3166-1 alpha-3 code."""
    df = pd.DataFrame(list(_country_rows().values()))
    for column in df.columns:
        if column not in _COUNTRY_TEXT:
            df[column] = pd.to_numeric(df[column])
    return df.set_index("iso_code")


def country(code_or_name: str) -> ConstantIntensity:
    """Annual average grid intensity of a country, with its year and source [2].

    Parameters
    ----------
    code_or_name : ISO 3166-1 alpha-3 code (``"FRA"``) or English name (``"France"``).

    >>> fr = country("FRA")
    >>> fr.gco2e_per_kwh, fr.year
    (56.039, 2023)
    >>> country("Frnace")
    Traceback (most recent call last):
    ...
    carbon._errors.UnknownKeyError: country='Frnace' is invalid: ... (did you mean ['France']?)
    """
    rows = _country_rows()
    if not isinstance(code_or_name, str):
        raise UnknownKeyError("country", shown(code_or_name), "an ISO 3166-1 alpha-3 code or a "
                              "country name (a string)")
    key = code_or_name.strip()
    if key.upper() in rows:
        code = key.upper()
    else:
        by_name = {row["country_name"].casefold(): c for c, row in rows.items()}
        if key.casefold() not in by_name:
            close = difflib.get_close_matches(key, [r["country_name"] for r in rows.values()],
                                              n=3)
            raise UnknownKeyError(
                "country", short(code_or_name),
                "an ISO 3166-1 alpha-3 code or a country name in the shipped table"
                f" (did you mean {close}?)",
            )
        code = str(by_name[key.casefold()])
    row = rows[code]
    return ConstantIntensity(
        gco2e_per_kwh=float(row["carbon_intensity_gco2e_per_kwh"]),
        source=f"{row['country_name']} {int(row['year'])}: {row['source']}",
        year=int(row["year"]),
    )


@dataclass(frozen=True, eq=False)
class HourlyIntensity:
    """An hourly intensity series [gCO2e/kWh], indexed by the start of each hour (UTC).

    A job is charged with the intensities of the hours its window overlaps, weighted by the
    energy it used in each hour: uniformly over the window, or by a power trace when given.
    An hour of the window missing from the series is an error that names the gap.

    >>> idx = pd.date_range("2026-01-01", periods=3, freq="h", tz="UTC")
    >>> h = HourlyIntensity(pd.Series([100.0, 200.0, 300.0], index=idx), source="example")
    >>> h.mean_gco2e_per_kwh(idx[0] + pd.Timedelta("30min"), idx[1] + pd.Timedelta("30min"))
    150.0
    """

    series: Series
    source: str
    region: str | None = None
    kind: Kind = "average"
    basis: Basis = "lifecycle"

    def __post_init__(self) -> None:
        s = self.series
        if not is_pandas(s, "Series"):
            raise DataError("series", type(s).__name__, "a pandas Series of gCO2e/kWh")
        if not isinstance(s.index, pd.DatetimeIndex):
            raise DataError("series.index", type(s.index).__name__,
                            "a DatetimeIndex of hour starts")
        ns = utc_ns(s.index, "series.index")
        if (ns % HOUR_NS != 0).any():
            raise DataError("series.index", "timestamps off the hour", "hour starts (HH:00)")
        if pd.Index(ns).has_duplicates:
            raise DataError("series.index", "duplicate hours", "one value per hour")
        values = np.asarray(s.to_numpy(), dtype=np.float64)
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise InvalidValueError("series", "NaN, inf or negative values",
                                    "finite intensities >= 0")
        idx = pd.DatetimeIndex(ns, tz="UTC").as_unit("ns")
        object.__setattr__(self, "series", pd.Series(values, index=idx).sort_index())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HourlyIntensity):
            return NotImplemented
        return (self.source, self.region, self.kind, self.basis) == (
            other.source, other.region, other.kind, other.basis) and self.series.equals(
            other.series)

    __hash__ = None  # type: ignore[assignment]

    @cached_property
    def dense(self) -> DenseHours:
        """The series as the hourly join reads it (one region; NaN for each missing hour)."""
        ns = utc_ns(self.series.index, "series.index")
        return DenseHours.from_codes(np.zeros(len(ns), np.int64), ns // HOUR_NS,
                                     self.series.to_numpy(), [self.region or "series"],
                                     "series.index")

    def mean_gco2e_per_kwh(self, start: datetime | None = None, end: datetime | None = None,
                           power: pd.Series | None = None) -> float:
        """Energy-weighted mean intensity over [start, end) [gCO2e/kWh].

        Without ``power`` the draw is uniform over the window: the time-weighted mean of the
        hours it overlaps, the hourly grid's join of one window (``carbon._hourly_join``).
        With a power trace [W] each hour weighs the energy used in it (trapezoid rule).
        """
        if start is None or end is None:
            raise InvalidValueError(
                "window", (start, end),
                "a job with a start and end time (an hourly series needs the job's window)",
            )
        t0 = utc_ns(pd.Series([start]), "start")
        t1 = utc_ns(pd.Series([end]), "end")
        if not t1[0] > t0[0]:
            raise InvalidValueError("window", (start, end), "end after start")
        dense = self.dense
        join = HourJoin(dense, np.zeros(1, np.int64), t0, t1)
        if join.missing[0]:
            p0, p1 = int(join.p0[0]), int(join.p1[0])
            first = int(dense.first_hour[0]) + dense.first_missing(0, p0, p1)
            where = f" in region {self.region!r}" if self.region else ""
            raise DataError(
                "intensity", f"{int(join.missing[0])} missing hour(s){where}: first "
                f"{pd.Timestamp(first * HOUR_NS, tz='UTC')}",
                "an hourly series covering the job's whole window, or an explicit fallback",
            )
        if power is None:
            return float(join.means(np.full(1, np.nan))[0])
        p0, p1 = int(join.p0[0]), int(join.p1[0])
        b = int(dense.base[0])
        ci = dense.values[b + p0:b + p1 + 1]
        hours = pd.DatetimeIndex((int(join.h0[0]) + np.arange(len(ci))) * HOUR_NS, tz="UTC")
        weights = _energy_per_hour(power, hours)
        if weights.sum() <= 0:
            raise InvalidValueError("power", "a trace with no energy",
                                    "a power trace with energy > 0")
        return float(np.dot(weights, ci) / weights.sum())


def _energy_per_hour(power: pd.Series, hours: pd.DatetimeIndex) -> np.ndarray:
    """Integrate a power trace (W, DatetimeIndex) per hour by the trapezoid rule."""
    if not isinstance(power.index, pd.DatetimeIndex):
        raise DataError("power.index", type(power.index).__name__, "a DatetimeIndex")
    # pandas may hold datetimes in s, ms, us or ns: compare everything in ns
    t = (utc_ns(power.index, "power.index") / 1e9).astype(np.float64)
    hours = hours.as_unit("ns")
    p = np.asarray(power.to_numpy(), dtype=np.float64)
    # insert the hour boundaries into the trace so each trapezoid lies inside one hour
    bounds = (hours.asi8[1:] / 1e9).astype(np.float64)
    inside = bounds[(bounds > t[0]) & (bounds < t[-1])]
    tt = np.concatenate([t, inside])
    pp = np.concatenate([p, np.interp(inside, t, p)])
    order = np.argsort(tt, kind="stable")
    tt, pp = tt[order], pp[order]
    seg = 0.5 * (pp[1:] + pp[:-1]) * np.diff(tt)
    mid = 0.5 * (tt[1:] + tt[:-1])
    which = np.searchsorted((hours.asi8 / 1e9).astype(np.float64), mid, side="right") - 1
    out = np.zeros(len(hours))
    np.add.at(out, np.clip(which, 0, len(hours) - 1), seg)
    return out


EnergyMix = ConstantIntensity | SourceMix | HourlyIntensity

