"""ASC^e of one job as a breakdown whose parts sum to its total; JSC, ASC, JSC^e are views.

    JSC    = operational + facility overhead          (sum_s E_s * PUE_s * CI_s)
    ASC    = JSC + embodied hardware                  (+ sum_s EC_s * t_s / LT_s * u_s)
    JSC^e  = JSC + platform                           (+ R_p * t / n_concurrent)
    ASC^e  = JSC^e + embodied + products + retraining (+ sum_p EPC_p * t / (LT_p * n_par) + cf_rt/n)

The scalar path reads canonical magnitudes from validated records (no unit conversions) and
uses the same kernels as the fleet path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbon._kernels import (
    embodied_kernel,
    overhead_kernel,
    platform_kernel,
    product_by_requests_kernel,
    product_kernel,
    retraining_kernel,
)
from carbon._records import Job
from carbon._units import quantity

__all__ = ["PARTS", "Breakdown", "SystemLine", "asc_e"]

#: The parts of ASC^e, in report order.
PARTS: tuple[str, ...] = (
    "operational", "overhead", "embodied", "platform", "products", "retraining",
)


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
    uncertainty_g: float | None = None
    #: What the total leaves out, one reason each (e.g. a system whose embodied carbon is
    #: unknown); empty when the breakdown is complete.
    unknown: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """True when nothing is left out; otherwise every total is a lower bound."""
        return not self.unknown

    # views -----------------------------------------------------------------------------
    @property
    def jsc_g(self) -> float:
        return self.operational_g + self.overhead_g

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
        """JSC [gCO2e]: operational carbon including facility overhead."""
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

    @property
    def uncertainty(self) -> Any | None:
        """+- on JSC from the energy figures' uncertainties; None when one is unknown."""
        return None if self.uncertainty_g is None else quantity(self.uncertainty_g, "gCO2e")

    def parts(self) -> dict[str, Any]:
        """The six parts as quantities, in report order; they sum to ``asc_e``."""
        return {p: quantity(getattr(self, f"{p}_g"), "gCO2e") for p in PARTS}

    def __add__(self, other: Breakdown) -> Breakdown:
        u = (None if self.uncertainty_g is None or other.uncertainty_g is None
             else self.uncertainty_g + other.uncertainty_g)
        op, ov, emb, plat, prod, rt = (getattr(self, f"{p}_g") + getattr(other, f"{p}_g")
                                       for p in PARTS)
        unknown = self.unknown + tuple(r for r in other.unknown if r not in self.unknown)
        return Breakdown(op, ov, emb, plat, prod, rt, self.systems + other.systems, u, unknown)


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
    op = ov = emb = 0.0
    unc: float | None = 0.0
    lines = []
    unknown: list[str] = []
    for use in job.energy:
        sys = use.system
        fac = sys.facility
        ci = fac.intensity_gco2e_per_kwh(job.start, job.end, use.power)
        e = use.energy.magnitude
        o = e * ci
        h = overhead_kernel(e, fac.pue, ci)
        held = t if use.duration is None else use.duration.magnitude
        ec: float | None
        if sys.embodied is None:
            ec = None
            reason = f"embodied carbon of {sys.name}: {sys.embodied_unknown}"
            if reason not in unknown:
                unknown.append(reason)
        else:
            ec = embodied_kernel(sys.embodied.magnitude, held, sys.lifetime.magnitude,
                                 use.fraction)
            emb += ec
        op += o
        ov += h
        ue = None if use.uncertainty is None else use.uncertainty.magnitude
        if unc is not None:
            unc = None if ue is None else unc + ue * fac.pue * ci
        lines.append(SystemLine(sys.name, e, ue, str(use.provenance), fac.pue, ci, o, h, ec))
    plat = 0.0
    if job.platform is not None:
        plat = platform_kernel(job.platform.rate.magnitude, t, job.platform.split)
    prod = 0.0
    for p in job.products:
        if p.requests is not None:
            prod += product_by_requests_kernel(p.epc.magnitude, p.requests)
        else:
            prod += product_kernel(p.epc.magnitude, t, p.lifetime.magnitude,  # type: ignore[union-attr]
                                   p.parallel_jobs)
    rt = 0.0
    if job.retraining is not None:
        rt = retraining_kernel(job.retraining.carbon.magnitude, job.retraining.requests)
    return Breakdown(op, ov, emb, plat, prod, rt, tuple(lines), unc, tuple(unknown))
