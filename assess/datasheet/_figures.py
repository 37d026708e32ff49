"""From jobs to datasheet figures: each job's ASC^e with provenance, the assumptions behind
it, the per-request ASC^e with its parts, and the cost curve with a break-even.

The figures are display records (:mod:`assess.datasheet._model`); the arithmetic behind the
cost curve and the break-even is lineage's (``lineage.cost_curve``, ``lineage.break_even``),
the per-request parts carbon's (``carbon.asc_e``).

Uncertainty here is carbon's (``carbon.asc_e`` breakdown: first-order propagation with
independent errors, root-sum-square of weighted absolute uncertainties, specs/metrics.md
"Uncertainty"): the energy figures' through PUE and grid intensity, and embodied hardware,
platform rates, product EPCs and re-training where their inputs state one. An input without a
stated uncertainty makes each figure containing it ``uncertainty=None`` with the reason in
``uncertainty_unknown``, never zero.

>>> from carbon import Q_, EnergyUse, Facility, Job, System
>>> fac = Facility(name="dc", pue=1.5, mix="400 gCO2e/kWh")
>>> box = System(name="box", embodied="1000 kgCO2e", lifetime="4 year", facility=fac)
>>> req = Job(name="request", duration="50 ms", energy=[EnergyUse(
...     system=box, energy="10 J", provenance="measured", uncertainty="1 J")])
>>> pr = per_request_section(req, epc=CarbonFigure(value="1 tCO2e", provenance="reported"),
...                          lifetime_requests=1e9)
>>> round(pr.parts["operational"].g, 6), round(pr.parts["products"].g, 6)
(0.001111, 0.001)
>>> pr.inference_only.g < pr.total.g
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from assess.datasheet._format import USER_INPUT, fmt_carbon, fmt_count, fmt_num
from assess.datasheet._model import (
    SOURCE_SEP,
    Assumption,
    BreakEven,
    CarbonFigure,
    CostCurve,
    CurvePoint,
    PerRequestFigure,
    ProvenanceLabel,
)
from carbon import (
    PARTS,
    Q_,
    InvalidValueError,
    Job,
    ProductUse,
    Uncertainty,
    asc_e,
    combine,
    magnitude,
    product_share_by_requests,
    quantity,
)
from lineage import break_even, cost_curve

__all__ = [
    "EXTENDED_BOUNDARY",
    "INFERENCE_ONLY_PARTS",
    "assumptions_of_jobs",
    "break_even_figure",
    "cost_curve_figure",
    "figure_of_job",
    "per_request_section",
]

#: Parts inside the inference-only boundary (the request's own hardware and electricity).
INFERENCE_ONLY_PARTS = ("operational", "overhead", "embodied")

#: How the extended boundary is labelled on every datasheet.
EXTENDED_BOUNDARY = (
    "Extended boundary (ASC^e): the inference-only figure (operational energy, facility "
    "overhead, embodied hardware) plus the serving platform's overhead, the model's inherited "
    "EPC share and re-training."
)


def _label(labels: Iterable[str]) -> ProvenanceLabel:
    found = sorted(set(labels))
    if len(found) == 1:
        return found[0]  # type: ignore[return-value]
    return "mixed"


def _sources(job: Job) -> str | None:
    found = sorted({u.source for u in job.energy if u.source})
    return SOURCE_SEP.join(found) if found else None


def figure_of_job(job: Job) -> CarbonFigure:
    """ASC^e of one job as a figure labelled by how its energy was obtained.

    The uncertainty is the breakdown's (``Breakdown.uncertainty_of()``, ASC^e); None with
    the reason when one input (an energy figure, embodied carbon...) has none stated.
    """
    b = asc_e(job)
    split: dict[str, float] = {}
    for line in b.systems:
        g = line.operational_g + line.overhead_g
        split[line.provenance] = split.get(line.provenance, 0.0) + g
    return CarbonFigure(
        value=b.asc_e, provenance=_label(line.provenance for line in b.systems),
        source=_sources(job),
        by_provenance={k: quantity(v, "gCO2e") for k, v in sorted(split.items())}
        if len(split) > 1 else {},
    ).with_uncertainty(b.uncertainty_of())


def assumptions_of_jobs(jobs: Iterable[Job]) -> list[Assumption]:
    """The stated inputs behind a set of jobs, one line each, deduplicated and sorted.

    Facilities give PUE and grid intensity (with source and year); systems give embodied
    carbon and lifetime (with source); platforms their overhead rate; products their EPC basis.
    """
    seen: dict[tuple[str, str], Assumption] = {}

    def add(a: Assumption) -> None:
        seen.setdefault((a.name, a.value), a)

    for job in jobs:
        for use in job.energy:
            s = use.system
            f = s.facility
            add(Assumption(name=f"PUE of {f.name}", value=fmt_num(f.pue, 4),
                           source=USER_INPUT))  # carbon takes no default PUE
            mix = f.mix
            year = getattr(mix, "year", None)
            ci = getattr(mix, "gco2e_per_kwh", None)
            value = (f"{fmt_num(ci, 4)} gCO2e/kWh" if ci is not None
                     else "hourly series (charged over each job's window)")
            add(Assumption(name=f"grid intensity at {f.name}", value=value,
                           source=getattr(mix, "source", None), year=year))
            life_years = s.lifetime.m_as("year")
            if s.embodied is None:
                add(Assumption(name=f"embodied carbon of {s.name}",
                               value=f"unknown ({s.embodied_unknown}): totals are lower bounds",
                               source=s.source))
            else:
                add(Assumption(name=f"embodied carbon of {s.name}",
                               value=fmt_carbon(s.embodied), source=s.source))
            add(Assumption(name=f"lifetime of {s.name}", value=f"{fmt_num(life_years)} year",
                           source=s.source))
        if job.platform is not None:
            p = job.platform
            add(Assumption(name=f"platform overhead of {p.name}",
                           value=f"{fmt_carbon(p.rate * Q_(1, 'day'))} per day, "
                                 f"split {fmt_num(p.split, 4)}"))
        for prod in job.products:
            basis = (f"over {fmt_count(prod.requests)} requests" if prod.requests is not None
                     else f"over {fmt_num(prod.lifetime.m_as('year'))} year")  # type: ignore[union-attr]
            add(Assumption(name=f"EPC share of {prod.name}",
                           value=f"{fmt_carbon(prod.epc)} {basis}"))
        if job.retraining is not None:
            rt = job.retraining
            add(Assumption(name="re-training carbon per interval",
                           value=f"{fmt_carbon(rt.carbon)} over {fmt_count(rt.requests)} requests"))
    return sorted(seen.values(), key=lambda a: (a.name, a.value))


def per_request_section(
    request: Job,
    *,
    epc: CarbonFigure | None,
    lifetime_requests: float | None = None,
    lifetime: Any | None = None,
    parallel_jobs: float = 1.0,
    model_name: str = "the model",
    alternative: tuple[str, CarbonFigure, Any] | None = None,
    curve_range: tuple[float, float] | None = None,
) -> PerRequestFigure:
    """Per-request ASC^e of ``request`` (one inference request) with the model's EPC share.

    ``ASC^e(r) = JSC^e(r) + ec(r) + EPC(m) / N_lifetime + cf_rt / n`` (by requests) or
    ``... + EPC(m) * t / (LT_m * n_par)`` (by time, when ``lifetime`` is given instead).

    Parameters
    ----------
    request : one inference request as a ``carbon.Job`` (energy per system, duration,
        platform and re-training as they apply).
    epc : the model's EPC figure; None when the model has no EPC to share.
    lifetime_requests : expected lifetime requests N (share by requests), or
    lifetime : deployment lifetime [time quantity] (share by time, with ``parallel_jobs``).
    alternative : (name, EPC figure, per-request carbon without EPC share [gCO2e quantity])
        of an alternative lineage for the break-even.
    """
    if epc is not None and (lifetime_requests is None) == (lifetime is None):
        raise InvalidValueError(
            "lifetime_requests", lifetime_requests,
            "exactly one of lifetime_requests (share EPC by requests) or lifetime (by time)")
    products = list(request.products)
    if epc is not None:
        products.append(ProductUse(name=model_name, epc=epc.value, requests=lifetime_requests,
                                   lifetime=lifetime, parallel_jobs=parallel_jobs,
                                   uncertainty=epc.uncertainty))
    job = request.model_copy(update={"products": products})
    b = asc_e(job)
    b_own = asc_e(request.model_copy(update={"products": []}))
    energy_label = _label(line.provenance for line in b.systems)
    energy_source = _sources(request)
    parts: dict[str, CarbonFigure] = {}
    share_factor = 0.0 if epc is None else (b.products_g - b_own.products_g) / max(epc.g, 1e-300)
    for part in PARTS:
        g = getattr(b, f"{part}_g")
        if part in ("operational", "overhead", "idle"):
            parts[part] = CarbonFigure(value=quantity(g, "gCO2e"), provenance=energy_label,
                                       source=energy_source).with_uncertainty(
                                           b.idle_u if part == "idle" else
                                           _energy_part_uncertainty(b, part))
        elif part == "products" and epc is not None:
            share = epc.scaled(share_factor)
            own = b_own.products_g
            parts[part] = share if own == 0 else CarbonFigure.sum(
                [share, CarbonFigure(value=quantity(own, "gCO2e"), provenance="reported",
                                     source="stated product EPC").with_uncertainty(
                                         b_own.products_u)])
        else:
            src = {"embodied": SOURCE_SEP.join(sorted({u.system.source or u.system.name
                                                  for u in request.energy})),
                   "platform": request.platform.name if request.platform else None,
                   "retraining": "stated re-training carbon" if request.retraining else None,
                   "products": "stated product EPC" if request.products else None}[part]
            parts[part] = CarbonFigure(value=quantity(g, "gCO2e"), provenance="reported",
                                       source=src).with_uncertainty(getattr(b, f"{part}_u"))
    inference = CarbonFigure.sum([parts[p] for p in INFERENCE_ONLY_PARTS])
    inference = inference.with_uncertainty(b.uncertainty_of("asc"))
    total = CarbonFigure.sum(parts.values()).with_uncertainty(b.uncertainty_of())
    basis = ("no EPC to share" if epc is None else
             f"EPC shared over {fmt_count(lifetime_requests)} lifetime requests"
             if lifetime_requests is not None else
             f"EPC shared over a {fmt_num(lifetime.m_as('year'))}-year lifetime with "  # type: ignore[union-attr]
             f"{fmt_num(parallel_jobs)} parallel requests")
    energy = quantity(sum(u.energy.m_as("kWh") for u in request.energy), "kWh")
    curve = None
    if epc is not None:
        rest_g = b.asc_e_g - (b.products_g - b_own.products_g)
        lo, hi = curve_range or _default_range(lifetime_requests)
        be = None if alternative is None else break_even_figure(
            epc, rest_g, alternative[0], alternative[1], alternative[2])
        curve = cost_curve_figure(epc.g, rest_g, lo, hi, break_even_=be)
    return PerRequestFigure(parts=parts, total=total, inference_only=inference,
                      boundary=EXTENDED_BOUNDARY, basis=basis,
                      lifetime_requests=lifetime_requests, energy=energy, curve=curve)


def _energy_part_uncertainty(b: Any, part: str) -> Uncertainty:
    """u of the operational (``E * CI``) or overhead (``E * (PUE - 1) * CI``) part alone:
    root-sum-square over the systems of ``u(E_s)`` times the part's factor."""
    lines = b.systems
    if b.jsc_u.g is None:  # one energy figure without an uncertainty
        return b.jsc_u  # type: ignore[no-any-return]
    def factor(x: Any) -> float:
        ci = float(x.intensity_gco2e_per_kwh)
        return ci if part == "operational" else (x.pue - 1.0) * ci

    return combine(Uncertainty.known(x.uncertainty_kwh * factor(x)) for x in lines
                   if x.role != "idle")  # idle lines are the idle part's (b.idle_u)


