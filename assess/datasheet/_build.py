"""Build a :class:`Datasheet` for one product of a provenance graph, from the numbers alone.

Every figure is computed here from the graph's jobs (``carbon.asc_e`` of each ``carbon.Job``,
or a ``ReportedCarbon`` as given) and the graph's EPC roll-up; nothing is typed in. The
builder checks that its own sum of the jobs equals the graph's EPC (a wiring check), labels
each figure with its provenance, and lists the assumptions behind them.

>>> from lineage import ProvenanceGraph, ReportedCarbon
>>> g = ProvenanceGraph()
>>> g.add_model("base", name="base model")
>>> g.add_model("small", name="small model", lifetime="2 year")
>>> g.derive("small", "base", "distilled_from", share=0.5)
>>> _ = g.add_job("base", ReportedCarbon(carbon="100 kgCO2e", source="paper"), phase="training")
>>> _ = g.add_job("small", ReportedCarbon(carbon="2 kgCO2e", source="log"),
...               phase="distillation")
>>> ds = build_datasheet(g, "small")
>>> ds.epc.total.value.to("kgCO2e"), [a.name for a in ds.epc.by_ancestor]
(<Quantity(52.0, 'kilogram_CO2e')>, ['small model (own jobs)', 'base model'])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import networkx as nx

from assess.datasheet._figures import (
    assumptions_of_jobs,
    figure_of_job,
    per_request_section,
)
from assess.datasheet._format import USER_INPUT, fmt_carbon, fmt_count, fmt_num
from assess.datasheet._model import (
    AdviceLine,
    AncestorShare,
    Assumption,
    CarbonFigure,
    CompressionLine,
    Conservation,
    Datasheet,
    EpcSection,
    Identity,
    JobLine,
    LineageEdge,
    LineageNode,
    LineageSection,
    PerRequestFigure,
    PhaseShare,
)
from assess.datasheet._serving import GenerationSection
from carbon import InvalidValueError, Job, asc_e, quantity, root_sum_square

__all__ = [
    "GENERATOR",
    "Alternative",
    "advice_lines",
    "alternative_from_graph",
    "build_datasheet",
    "compression_lines",
    "figure_of_record",
]

#: Name and version written into every datasheet.
GENERATOR = "modelcarbon 0.1.0"

_UNCERTAINTY_NOTE = (
    "Uncertainties (±) are first-order, with independent errors: the root-sum-square of each "
    "input's stated uncertainty times its weight (energy figures through PUE and grid "
    "intensity, embodied hardware, platform rates, reported totals, ancestors' shares). PUE and "
    "grid intensity are taken as exact; an input without a stated uncertainty (embodied "
    "hardware seldom has one) makes every figure containing it show 'uncertainty unknown', "
    "never zero."
)


@dataclass(frozen=True)
class Alternative:
    """An alternative lineage for the break-even: its EPC and its per-request cost without
    the EPC share (both carbon quantities)."""

    name: str
    epc: CarbonFigure
    per_request: Any


def figure_of_record(record: Any) -> CarbonFigure:
    """The ASC^e figure of a job record: a ``carbon.Job`` or a ``lineage.ReportedCarbon``."""
    if isinstance(record, Job):
        return figure_of_job(record)
    return CarbonFigure(value=record.carbon, provenance=str(record.provenance),
                        source=record.source, uncertainty=record.uncertainty)


def _node(graph: Any, pid: str) -> dict[str, Any]:
    return dict(graph.nx.nodes[pid]) if pid in graph.nx else {}


def _lineage(graph: Any, product: str, epc: Any) -> tuple[LineageSection, list[str]]:
    g: nx.DiGraph = graph.nx
    ancestors = nx.ancestors(g, product)
    # depth = the longest path down to the product, so every parent sits above its children
    sub = g.subgraph({product, *ancestors})
    depth: dict[str, int] = {product: 0}
    for node in reversed(list(nx.topological_sort(sub))):
        for parent in sub.predecessors(node):
            depth[parent] = max(depth.get(parent, 0), depth.get(node, 0) + 1)
    me = _node(graph, product)
    nodes = [LineageNode(id=product, name=str(me.get("name", product)),
                         kind=str(me.get("kind", "model")), depth=0, hub_id=me.get("hub_id"))]
    for a in sorted(ancestors, key=lambda x: (depth.get(x, 0), x)):
        attrs = _node(graph, a)
        nodes.append(LineageNode(id=a, name=str(attrs.get("name", a)),
                                 kind=str(attrs.get("kind", "not declared")),
                                 depth=depth.get(a, 1), hub_id=attrs.get("hub_id")))
    inside = {product, *ancestors}
    edges = []
    for d in graph.edges():
        if d["child"] in inside and d["parent"] in inside:
            edges.append(LineageEdge(child=d["child"], parent=d["parent"], kind=d["kind"],
                                     share=graph.weight(d["child"], d["parent"]),
                                     policy=d.get("policy")))
    policies = sorted({e.policy for e in edges if e.policy})
    policy = None if not policies else policies[0] if len(policies) == 1 else (
        "mixed: " + ", ".join(policies))
    violations = [f"{_node(graph, p).get('name', p)} -> {_node(graph, c).get('name', c)}: "
                  "'full' allocation (double counts)" for p, c in epc.double_counted]
    conserving = bool(epc.conserving)
    message = ("every parent's out-shares sum to at most 1: no gram is counted twice"
               if conserving else
               "a 'full' allocation gives a parent's whole EPC to more than one child: the EPC "
               "is an upper bound that double-counts")
    notes = []
    if epc.unknown:
        names = ", ".join(str(_node(graph, u).get("name", u)) for u in epc.unknown)
        notes.append(f"No job is recorded for {names}: their cost is unknown (not zero), so "
                     "the EPC is a lower bound.")
    return (LineageSection(nodes=nodes, edges=edges, policy=policy,
                           conservation=Conservation(conserving=conserving, message=message,
                                                     violations=violations)), notes)


def _records_of(graph: Any, pid: str) -> list[Any]:
    return [e for e in graph.jobs(pid) if e.phase != "retraining"]


def build_datasheet(
    graph: Any,
    product: str,
    *,
    request: Job | None = None,
    lifetime_requests: float | None = None,
    parallel_requests: float = 1.0,
    alternative: Alternative | None = None,
    compression: Sequence[Any] = (),
    advice: Sequence[Any] = (),
    generated_at: datetime | None = None,
    notes: Iterable[str] = (),
    generation: GenerationSection | None = None,
) -> Datasheet:
    """The datasheet of ``product`` in ``graph`` (a ``lineage.ProvenanceGraph``).

    Parameters
    ----------
    request : one inference request of the model as a ``carbon.Job`` (energy per system,
        duration, serving platform, re-training); without it the datasheet says why there is
        no per-request figure.
    lifetime_requests : expected lifetime requests N: the EPC is shared as ``EPC / N``;
        otherwise by the model's deployment lifetime (``EPC * t / (LT * parallel_requests)``).
    alternative : another lineage for the break-even (see :func:`alternative_from_graph`).
    compression : ``compress.CompressionResult`` objects; those whose parent or child is
        ``product`` are shown.
    advice : ``assess.Advice`` objects to show (technique, score, verdict, explanation).
    generation : the generation section (energy and carbon per 1,000 tokens by batch size,
        :func:`assess.datasheet.generation_section` of a ``measure.serving_sweep``).
    """
    attrs = graph.product(product)
    kind = str(attrs["kind"])
    epc = graph.epc(product)
    lineage, lineage_notes = _lineage(graph, product, epc)
    names = {n.id: n.name for n in lineage.nodes}

    # jobs of the product and of every ancestor carried with a weight > 0
    weights = {product: 1.0, **{a: w for a, w in epc.weights.items() if w > 0}}
    job_lines: list[JobLine] = []
    scaled: list[CarbonFigure] = []
    by_phase: dict[str, list[CarbonFigure]] = {}
    by_product: dict[str, list[CarbonFigure]] = {}
    records: list[Job] = []
    for pid, w in weights.items():
        for entry in _records_of(graph, pid):
            f = figure_of_record(entry.record)
            rec = entry.record
            energy = unc = None
            systems: list[str] = []
            duration = None
            if isinstance(rec, Job):
                records.append(rec)
                energy = quantity(sum(u.energy.m_as("kWh") for u in rec.energy), "kWh")
                if all(u.uncertainty is not None for u in rec.energy):
                    unc = quantity(root_sum_square(u.uncertainty.m_as("kWh")  # type: ignore[union-attr]
                                                   for u in rec.energy), "kWh")
                systems = sorted(u.system.name for u in rec.energy)  # one per system used
                duration = f"{fmt_num(rec.duration.m_as('s'))} s"  # type: ignore[union-attr]
            name = getattr(rec, "name", None) or entry.id
            job_lines.append(JobLine(product=pid, name=str(name), phase=entry.phase, carbon=f,
                                     energy=energy, energy_uncertainty=unc, duration=duration,
                                     systems=systems))
            s = f.scaled(w)
            scaled.append(s)
            by_phase.setdefault(entry.phase, []).append(s)
            by_product.setdefault(pid, []).append(s)

    if scaled:
        # values from the jobs (a wiring check); the uncertainty is lineage's, which also
        # knows products of the boundary without a job (their uncertainty is unknown too)
        total = CarbonFigure.sum(scaled).with_uncertainty(epc.total_u)
        if abs(total.g - epc.total_g) > 1e-9 * max(abs(epc.total_g), 1.0):
            raise InvalidValueError(
                "epc", f"{total.g} g from the jobs vs {epc.total_g} g from the graph",
                "the same EPC from the jobs and from the graph's roll-up (a wiring bug)")
    else:
        total = CarbonFigure(value=quantity(0.0, "gCO2e"), provenance="unknown",
                             source="no job recorded in the lineage: unknown (not zero)")
    own_figs = by_product.get(product, [])
    own = CarbonFigure.sum(own_figs) if own_figs else None
    ancestors = []
    for pid, figs in by_product.items():
        label = f"{names.get(pid, pid)} (own jobs)" if pid == product else names.get(pid, pid)
        ancestors.append(AncestorShare(id=pid, name=label, share=weights[pid],
                                       carbon=CarbonFigure.sum(figs)))
    phases = [PhaseShare(phase=p, carbon=CarbonFigure.sum(f)) for p, f in by_phase.items()]
    phases.sort(key=lambda p: -p.carbon.g)

    # per request
    per_request: PerRequestFigure | None = None
    missing: str | None = None
    lifetime = attrs.get("lifetime")
    if kind != "model":
        missing = f"a {kind} serves no inference requests; its EPC reaches requests through " \
                  "the models made from it"
    elif request is None:
        missing = ("no inference request was measured or stated for this model, so the "
                   "per-request ASC^e is unknown")
    elif not scaled:
        missing = ("no job is recorded in the model's lineage, so its EPC and the share each "
                   "request carries are unknown")
    elif lifetime_requests is None and lifetime is None:
        missing = ("neither an expected lifetime request volume nor a deployment lifetime is "
                   "stated, so the EPC share per request is unknown")
    else:
        alt = None if alternative is None else (alternative.name, alternative.epc,
                                                alternative.per_request)
        per_request = per_request_section(
            request, epc=total, lifetime_requests=lifetime_requests,
            lifetime=None if lifetime_requests is not None else lifetime,
            parallel_jobs=parallel_requests, model_name=str(attrs["name"]), alternative=alt)
        records.append(request)
        if not epc.complete:
            lineage_notes.append("The per-request ASC^e is a lower bound too: it carries a "
                                 "share of an EPC that is itself a lower bound.")

    assumptions = assumptions_of_jobs(records)
    assumptions.append(Assumption(name="year", value="365 days (every amortisation)"))
    if lifetime is not None:
        assumptions.append(Assumption(name=f"deployment lifetime of {attrs['name']}",
                                      value=f"{fmt_num(lifetime.m_as('year'))} year"))
    if lifetime_requests is not None:
        assumptions.append(Assumption(name=f"expected lifetime requests of {attrs['name']}",
                                      value=fmt_count(lifetime_requests), source=USER_INPUT))
    assumptions.append(Assumption(name="allocation policy",
                                  value=lineage.policy or "no parents"))
    for pid in weights:
        for entry in _records_of(graph, pid):
            if not isinstance(entry.record, Job):
                assumptions.append(Assumption(
                    name=f"reported carbon of {names.get(pid, pid)} ({entry.phase})",
                    value=fmt_carbon(entry.record.carbon), source=entry.record.source))
    if epc.retraining_g > 0:
        lineage_notes.append(
            f"Re-training jobs ({fmt_carbon(epc.retraining)}) are outside EPC: they are "
            "amortised over the requests of their interval.")

    functional = {"model": ["one inference request (per-request ASC^e)",
                            "the making of the model, all its jobs and inherited shares (EPC)"],
                  "dataset": ["the prepared dataset (EPC)"],
                  "platform": ["the platform (EPC)"]}.get(kind, ["the product (EPC)"])
    identity = Identity(
        id=product, name=str(attrs["name"]), kind=kind,
        revision=attrs.get("revision"), licence=attrs.get("licence"), task=attrs.get("task"),
        lifetime=None if lifetime is None else f"{fmt_num(lifetime.m_as('year'))} year",
        functional_units=functional)
    return Datasheet(
        generated_by=GENERATOR, generated_at=generated_at, identity=identity, lineage=lineage,
        epc=EpcSection(total=total, own=own, complete=bool(epc.complete),
                       bound=None if epc.complete and epc.conserving else str(epc.label),
                       by_phase=phases, by_ancestor=ancestors, jobs=job_lines),
        per_request=per_request, per_request_missing=missing, assumptions=assumptions,
        compression=compression_lines(compression, product),
        advice=advice_lines(advice), generation=generation,
        notes=[*lineage_notes, _UNCERTAINTY_NOTE, *notes],
    )


def alternative_from_graph(graph: Any, product: str, request: Job | None = None, *,
                           name: str | None = None) -> Alternative:
    """An alternative lineage from the same (or another) graph: its EPC, and the ASC^e of
    one of its requests without the EPC share (0 gCO2e per request when no request is
    given is refused: unknown is never zero)."""
    if request is None:
        raise InvalidValueError("request", None, "a request job of the alternative model (its "
                                "per-request cost decides the break-even)")
    total = graph.epc(product).total
    figs = [figure_of_record(e.record).scaled(w)
            for pid, w in {product: 1.0, **graph.epc(product).weights}.items()
            for e in _records_of(graph, pid)]
    epc_fig = CarbonFigure.sum(figs) if figs else CarbonFigure(value=total,
                                                               provenance="reported")
    label = name or str(graph.product(product)["name"])
    return Alternative(name=label, epc=epc_fig, per_request=asc_e(request).asc_e)


def compression_lines(results: Sequence[Any], product: str | None = None) -> list[CompressionLine]:
    """Datasheet lines of ``compress.CompressionResult`` objects (those touching ``product``)."""
    out = []
    for r in results:
        if product is not None and product not in (r.parent, r.child):
            continue
        out.append(CompressionLine(
            technique=r.technique, parent=r.parent, child=r.child, metric_name=r.metric_name,
            metric_before=r.metric_before, metric_after=r.metric_after,
            size_before=r.size_before, size_after=r.size_after,
            energy_per_request_before=r.energy_per_request_before,
            energy_per_request_after=r.energy_per_request_after,
            energy_provenance=str(r.energy_provenance),
            energy_uncertainty=r.energy_uncertainty,
            energy_reduction_pct=r.energy_reduction_pct, job_carbon=r.job_carbon,
            job_provenance=str(r.job_provenance),
            break_even_requests=r.break_even_requests))
    return out


def advice_lines(advice: Sequence[Any]) -> list[AdviceLine]:
    """Datasheet lines of ``assess.Advice`` objects (score, verdict, explanation)."""
    return [AdviceLine(technique=a.technique or "technique", score=a.score,
                       advice=str(a.verdict), explanation=a.explain().splitlines())
            for a in advice]
