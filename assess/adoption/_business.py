"""The business case of adopting a technique, in absolute units (specs/adoption.md).

    dE   = E_before - E_after                              [kWh per request]
    dC   = JSC(dE) = dE * PUE_serve * CI_serve               [gCO2e per request]
    C_1  = job_carbon  (else JSC(job_energy) on the adoption grid)
           + sum ASC^e(extra jobs) + sum extra carbon     [gCO2e, once]
    E_1  = job_energy + sum energy of extra jobs            [kWh, once; None if a part is
                                                             known only as carbon]
    N*   = C_1 / dC                                         [requests to break even]
    t*   = N* / rate,   date* = start + t*
    per year = dC * rate * 1 year                            (a year is 365 days)
    money: price * E * PUE (the energy the meter bills), optional

Ranges: when the measurement has an interval of the ratio ``R = E_after / E_before``
(``ratio_ci = (R_lo, R_hi)`` from repeated, interleaved trials), every saving comes with
the range from the interval's ends, ``dE in [E_before (1 - R_hi), E_before (1 - R_lo)]``, and
so do the savings per year, the break-even count ``N* in [C_1 / dC_high, C_1 / dC_low]`` and
its date (an end is None where that end of the interval saves nothing: it never breaks
even). Without an interval every range is None (unknown, never zero).

The one-time carbon is what adoption already cost (or will cost on the grid where it runs):
the sensitivity table varies the *serving* grid intensity and the request volume around the
given values, holding it fixed. "Requests" are the measurement's units of work (one request,
or one training run when ``unit_of_work="training_run"``). A break-even that does not exist
(no saving per request) is None with the reason, never a number.

>>> from carbon import Q_
>>> m = BeforeAfter(name="distil", energy_before="3.6 J", energy_after="1.8 J",
...                 energy_provenance="measured", job_energy="50 kWh")
>>> case = business_case(m, request_rate=Q_(1e6, "1/day"), serving_intensity="400 gCO2e/kWh",
...                      adoption_intensity="400 gCO2e/kWh")
>>> case.saving_carbon_per_request
<Quantity(0.0002, 'gram_CO2e')>
>>> round(case.break_even_requests), case.break_even_time.to("day")
(100000000, <Quantity(100.0, 'day')>)
>>> case.break_even_requests_range is None                 # no interval: unknown
True
>>> ranged = m.model_copy(update={"ratio_ci": (0.4, 0.6)})
>>> case = business_case(ranged, request_rate=Q_(1e6, "1/day"),
...                      serving_intensity="400 gCO2e/kWh", adoption_intensity="400 gCO2e/kWh")
>>> [round(q.m_as("J"), 3) for q in case.saving_energy_per_request_range]
[1.44, 2.16]
>>> [round(n / 1e6, 1) for n in case.break_even_requests_range]
[83.3, 125.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from assess.adoption._measured import BeforeAfter
from carbon import (
    Q_,
    InvalidValueError,
    Job,
    asc_e,
    at_least,
    intensity_of,
    magnitude,
    positive,
    quantity,
)

__all__ = ["BusinessCase", "Money", "SensitivityPoint", "business_case"]

_SECONDS_PER_YEAR = float(Q_(1, "year").m_as("s"))  # the registry's year: 365 days


@dataclass(frozen=True)
class Money:
    """An amount of money (not a physical amount: a float with its currency)."""

    amount: float
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:,.2f} {self.currency}"


@dataclass(frozen=True)
class SensitivityPoint:
    """Break-even at one serving intensity and one request rate (factors of the given ones)."""

    intensity_factor: float
    volume_factor: float
    intensity: Any  # gCO2e/kWh quantity
    request_rate: Any  # 1/day quantity
    break_even_requests: float | None
    break_even_time: Any | None  # day quantity


@dataclass(frozen=True)
class BusinessCase:
    """One-time cost, saving per request and per year, break-even (see the module doc).

    Quantities are pint quantities; a figure that cannot be known is None and ``reasons``
    says why.
    """

    name: str
    unit_of_work: str
    one_time_carbon: Any | None
    one_time_energy: Any | None
    saving_energy_per_request: Any
    saving_carbon_per_request: Any
    request_rate: Any
    saving_energy_per_year: Any
    saving_carbon_per_year: Any
    break_even_requests: float | None
    break_even_time: Any | None
    break_even_date: datetime | None
    energy_break_even_requests: float | None
    serving_intensity: Any
    serving_pue: float
    energy_provenance: str
    one_time_parts: tuple[tuple[str, Any], ...] = ()
    one_time_money: Money | None = None
    saving_money_per_year: Money | None = None
    sensitivity: tuple[SensitivityPoint, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)
    #: (low, high) from the ends of the measurement's ratio interval; None without one
    range_level: float | None = None
    saving_energy_per_request_range: tuple[Any, Any] | None = None
    saving_carbon_per_request_range: tuple[Any, Any] | None = None
    saving_energy_per_year_range: tuple[Any, Any] | None = None
    saving_carbon_per_year_range: tuple[Any, Any] | None = None
    break_even_requests_range: tuple[float | None, float | None] | None = None
    break_even_date_range: tuple[datetime | None, datetime | None] | None = None

    def sensitivity_frame(self) -> pd.DataFrame:
        """The sensitivity table, units in the column names (like ``carbon.asc_e_frame``)."""
        return pd.DataFrame({
            "intensity_factor": [p.intensity_factor for p in self.sensitivity],
            "volume_factor": [p.volume_factor for p in self.sensitivity],
            "intensity [gCO2e/kWh]": [p.intensity.m_as("gCO2e/kWh") for p in self.sensitivity],
            "request_rate [1/day]": [p.request_rate.m_as("1/day") for p in self.sensitivity],
            "break_even_requests": [p.break_even_requests for p in self.sensitivity],
            "break_even [day]": [None if p.break_even_time is None
                                 else p.break_even_time.m_as("day") for p in self.sensitivity],
        })

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (quantities as strings)."""
        def q(v: Any) -> str | None:
            return None if v is None else f"{v.magnitude:.6g} {v.units:~P}"

        return {
            "name": self.name,
            "unit_of_work": self.unit_of_work,
            "one_time_carbon": q(self.one_time_carbon),
            "one_time_energy": q(self.one_time_energy),
            "one_time_parts": {k: q(v) for k, v in self.one_time_parts},
            "saving_energy_per_request": q(self.saving_energy_per_request),
            "saving_carbon_per_request": q(self.saving_carbon_per_request),
            "request_rate": q(self.request_rate),
            "saving_energy_per_year": q(self.saving_energy_per_year),
            "saving_carbon_per_year": q(self.saving_carbon_per_year),
            "break_even_requests": self.break_even_requests,
            "break_even_time": q(self.break_even_time),
            "break_even_date": None if self.break_even_date is None
            else self.break_even_date.isoformat(),
            "energy_break_even_requests": self.energy_break_even_requests,
            "one_time_money": None if self.one_time_money is None else str(self.one_time_money),
            "saving_money_per_year": None if self.saving_money_per_year is None
            else str(self.saving_money_per_year),
            "energy_provenance": self.energy_provenance,
            "range_level": self.range_level,
            "saving_energy_per_request_range": _pair(self.saving_energy_per_request_range, q),
            "saving_carbon_per_request_range": _pair(self.saving_carbon_per_request_range, q),
            "saving_energy_per_year_range": _pair(self.saving_energy_per_year_range, q),
            "saving_carbon_per_year_range": _pair(self.saving_carbon_per_year_range, q),
            "break_even_requests_range": None if self.break_even_requests_range is None
            else list(self.break_even_requests_range),
            "break_even_date_range": _pair(self.break_even_date_range,
                                           lambda d: None if d is None else d.isoformat()),
            "reasons": dict(self.reasons),
        }