def _default_range(lifetime_requests: float | None) -> tuple[float, float]:
    centre = lifetime_requests or 1e8
    exp = math.floor(math.log10(centre))
    return 10.0 ** (exp - 4), 10.0 ** (exp + 3)


def cost_curve_figure(epc_g: float, rest_g: float, lo: float, hi: float, *, points: int = 36,
                      break_even_: BreakEven | None = None) -> CostCurve:
    """The cost curve ``rest + EPC / N`` (``lineage.cost_curve``) at ``points`` log-spaced N
    in [lo, hi], as display points.

    ``epc_g`` and ``rest_g`` are magnitudes [gCO2e]; ``rest`` is everything the request costs
    but the model's EPC share, which each point shows apart (``EPC / N``,
    ``carbon.product_share_by_requests``).
    """
    if not (0 < lo < hi and math.isfinite(hi)):
        raise InvalidValueError("curve_range", (lo, hi), "0 < low < high, finite")
    step = (math.log10(hi) - math.log10(lo)) / (points - 1)
    volumes = [10.0 ** (math.log10(lo) + i * step) for i in range(points)]
    epc, rest = quantity(epc_g, "gCO2e"), quantity(rest_g, "gCO2e")
    per_request = cost_curve(epc, rest, volumes).m_as("gCO2e").tolist()
    share = product_share_by_requests(epc, requests=np.asarray(volumes)).m_as("gCO2e").tolist()
    pts = [CurvePoint(requests=n, per_request=quantity(c, "gCO2e"),
                      epc_share=quantity(e, "gCO2e"), operational=rest)
           for n, c, e in zip(volumes, per_request, share, strict=True)]
    return CostCurve(points=pts, break_even=break_even_)


