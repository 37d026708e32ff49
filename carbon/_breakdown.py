"""ASC^e of one job as a breakdown whose parts sum to its total; JSC, ASC, JSC^e are views.

    JSC    = operational + facility overhead + idle   (sum_s E_s * PUE_s * CI_s)
    ASC    = JSC + embodied hardware                  (+ sum_s EC_s * t_s / LT_s * u_s)
    JSC^e  = JSC + platform                           (+ R_p * t / n_concurrent)
    ASC^e  = JSC^e + embodied + products + retraining (+ sum_p EPC_p * t / (LT_p * n_par) + cf_rt/n)

Idle and infrastructure energy (``EnergyUse.role = "idle"``: the idle draw of held devices and
the facility's infrastructure while the job ran, as BLOOM's life-cycle study counts it) is a
part of its own, ``idle = sum_i E_i * PUE_i * CI_i`` over those figures, inside JSC (it is the
job's electricity, Scope 2), with an uncertainty group of its own. An idle figure adds no
embodied share: a system's time is charged once, by its dynamic figure. Where the idle figure
already includes the facility's infrastructure (BLOOM's does), give that facility a PUE of 1 so
that the overhead is not counted twice.

The scalar path reads canonical magnitudes from validated records (no unit conversions) and
uses the same kernels as the fleet path.

Uncertainty (specs/metrics.md, "Uncertainty"): first-order propagation with independent
errors, the root-sum-square of weighted absolute uncertainties (:func:`carbon.combine`). Each
part is linear in one stated input, so its uncertainty is the part's formula applied to that
input's uncertainty::

    u(jsc)       = sqrt( sum_s (u(E_s) * PUE_s * CI_s)^2 )   (operational + overhead of one
                                                              energy figure move together)
    u(idle)      = sqrt( sum_i (u(E_i) * PUE_i * CI_i)^2 )   (idle and infrastructure figures)
    u(JSC)       = sqrt( u(jsc)^2 + u(idle)^2 )
    u(embodied)  = sqrt( sum_s (u(EC_s) * t_s / LT_s * u_s)^2 )
    u(platform)  = u(R_p) * t / n_concurrent
    u(products)  = sqrt( sum_p (u(EPC_p) * t / (LT_p * n_par))^2 )   (or u(EPC_m) / N)
    u(retraining)= u(cf_rt) / n
    u(ASC^e)     = sqrt( u(JSC)^2 + u(embodied)^2 + u(platform)^2 + u(products)^2
                         + u(retraining)^2 )

PUE and grid intensity are taken as exact (no stated range). An input whose uncertainty is not
stated (an energy figure without one, embodied carbon without ``embodied_uncertainty``, a
platform rate, a product's EPC or a re-training figure without ``uncertainty``) makes the
uncertainty of every view that contains it unknown (None, with the reason in
``uncertainty_unknown``), never zero; a part that does not apply (no platform) adds nothing.
Since embodied carbon seldom has a stated range, ``uncertainty`` (ASC^e) is usually unknown
while ``jsc_uncertainty`` (from the energy figures alone) is known: both are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from carbon._errors import InvalidValueError
from carbon._kernels import (
    embodied_kernel,
    overhead_kernel,
    platform_kernel,
    product_by_requests_kernel,
    product_kernel,
    retraining_kernel,
)
from carbon._records import Job, ProductUse
from carbon._uncertainty import Uncertainty, combine
from carbon._units import quantity

__all__ = ["PARTS", "UNCERTAINTY_GROUPS", "Breakdown", "SystemLine", "asc_e"]

#: The parts of ASC^e, in report order.
PARTS: tuple[str, ...] = (
    "operational", "overhead", "idle", "embodied", "platform", "products", "retraining",
)

#: The independent sources of uncertainty of a breakdown (``jsc`` is operational + overhead,
#: whose errors come from the same energy figures and move together; ``idle`` the idle and
#: infrastructure energy).
UNCERTAINTY_GROUPS: tuple[str, ...] = ("jsc", "idle", "embodied", "platform", "products",
                                       "retraining")

_NOT_GIVEN = Uncertainty.missing("uncertainty not given to the Breakdown")
_NOTHING = Uncertainty.known(0.0)  # a part with no inputs: nothing added, nothing uncertain


@dataclass(frozen=True, slots=True)
class SystemLine:
    """One system's contribution to a job, with the provenance of its energy figure."""

    system: str
    energy_kwh: float
    uncertainty_kwh: float | None
    provenance: str
    pue: float
    intensity_gco2e_per_kwh: float
    operational_g: float
    overhead_g: float
    embodied_g: float | None  # None: the system's embodied carbon is unknown
    role: str = "dynamic"  # "idle": booked in the idle part (operational_g + overhead_g)
    facility: Any = None  # the Facility record (its instruments give market-based figures)