def _pair(pair: tuple[Any, Any] | None, f: Any) -> list[Any] | None:
    return None if pair is None else [f(pair[0]), f(pair[1])]


def _start(value: date | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    raise InvalidValueError("start", value, "a date or datetime (when serving starts)")


def _job_energy_kwh(job: Job) -> float:
    return float(sum(u.energy.magnitude for u in job.energy))


def business_case(
    measurement: BeforeAfter | Any,
    *,
    request_rate: Any,
    serving_intensity: Any,
    serving_pue: float = 1.0,
    adoption_intensity: Any | None = None,
    adoption_pue: float = 1.0,
    extra_jobs: Sequence[Job] = (),
    extra_carbon: Sequence[Any] = (),
    start: date | datetime | None = None,
    price_per_kwh: float | None = None,
    currency: str = "EUR",
    intensity_factors: Sequence[float] = (0.25, 0.5, 1.0, 2.0),
    volume_factors: Sequence[float] = (0.1, 1.0, 10.0),
) -> BusinessCase:
    """The business case of one technique from a before/after measurement (module doc).

    Parameters
    ----------
    measurement : a :class:`BeforeAfter` or a ``compress.CompressionResult``.
    request_rate : requests (units of work) per time [1/time], e.g. ``Q_(2e6, "1/day")``.
    serving_intensity : grid where the model serves [gCO2e/kWh] or an energy mix.
    serving_pue : the serving facility's PUE [dimensionless], >= 1 (1 books no overhead).
    adoption_intensity : grid where the adoption job ran [gCO2e/kWh] or a mix; needed only
        when the measurement gives ``job_energy`` but no ``job_carbon``.
    adoption_pue : the adoption facility's PUE [dimensionless].
    extra_jobs : further one-time jobs (extra experiments), ``carbon.Job`` records: each
        counts with its ASC^e and its energy.
    extra_carbon : further one-time carbon known only as carbon [gCO2e] (energy unknown).
        Pass ``[Q_(0, "gCO2e")]`` to state that adoption cost nothing measurable.
    start : when serving with the technique starts (for the break-even date).
    price_per_kwh : optional electricity price per kWh billed at the meter, in ``currency``.
    intensity_factors, volume_factors : multipliers of the serving intensity and the request
        rate for the sensitivity table.
    """
    m = measurement if isinstance(measurement, BeforeAfter) else \
        BeforeAfter.from_compression_result(measurement)
    rate_per_s = magnitude(request_rate, "1/s", "request_rate")
    if rate_per_s <= 0:
        raise InvalidValueError("request_rate", request_rate, "a rate > 0, e.g. '1e6 / day'")
    pue_serve = float(at_least(serving_pue, 1.0, "serving_pue"))
    ci_serve = intensity_of(serving_intensity)
    for f in (*intensity_factors, *volume_factors):
        positive(f, "sensitivity factor")
    reasons: dict[str, str] = {}

    # -- one-time cost (fast path: magnitudes in gCO2e and kWh) --
    parts: list[tuple[str, Any]] = []
    carbon_once_g: float | None = 0.0
    energy_once_kwh: float | None = 0.0
    if m.job_carbon is not None:
        parts.append(("adoption job", m.job_carbon))
        carbon_once_g = m.job_carbon.magnitude
        energy_once_kwh = None if m.job_energy is None else m.job_energy.magnitude
        if m.job_energy is None:
            reasons["one_time_energy"] = "the adoption job's carbon is given without its energy"
    elif m.job_energy is not None:
        if adoption_intensity is None:
            raise InvalidValueError(
                "adoption_intensity", None,
                "the grid intensity where the adoption job ran (its job_energy is known but "
                "not its carbon); pass adoption_intensity=serving_intensity if it is the same")
        pue_adopt = float(at_least(adoption_pue, 1.0, "adoption_pue"))
        g = m.job_energy.magnitude * pue_adopt * intensity_of(adoption_intensity)
        parts.append(("adoption job", quantity(g, "gCO2e")))
        carbon_once_g = g
        energy_once_kwh = m.job_energy.magnitude
    elif not extra_jobs and not extra_carbon:
        carbon_once_g = energy_once_kwh = None
        reasons["one_time_carbon"] = ("the measurement gives no job_energy or job_carbon and no "
                                      "extra jobs or carbon were given: the cost of adopting is "
                                      "unknown (pass extra_carbon=[Q_(0, 'gCO2e')] if it is "
                                      "truly nothing)")
        reasons["one_time_energy"] = reasons["one_time_carbon"]
    else:
        reasons["adoption_job"] = "no job_energy or job_carbon in the measurement"
    for job in extra_jobs:
        b = asc_e(job)
        parts.append((job.name, b.asc_e))
        carbon_once_g = (carbon_once_g or 0.0) + b.asc_e_g
        if energy_once_kwh is not None:
            energy_once_kwh += _job_energy_kwh(job)
    for i, c in enumerate(extra_carbon):
        g = magnitude(c, "gCO2e", f"extra_carbon[{i}]")
        parts.append((f"extra carbon {i}", quantity(g, "gCO2e")))
        carbon_once_g = (carbon_once_g or 0.0) + g
        if energy_once_kwh is not None:
            energy_once_kwh = None
            reasons["one_time_energy"] = "part of the one-time cost is known only as carbon"

    # -- saving per request and per year --
    d_kwh = m.energy_before.magnitude - m.energy_after.magnitude
    d_g = d_kwh * pue_serve * ci_serve
    per_year = rate_per_s * _SECONDS_PER_YEAR

    def breakeven(once: float | None, saving: float, what: str) -> float | None:
        if once is None:
            return None
        if saving <= 0:
            reasons[what] = (f"the technique saves nothing per {m.unit_of_work} "
                             f"({d_kwh:.3g} kWh less), so it never breaks even")
            return None
        return once / saving

    n_star = breakeven(carbon_once_g, d_g, "break_even_requests")
    n_star_e = breakeven(energy_once_kwh, d_kwh, "energy_break_even_requests")
    t_star = None if n_star is None else quantity(n_star / rate_per_s, "s").to("day")
    begin = _start(start)
    when = None
    if t_star is not None and begin is not None:
        try:
            when = begin + timedelta(seconds=float(t_star.m_as("s")))
        except OverflowError:
            reasons["break_even_date"] = (f"the break-even lies {t_star.m_as('year'):.3g} "
                                          "years ahead, beyond the calendar (year 9999)")
    elif t_star is not None:
        reasons["break_even_date"] = "no start date given"

    money_once = money_year = None
    if price_per_kwh is not None:
        price = float(at_least(price_per_kwh, 0.0, "price_per_kwh"))
        money_year = Money(d_kwh * pue_serve * per_year * price, currency)
        if energy_once_kwh is not None:
            pue_a = adoption_pue if m.job_carbon is None else 1.0
            money_once = Money(energy_once_kwh * pue_a * price, currency)

    sens = tuple(
        SensitivityPoint(
            fi, fv, quantity(ci_serve * fi, "gCO2e/kWh"),
            Q_(rate_per_s * fv, "1/s").to("1/day"),
            None if carbon_once_g is None or d_g <= 0 else carbon_once_g / (d_g * fi),
            None if carbon_once_g is None or d_g <= 0
            else quantity(carbon_once_g / (d_g * fi) / (rate_per_s * fv), "s").to("day"))
        for fi in intensity_factors for fv in volume_factors)

    ranges = _ranges(m, pue_serve, ci_serve, per_year, carbon_once_g, rate_per_s, begin,
                     reasons)
    return BusinessCase(
        name=m.name, unit_of_work=m.unit_of_work,
        one_time_carbon=None if carbon_once_g is None else quantity(carbon_once_g, "gCO2e"),
        one_time_energy=None if energy_once_kwh is None else quantity(energy_once_kwh, "kWh"),
        saving_energy_per_request=quantity(d_kwh, "kWh"),
        saving_carbon_per_request=quantity(d_g, "gCO2e"),
        request_rate=Q_(rate_per_s, "1/s").to("1/day"),
        saving_energy_per_year=quantity(d_kwh * per_year, "kWh"),
        saving_carbon_per_year=quantity(d_g * per_year, "gCO2e").to("kgCO2e"),
        break_even_requests=n_star, break_even_time=t_star, break_even_date=when,
        energy_break_even_requests=n_star_e,
        serving_intensity=quantity(ci_serve, "gCO2e/kWh"), serving_pue=pue_serve,
        energy_provenance=m.energy_provenance.value, one_time_parts=tuple(parts),
        one_time_money=money_once, saving_money_per_year=money_year,
        sensitivity=sens, reasons=reasons, **ranges)


def _ranges(m: BeforeAfter, pue: float, ci: float, per_year: float, once_g: float | None,
            rate_per_s: float, begin: datetime | None, reasons: dict[str, str]
            ) -> dict[str, Any]:
    """The (low, high) ranges of the savings and the break-even from ``m.ratio_ci``."""
    if m.ratio_ci is None:
        reasons["ranges"] = ("no interval of the energy ratio (one measurement, no repeated "
                             "trials): the range of each saving is unknown")
        return {}
    e_b = m.energy_before.magnitude
    lo_kwh, hi_kwh = e_b * (1.0 - m.ratio_ci[1]), e_b * (1.0 - m.ratio_ci[0])
    lo_g, hi_g = lo_kwh * pue * ci, hi_kwh * pue * ci

    def n_star(saving_g: float) -> float | None:
        return None if once_g is None or saving_g <= 0 else once_g / saving_g

    def when(n: float | None) -> datetime | None:
        if n is None or begin is None:
            return None
        try:
            return begin + timedelta(seconds=n / rate_per_s)
        except OverflowError:
            return None

    if lo_g <= 0:
        reasons["break_even_requests_range"] = (
            "at the interval's upper end of the energy ratio the technique saves nothing, so "
            "the range's upper end of the break-even is None (never)")
    n_range = (n_star(hi_g), n_star(lo_g))
    return {
        "range_level": m.ci_level,
        "saving_energy_per_request_range": (quantity(lo_kwh, "kWh"), quantity(hi_kwh, "kWh")),
        "saving_carbon_per_request_range": (quantity(lo_g, "gCO2e"), quantity(hi_g, "gCO2e")),
        "saving_energy_per_year_range": (quantity(lo_kwh * per_year, "kWh"),
                                         quantity(hi_kwh * per_year, "kWh")),
        "saving_carbon_per_year_range": (quantity(lo_g * per_year, "gCO2e").to("kgCO2e"),
                                         quantity(hi_g * per_year, "gCO2e").to("kgCO2e")),
        "break_even_requests_range": None if once_g is None else n_range,
        "break_even_date_range": None if once_g is None or begin is None
        else (when(n_range[0]), when(n_range[1])),
    }