def break_even_figure(epc: CarbonFigure, rest_g: float, name: str, alt_epc: CarbonFigure,
                      alt_per_request: Any) -> BreakEven:
    """Where this lineage and an alternative cost the same, as a display record.

    ``N*`` is ``lineage.break_even`` of (this EPC, ``rest_g`` [gCO2e]) and (the alternative's
    EPC, its per-request carbon without an EPC share [gCO2e quantity]): where
    ``EPC + N * c = EPC_alt + N * c_alt``. None when the lines do not cross at N > 0 (one
    lineage is cheaper at every volume, which the explanation says).
    """
    alt_c = float(magnitude(alt_per_request, "gCO2e", "alt_per_request"))
    rest = quantity(rest_g, "gCO2e")
    alt_rate = quantity(alt_c, "gCO2e")
    n = break_even(epc.value, rest, alt_epc.value, alt_rate)
    d_epc = alt_epc.g - epc.g
    d_c = rest_g - alt_c
    if n is None:
        # the costs never cross at N > 0: the one cheaper at one volume is cheaper at all
        here, there = (float(cost_curve(f, c, 1.0).m_as("gCO2e"))
                       for f, c in ((epc.value, rest), (alt_epc.value, alt_rate)))
        cheaper = "this lineage" if here <= there else name
        text = (f"No break-even: {cheaper} costs less at every request volume "
                f"(EPC difference {fmt_carbon(quantity(d_epc, 'gCO2e'))}, per-request "
                f"difference {fmt_carbon(quantity(d_c, 'gCO2e'))}).")
    else:
        first = "this lineage" if d_epc > 0 else name
        other = name if first == "this lineage" else "this lineage"
        text = (f"Below {fmt_count(n)} lifetime requests {first} costs less; above it "
                f"{other} does.")
    return BreakEven(alternative=name, alternative_epc=alt_epc.value,
                     alternative_per_request=alt_rate, requests=n, explanation=text)