@dataclass(frozen=True, slots=True)
class Breakdown:
    """ASC^e of a job split into parts (magnitudes in gCO2e; properties give quantities).

    >>> from carbon import Q_, Facility, System, EnergyUse, Job
    >>> fac = Facility(name="dc", pue=1.08, mix="665.6 gCO2e/kWh")
    >>> box = System(name="box", embodied="10000 gCO2e", lifetime="3 year", facility=fac)
    >>> b = asc_e(Job(name="j", duration="5 min",
    ...                energy=[EnergyUse(system=box, energy="1 kJ", provenance="reported")]))
    >>> round(b.jsc.m, 4), round(b.asc.m, 4)
    (0.1997, 0.2314)
    """

    operational_g: float
    overhead_g: float
    embodied_g: float
    platform_g: float
    products_g: float
    retraining_g: float
    systems: tuple[SystemLine, ...] = ()
    #: What the total leaves out, one reason each (e.g. a system whose embodied carbon is
    #: unknown); empty when the breakdown is complete.
    unknown: tuple[str, ...] = ()
    #: Uncertainty of each independent group (:data:`UNCERTAINTY_GROUPS`) [gCO2e].
    jsc_u: Uncertainty = _NOT_GIVEN
    embodied_u: Uncertainty = _NOT_GIVEN
    platform_u: Uncertainty = _NOT_GIVEN
    products_u: Uncertainty = _NOT_GIVEN
    retraining_u: Uncertainty = _NOT_GIVEN
    #: Idle and infrastructure energy's carbon, after PUE [gCO2e], and its uncertainty.
    idle_g: float = 0.0
    idle_u: Uncertainty = _NOTHING

    @property
    def facility_energy(self) -> Any:
        """Energy drawn by the facility, after PUE: ``sum_s E_s * PUE_s`` [kWh quantity]."""
        return quantity(sum(s.energy_kwh * s.pue for s in self.systems), "kWh")

    @property
    def it_energy(self) -> Any:
        """Energy at the systems (before PUE): ``sum_s E_s`` [kWh quantity]."""
        return quantity(sum(s.energy_kwh for s in self.systems), "kWh")

    @property
    def idle_energy(self) -> Any:
        """Idle and infrastructure energy after PUE [kWh quantity] (inside ``facility_energy``)."""
        return quantity(sum(s.energy_kwh * s.pue for s in self.systems if s.role == "idle"),
                        "kWh")

    @property
    def complete(self) -> bool:
        """True when nothing is left out; otherwise every total is a lower bound."""
        return not self.unknown

    # views -----------------------------------------------------------------------------
    @property
    def jsc_g(self) -> float:
        return self.operational_g + self.overhead_g + self.idle_g

    @property
    def asc_g(self) -> float:
        return self.jsc_g + self.embodied_g

    @property
    def jsc_e_g(self) -> float:
        return self.jsc_g + self.platform_g

    @property
    def asc_e_g(self) -> float:
        return (self.jsc_g + self.platform_g + self.embodied_g + self.products_g
                + self.retraining_g)

    @property
    def jsc(self) -> Any:
        """JSC [gCO2e]: operational carbon including facility overhead and idle energy."""
        return quantity(self.jsc_g, "gCO2e")

    @property
    def asc(self) -> Any:
        """ASC [gCO2e]: JSC plus embodied hardware."""
        return quantity(self.asc_g, "gCO2e")

    @property
    def jsc_e(self) -> Any:
        """JSC^e [gCO2e]: JSC plus the platform tax."""
        return quantity(self.jsc_e_g, "gCO2e")

    @property
    def asc_e(self) -> Any:
        """ASC^e [gCO2e]: everything (the total)."""
        return quantity(self.asc_e_g, "gCO2e")

    total = asc_e

    # uncertainty -----------------------------------------------------------------------
    def uncertainty_of(self, view: str = "asc_e") -> Uncertainty:
        """The uncertainty of a view (``jsc``, ``asc``, ``jsc_e``, ``asc_e``): the
        root-sum-square of its groups' (module docstring), unknown with reasons when one is."""
        groups = {"jsc": ("jsc", "idle"), "asc": ("jsc", "idle", "embodied"),
                  "jsc_e": ("jsc", "idle", "platform"), "asc_e": UNCERTAINTY_GROUPS}[view]
        return combine(getattr(self, f"{g}_u") for g in groups)

    @property
    def uncertainty_g(self) -> float | None:
        """+- on ASC^e [gCO2e]; None when one input's uncertainty is unknown."""
        return self.uncertainty_of("asc_e").g

    @property
    def uncertainty(self) -> Any | None:
        """+- on ASC^e (the total) [gCO2e quantity]; None when unknown (see
        ``uncertainty_unknown``). Usually unknown: embodied carbon seldom has a range."""
        return self.uncertainty_of("asc_e").quantity

    @property
    def uncertainty_unknown(self) -> tuple[str, ...]:
        """Why ``uncertainty`` is unknown, one reason per input; empty when known."""
        return self.uncertainty_of("asc_e").unknown

    @property
    def jsc_uncertainty_g(self) -> float | None:
        """+- on JSC [gCO2e] from the energy figures alone; None when one is unknown."""
        return self.uncertainty_of("jsc").g

    @property
    def jsc_uncertainty(self) -> Any | None:
        """+- on JSC [gCO2e quantity] from the energy figures alone; None when unknown."""
        return self.uncertainty_of("jsc").quantity

    @property
    def asc_uncertainty(self) -> Any | None:
        """+- on ASC (JSC + embodied) [gCO2e quantity]; None when unknown."""
        return self.uncertainty_of("asc").quantity

    def parts(self) -> dict[str, Any]:
        """The seven parts (:data:`PARTS`) as quantities, in report order; they sum to
        ``asc_e``."""
        return {p: quantity(getattr(self, f"{p}_g"), "gCO2e") for p in PARTS}

    def __add__(self, other: Breakdown) -> Breakdown:
        """Two jobs together: parts add; each group's uncertainty is the root-sum-square of
        the two (the jobs' errors taken as independent)."""
        op, ov, idle, emb, plat, prod, rt = (
            getattr(self, f"{p}_g") + getattr(other, f"{p}_g") for p in PARTS)
        unknown = self.unknown + tuple(r for r in other.unknown if r not in self.unknown)
        u_jsc, u_idle, u_emb, u_plat, u_prod, u_rt = (
            combine([getattr(self, f"{g}_u"), getattr(other, f"{g}_u")])
            for g in UNCERTAINTY_GROUPS)
        return Breakdown(op, ov, emb, plat, prod, rt, self.systems + other.systems, unknown,
                         u_jsc, u_emb, u_plat, u_prod, u_rt, idle_g=idle, idle_u=u_idle)


