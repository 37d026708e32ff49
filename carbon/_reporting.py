"""Sustainability reporting: inputs as the literature states them, GHG scopes, dual Scope 2,
the SCI score.

- :func:`device_energy`: ``E = n * t * P * u`` (devices x hours x power x utilisation), as a
  labelled :class:`EnergyUse` whose note carries the formula and its numbers [1].
- :func:`composed_system`: a chassis and ``n`` accelerators as one system; its embodied carbon
  adds up, and a job holding ``k`` of the accelerators is charged ``k / n`` of it
  (:func:`device_share`).
- :func:`scopes`: the breakdown by GHG Protocol scope [2] (:data:`SCOPE_OF_PART`): operational
  electricity, facility overhead and idle and infrastructure energy [6] in Scope 2; embodied
  hardware in Scope 3 category 2 (capital goods); the EPC shares of purchased models and
  datasets and the platform share in Scope 3 category 1 (purchased goods and services);
  re-training is the organisation's own electricity, Scope 2.
- :func:`scope2`: location-based and market-based Scope 2 side by side [3]: contractual
  instruments (EACs, PPAs, green tariffs; each facility's own, ``Facility.instruments``, unless
  the caller states others) cover part of the energy at their own factor, the rest is at the
  residual mix; the location-based figure is never replaced (``carbon._instruments``).
- :func:`sci`: ``SCI = ((E * I) + M) / R`` per functional unit R, location-based only, as
  ISO/IEC 21031:2024 requires [4]; the extended boundary (training amortised in) is labelled
  apart.
- The Green Algorithms estimate [5] is in ``carbon._green_algorithms``.

References
----------
[1] D. Patterson et al. (2021), "Carbon Emissions and Large Neural Network Training",
    arXiv:2104.10350 (energy from accelerator-hours x average power).
[2] WRI/WBCSD (2004), "The Greenhouse Gas Protocol: A Corporate Accounting and Reporting
    Standard", revised edition; WRI/WBCSD (2013), "Technical Guidance for Calculating Scope 3
    Emissions" (categories 1 and 2).
[3] WRI (2015), "GHG Protocol Scope 2 Guidance" (dual reporting, quality criteria, residual
    mix).
[4] ISO/IEC 21031:2024, "Information technology -- Software Carbon Intensity (SCI)
    specification" (Green Software Foundation).
[5] L. Lannelongue, J. Grealey, M. Inouye (2021), "Green Algorithms: Quantifying the Carbon
    Footprint of Computation", Advanced Science 8, 2100707, doi:10.1002/advs.202100707.
[6] A. S. Luccioni, S. Viguier, A.-L. Ligozat (2023), "Estimating the Carbon Footprint of
    BLOOM, a 176B Parameter Language Model", JMLR 24(253), arXiv:2211.02001 (idle and
    infrastructure energy as a part of its own).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from carbon._breakdown import Breakdown
from carbon._checks import positive, unit_interval
from carbon._errors import InvalidValueError
from carbon._instruments import ContractualInstrument, market_based
from carbon._records import EnergyUse, Facility, System
from carbon._units import magnitude, quantity

__all__ = [
    "SCOPE_OF_PART",
    "SCIScore",
    "Scope2",
    "composed_system",
    "device_energy",
    "device_share",
    "sci",
    "scope2",
    "scopes",
]


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(field, value, "a whole count >= 1")
    return value


def device_energy(system: System, *, devices: int, duration: Any, power: Any,
                  utilisation: float = 1.0,
                  provenance: Literal["estimated", "reported"] = "estimated",
                  source: str) -> EnergyUse:
    """The energy of ``devices`` devices held for ``duration`` at ``power`` each, at
    ``utilisation``: ``E = n * t * P * u`` [1].

    Parameters
    ----------
    system : the system the devices belong to (facility, embodied carbon).
    devices : n [dimensionless], a whole count >= 1.
    duration : t, how long each device ran [time] (GPU-hours = n * t).
    power : P, power per device [power]: a TDP or a measured average.
    utilisation : u [dimensionless] in [0, 1], the share of P drawn on average (1 at TDP).
    provenance : ``estimated`` (a TDP or stated wattage) or ``reported`` (a paper's figure).
    source : where n, t, P and u come from.

    >>> from carbon import Facility, System
    >>> fac = Facility(name="dc", pue=1.1, mix="400 gCO2e/kWh")
    >>> gpu = System(name="V100", embodied="150 kgCO2e", lifetime="3 year", facility=fac)
    >>> e = device_energy(gpu, devices=1024, duration="1 day", power="300 W", source="RoBERTa")
    >>> e.energy.to("kWh"), e.duration.to("day")
    (<Quantity(7372.8, 'kilowatt_hour')>, <Quantity(1.0, 'day')>)
    """
    n = _count(devices, "devices")
    t = positive(magnitude(duration, "s", "duration"), "duration")
    p = magnitude(power, "W", "power")
    u = float(unit_interval(utilisation, "utilisation", " (1 draws the full power)"))
    kwh = n * t * p * u / 3.6e6
    note = (f"E = n x t x P x u = {n} x {t / 3600:g} h x {p:g} W x {u:g} = {kwh:g} kWh "
            f"({n * t / 3600:g} device-hours); {source}")
    return EnergyUse(system=system, energy=quantity(kwh, "kWh"), provenance=provenance,
                     source=note, duration=quantity(t, "s"))


def composed_system(name: str, *, chassis: Any, accelerator: Any, count: int, lifetime: Any,
                    facility: Facility, use_rate: float = 1.0, source: str) -> System:
    """A server chassis and ``count`` accelerators as one system: ``EC = EC_chassis + n *
    EC_accelerator`` [gCO2e]; pair it with :func:`device_share` for a job on some of them.

    >>> from carbon import Facility
    >>> fac = Facility(name="dc", pue=1.2, mix="57 gCO2e/kWh")
    >>> node = composed_system("8 x A100 node", chassis="2500 kgCO2e", accelerator="150 kgCO2e",
    ...                        count=8, lifetime="6 year", facility=fac, use_rate=0.85,
    ...                        source="Luccioni et al. 2022")
    >>> node.embodied.to("kgCO2e")
    <Quantity(3700.0, 'kilogram_CO2e')>
    """
    n = _count(count, "count")
    c = magnitude(chassis, "gCO2e", "chassis")
    a = magnitude(accelerator, "gCO2e", "accelerator")
    return System(name=name, embodied=quantity(c + n * a, "gCO2e"), lifetime=lifetime,
                  facility=facility, use_rate=use_rate,
                  source=f"chassis {c / 1e3:g} kgCO2e + {n} x {a / 1e3:g} kgCO2e; {source}")


def device_share(used: int, count: int) -> float:
    """The share ``k / n`` [dimensionless] of a composed system a job holding ``used`` of its
    ``count`` accelerators is charged (``EnergyUse.fraction``).

    >>> device_share(2, 8)
    0.25
    """
    k, n = _count(used, "used"), _count(count, "count")
    if k > n:
        raise InvalidValueError("used", k, f"at most the system's {n} accelerators")
    return k / n


#: The GHG Protocol scope [2] of each part of a breakdown (``carbon.PARTS``).
SCOPE_OF_PART: dict[str, str] = {
    "operational": "scope 2", "overhead": "scope 2", "idle": "scope 2",
    "retraining": "scope 2", "products": "scope 3 category 1",
    "platform": "scope 3 category 1", "embodied": "scope 3 category 2",
}


def scopes(b: Breakdown) -> dict[str, Any]:
    """The breakdown's parts by GHG Protocol scope [2] [gCO2e quantities]; they sum to ASC^e.

    >>> from carbon import Facility, System, EnergyUse, Job, asc_e
    >>> fac = Facility(name="dc", pue=1.5, mix="400 gCO2e/kWh")
    >>> box = System(name="box", embodied="1000 gCO2e", lifetime="1000 h", facility=fac)
    >>> job = Job(name="j", duration="10 h",
    ...           energy=[EnergyUse(system=box, energy="1 kWh", provenance="measured")])
    >>> {k: v.m for k, v in scopes(asc_e(job)).items()}
    {'scope 2': 600.0, 'scope 3 category 1': 0.0, 'scope 3 category 2': 10.0}
    """
    out = dict.fromkeys(("scope 2", "scope 3 category 1", "scope 3 category 2"), 0.0)
    for part, scope in SCOPE_OF_PART.items():
        out[scope] += getattr(b, f"{part}_g")
    return {k: quantity(v, "gCO2e") for k, v in out.items()}


@dataclass(frozen=True)
class Scope2:
    """Scope 2 reported both ways [gCO2e quantities]: never one replacing the other."""

    location_based: Any
    market_based: Any
    covered_energy: Any
    residual_energy: Any
    notes: tuple[str, ...]
    #: Per facility name, its instruments less what this energy used of their volumes (with
    #: the facilities' own instruments; empty when the caller stated them).
    remaining: dict[str, tuple[ContractualInstrument, ...]] = field(default_factory=dict)


def scope2(b: Breakdown, *, instruments: tuple[ContractualInstrument, ...] | None = None,
           residual_mix: Any = None,
           available: Mapping[str, tuple[ContractualInstrument, ...]] | None = None) -> Scope2:
    """Location-based (the grid's average, as in the breakdown) and market-based Scope 2 of a
    job's electricity (dynamic and idle, after PUE) [3]: ``MB = sum_i min(E_i, left) * f_i +
    E_rest * f_residual`` (:func:`carbon.market_based`), instruments applied in order.

    Without ``instruments`` and ``residual_mix``, each facility's own (``Facility.instruments``,
    ``Facility.residual_mix``) apply to its energy; given, they apply to all of it. Energy left
    uncovered needs a residual mix (unknown is never zero). ``available``: per facility name,
    the instruments earlier jobs of a period left (``Scope2.remaining`` of the previous job),
    so that a volume is not claimed twice. Re-training is not in either figure
    (its electricity is the re-training job's own).

    >>> from carbon import Q_, Facility, System, EnergyUse, Job, asc_e
    >>> fac = Facility(name="dc", pue=1.0, mix="400 gCO2e/kWh")
    >>> box = System(name="box", embodied="0 gCO2e", lifetime="1 year", facility=fac)
    >>> b = asc_e(Job(name="j", duration="1 h",
    ...                energy=[EnergyUse(system=box, energy="10 kWh", provenance="measured")]))
    >>> ppa = ContractualInstrument("PPA", "0 gCO2e/kWh", "6 kWh", source="wind PPA 2026")
    >>> s = scope2(b, instruments=(ppa,), residual_mix="500 gCO2e/kWh")
    >>> s.location_based.m, s.market_based.m
    (4000.0, 2000.0)
    """
    location = b.operational_g + b.overhead_g + b.idle_g
    stated = instruments is not None or residual_mix is not None
    groups: dict[str, tuple[tuple[ContractualInstrument, ...], Any, float]] = {}
    if stated:
        groups[""] = (tuple(instruments or ()), residual_mix, b.facility_energy.m_as("kWh"))
    else:
        for line in b.systems:
            f = line.facility
            name = "" if f is None else f.name
            insts = (() if f is None else f.instruments) if available is None or \
                name not in available else available[name]
            _, _, kwh = groups.get(name, ((), None, 0.0))
            groups[name] = (insts, None if f is None else f.residual_mix,
                            kwh + line.energy_kwh * line.pue)
    mb = covered = left = 0.0
    notes: list[str] = []
    remaining: dict[str, tuple[ContractualInstrument, ...]] = {}
    for name, (insts, residual, kwh) in groups.items():
        m = market_based(kwh, insts, residual)
        mb, covered, left = mb + m.market_g, covered + m.covered_kwh, left + m.residual_kwh
        notes.extend(f"{name}: {n}" if name else n for n in m.notes)
        if not stated:
            remaining[name] = m.remaining
    return Scope2(quantity(location, "gCO2e"), quantity(mb, "gCO2e"),
                  quantity(covered, "kWh"), quantity(left, "kWh"), tuple(notes), remaining)


@dataclass(frozen=True)
class SCIScore:
    """An SCI score per functional unit [4] (``boundary`` says what it covers)."""

    score: Any
    functional_unit: str
    boundary: Literal["inference-only", "extended (training amortised in)"]

    def __str__(self) -> str:
        return f"SCI {self.score.to('gCO2e'):.4g~P} per {self.functional_unit} ({self.boundary})"


def sci(*, energy: Any, intensity: Any, embodied: Any, functional_units: float,
        unit: str, training: Any = None) -> SCIScore:
    """``SCI = ((E * I) + M) / R`` [gCO2e per functional unit] [4].

    Parameters
    ----------
    energy : E, energy of the software over the period [energy] (after PUE, as the standard
        counts data-centre energy).
    intensity : I, the location-based grid intensity [gCO2e/kWh] (market-based instruments are
        not allowed by the standard).
    embodied : M, the embodied emissions share of the hardware over the period [gCO2e].
    functional_units : R [dimensionless], how many units (requests, tokens, user-days) were
        served, > 0.
    unit : the name of the functional unit, e.g. ``"request"``.
    training : optional EPC share of the model over the period [gCO2e]: the result is then the
        *extended* boundary, labelled apart (it is not the standard's SCI).

    >>> str(sci(energy="10 kWh", intensity="400 gCO2e/kWh", embodied="1000 gCO2e",
    ...         functional_units=1000, unit="request"))
    'SCI 5 gCO2e per request (inference-only)'
    """
    if not isinstance(unit, str) or not unit.strip():
        raise InvalidValueError("unit", unit, "the functional unit's name, e.g. 'request'")
    e = magnitude(energy, "kWh", "energy")
    i = magnitude(intensity, "gCO2e/kWh", "intensity")
    m = magnitude(embodied, "gCO2e", "embodied")
    r = positive(functional_units, "functional_units")
    extra = 0.0 if training is None else magnitude(training, "gCO2e", "training")
    score = ((e * i) + m + extra) / r
    if not math.isfinite(score):
        raise InvalidValueError("sci", "inf", "inputs whose score is finite")
    return SCIScore(quantity(score, "gCO2e"), unit,
                    "inference-only" if training is None else "extended (training amortised in)")
