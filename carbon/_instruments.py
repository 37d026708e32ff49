"""Contractual instruments and the residual mix: the market-based Scope 2 arithmetic [1].

A facility's electricity may carry contractual instruments (energy attribute certificates,
PPAs, green tariffs, supplier-specific factors), each covering some energy at its own emission
factor over a period; the rest is at the residual mix. Both are held by
:class:`carbon.Facility` (``instruments``, ``residual_mix``), and :func:`market_based` applies
them in order::

    MB = sum_i min(E_i, E_left) * f_i + E_rest * f_residual          [gCO2e]

with ``E_i`` an instrument's covered energy [kWh] (or its share [dimensionless] of the energy
it is applied to), ``f_i`` its factor [gCO2e/kWh], ``E_rest`` what no instrument covers. The
location-based figure (the grid's average) is never replaced: the market-based one stands
beside it. Energy left uncovered without a residual mix is an error (unknown is never zero).

References
----------
[1] WRI (2015), "GHG Protocol Scope 2 Guidance" (dual reporting, quality criteria, residual
    mix), ISBN 978-1-56973-850-4.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from carbon._errors import InvalidValueError
from carbon._units import magnitude, quantity, ureg

__all__ = ["INSTRUMENT_KINDS", "ContractualInstrument", "MarketBased", "market_based"]

#: The kinds of contractual instrument of the Scope 2 Guidance [1].
INSTRUMENT_KINDS = ("EAC", "PPA", "green_tariff", "supplier_specific")


@dataclass(frozen=True)
class ContractualInstrument:
    """An energy attribute certificate, PPA, green tariff or supplier-specific factor [1].

    ``factor`` [gCO2e/kWh]: its emission factor (0 for a renewable EAC). ``covered``: the
    energy it covers over ``period`` [energy], or a share [dimensionless, 0..1] of the energy
    it is applied to (e.g. ``1.0`` for 100 % renewable matching). ``source``: the contract or
    certificate registry.

    >>> ContractualInstrument("PPA", "0 gCO2e/kWh", "6 kWh", source="wind PPA").covered
    <Quantity(6.0, 'kilowatt_hour')>
    >>> ContractualInstrument("EAC", "0 gCO2e/kWh", 0.5, source="GoO").share
    0.5
    """

    kind: Literal["EAC", "PPA", "green_tariff", "supplier_specific"]
    factor: Any
    covered: Any
    source: str
    period: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in INSTRUMENT_KINDS:
            raise InvalidValueError("kind", self.kind,
                                    "EAC, PPA, green_tariff or supplier_specific")
        # stored as quantities of the registry, whatever was given (strings, other registries)
        object.__setattr__(self, "factor",
                           quantity(magnitude(self.factor, "gCO2e/kWh", "factor"), "gCO2e/kWh"))
        if isinstance(self.covered, (int, float)) and not isinstance(self.covered, bool):
            share = float(self.covered)
            if not 0.0 < share <= 1.0:
                raise InvalidValueError("covered", self.covered, "an energy (e.g. '6 MWh') or "
                                        "a share in (0, 1] of the energy it is applied to")
            object.__setattr__(self, "covered", quantity(share, ""))
        else:
            object.__setattr__(self, "covered",
                               quantity(magnitude(self.covered, "kWh", "covered"), "kWh"))
        if not isinstance(self.source, str) or not self.source.strip():
            raise InvalidValueError("source", self.source, "the instrument's source")
        if self.period is not None and (not isinstance(self.period, str)
                                        or not self.period.strip()):
            raise InvalidValueError("period", self.period, "the period it covers, e.g. '2026'")

    @property
    def share(self) -> float | None:
        """The share of the energy it covers [dimensionless]; None for an energy volume."""
        u = self.covered.units
        return float(self.covered.magnitude) if u == ureg.dimensionless else None

    def covers_kwh(self, kwh: float) -> float:
        """The energy [kWh] it can cover of ``kwh`` applied to it (its volume or share)."""
        s = self.share
        return kwh * s if s is not None else float(self.covered.m_as("kWh"))


@dataclass(frozen=True)
class MarketBased:
    """The market-based figure of some energy [1] (magnitudes in the units of their names)."""

    market_g: float
    covered_kwh: float
    residual_kwh: float
    #: The instruments less what this energy used of their volumes (shares stay whole).
    remaining: tuple[ContractualInstrument, ...]
    notes: tuple[str, ...]


def market_based(kwh: float, instruments: Iterable[ContractualInstrument],
                 residual_mix: Any = None) -> MarketBased:
    """``MB = sum_i min(E_i, E_left) * f_i + E_rest * f_residual`` [gCO2e] of ``kwh`` facility
    energy [kWh], instruments applied in order, the rest at ``residual_mix`` [gCO2e/kWh] [1].

    >>> ppa = ContractualInstrument("PPA", "0 gCO2e/kWh", "6 kWh", source="wind PPA")
    >>> m = market_based(10.0, [ppa], "500 gCO2e/kWh")
    >>> m.market_g, m.covered_kwh, m.remaining[0].covered.m
    (2000.0, 6.0, 0.0)
    """
    left = float(kwh)
    mb = 0.0
    notes: list[str] = []
    rest: list[ContractualInstrument] = []
    for k, inst in enumerate(instruments):
        if not isinstance(inst, ContractualInstrument):
            raise InvalidValueError(f"instruments[{k}]", type(inst).__name__,
                                    "a carbon.ContractualInstrument")
        used = min(left, inst.covers_kwh(kwh))
        mb += used * float(inst.factor.m_as("gCO2e/kWh"))
        left -= used
        notes.append(f"{inst.kind} covers {used:g} kWh ({inst.source})")
        rest.append(inst if inst.share is not None else replace(
            inst, covered=quantity(float(inst.covered.m_as("kWh")) - used, "kWh")))
    if left > 1e-12 * max(kwh, 1.0):
        if residual_mix is None:
            raise InvalidValueError("residual_mix", None,
                                    f"the residual mix for the {left:g} kWh no instrument "
                                    "covers, e.g. '520 gCO2e/kWh' (unknown is never zero)")
        mb += left * magnitude(residual_mix, "gCO2e/kWh", "residual_mix")
        notes.append(f"{left:g} kWh at the residual mix")
    else:
        left = 0.0
    return MarketBased(mb, kwh - left, left, tuple(rest), tuple(notes))