def asc_e(job: Job) -> Breakdown:
    """Expanded amortised cost ASC^e of a job, as a :class:`Breakdown` (specs/metrics.md).

    ``ASC^e(j) = JSC^e(j) + sum_s ec_s(j) + sum_p EPC(p) * t / (LT_p * n_par(p)) + cf_rt / n``

    Energies come from the job's ``EnergyUse`` rows (their PUE and intensity from each
    system's facility, over the job's window for hourly series); ``t`` is the job's duration
    (or the time an ``EnergyUse`` held its system).

    >>> from carbon import Q_, Facility, System, EnergyUse, Job, PlatformUse
    >>> fac = Facility(name="dc", pue=1.0, mix="400 gCO2e/kWh")
    >>> box = System(name="box", embodied="0 gCO2e", lifetime="1 year", facility=fac)
    >>> job = Job(name="j", duration="5 min",
    ...           energy=[EnergyUse(system=box, energy="1 kWh", provenance="measured")],
    ...           platform=PlatformUse(name="k8s", rate="50 gCO2e/min", concurrent_jobs=10))
    >>> asc_e(job).platform_g, asc_e(job).asc_e_g
    (25.0, 425.0)
    """
    t = job.duration.magnitude  # type: ignore[union-attr]
    op = ov = emb = idle = 0.0
    lines = []
    unknown: list[str] = []
    u_jsc: list[Uncertainty] = []
    u_idle: list[Uncertainty] = []
    u_emb: list[Uncertainty] = []
    for use in job.energy:
        sys = use.system
        fac = sys.facility
        ci = fac.intensity_gco2e_per_kwh(job.start, job.end, use.power)
        e = use.energy.magnitude
        o = e * ci
        h = overhead_kernel(e, fac.pue, ci)
        held = t if use.duration is None else use.duration.magnitude
        is_idle = use.role == "idle"
        ec: float | None
        if is_idle:  # the system's time is charged once, by its dynamic figure
            ec = 0.0
        elif sys.embodied is None:
            ec = None
            reason = f"embodied carbon of {sys.name}: {sys.embodied_unknown}"
            if reason not in unknown:
                unknown.append(reason)
            u_emb.append(Uncertainty.missing(f"embodied carbon of {sys.name}: unknown"))
        else:
            working = sys.lifetime.magnitude * sys.use_rate  # in-use part of the lifetime
            ec = embodied_kernel(sys.embodied.magnitude, held, working, use.fraction)
            emb += ec
            u_emb.append(
                Uncertainty.missing(f"embodied carbon of {sys.name}: no stated uncertainty")
                if sys.embodied_uncertainty is None else Uncertainty.known(embodied_kernel(
                    sys.embodied_uncertainty.magnitude, held, working, use.fraction)))
        if is_idle:
            idle += o + h
        else:
            op += o
            ov += h
        ue = None if use.uncertainty is None else use.uncertainty.magnitude
        (u_idle if is_idle else u_jsc).append(Uncertainty.missing(
            f"{use.role} energy on {sys.name} ({use.provenance}): no stated uncertainty")
            if ue is None else Uncertainty.known(ue * fac.pue * ci))
        lines.append(SystemLine(sys.name, e, ue, str(use.provenance), fac.pue, ci, o, h, ec,
                                str(use.role), fac))
    plat = 0.0
    u_plat = Uncertainty.known(0.0)
    if job.platform is not None:
        pf = job.platform
        plat = platform_kernel(pf.rate.magnitude, t, pf.split)
        u_plat = (Uncertainty.missing(f"platform rate of {pf.name}: no stated uncertainty")
                  if pf.uncertainty is None else
                  Uncertainty.known(platform_kernel(pf.uncertainty.magnitude, t, pf.split)))
    prod = 0.0
    u_prod: list[Uncertainty] = []
    for p in job.products:
        def share(epc_g: float, p: ProductUse = p) -> float:
            if p.requests is not None:
                return float(product_by_requests_kernel(epc_g, p.requests))
            return float(product_kernel(epc_g, t, p.lifetime.magnitude,  # type: ignore[union-attr]
                                        p.parallel_jobs))
        prod += share(p.epc.magnitude)
        u_prod.append(Uncertainty.missing(f"EPC of {p.name}: no stated uncertainty")
                      if p.uncertainty is None
                      else Uncertainty.known(share(p.uncertainty.magnitude)))
    rt = 0.0
    u_rt = Uncertainty.known(0.0)
    if job.retraining is not None:
        r = job.retraining
        rt = retraining_kernel(r.carbon.magnitude, r.requests)
        u_rt = (Uncertainty.missing("re-training carbon: no stated uncertainty")
                if r.uncertainty is None else
                Uncertainty.known(retraining_kernel(r.uncertainty.magnitude, r.requests)))
    for part, grams in zip(PARTS, (op, ov, idle, emb, plat, prod, rt), strict=True):
        if not math.isfinite(grams):  # inputs near the float limit: an error, never inf
            raise InvalidValueError(f"{job.name}: {part}", "inf", "inputs whose carbon is "
                                    "a finite amount (the result overflowed float64: check "
                                    "the units)")
    return Breakdown(op, ov, emb, plat, prod, rt, tuple(lines), tuple(unknown),
                     combine(u_jsc), combine(u_emb), u_plat, combine(u_prod), u_rt,
                     idle_g=idle, idle_u=combine(u_idle))
