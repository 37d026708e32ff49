"""Text renderers of a datasheet: Markdown, JSON and the Hugging Face model-card YAML block.

Markdown escapes every user-supplied string (HTML-escaped, table pipes escaped), so a model
named ``<script>`` prints as text on any Markdown host. The YAML block is what a Hugging Face
model card's front matter takes: ``co2_eq_emissions`` (``emissions`` in grams of CO2e,
``source``, ``training_type``, ``geographical_location``, ``hardware_used``) and
``base_model`` / ``base_model_relation`` from the lineage.
"""

from __future__ import annotations

import html
import json
from typing import Any

import yaml

from assess.datasheet._format import (
    fmt_carbon,
    fmt_count,
    fmt_energy,
    fmt_epc,
    fmt_num,
    fmt_share,
    fmt_uncertainty,
)
from assess.datasheet._model import SOURCE_SEP, CarbonFigure, Datasheet

__all__ = ["HF_RELATIONS", "render_hf_yaml", "render_json", "render_markdown"]

#: lineage edge kind -> Hugging Face ``base_model_relation`` (kinds not listed have none).
HF_RELATIONS: dict[str, str] = {
    "fine_tuned_from": "finetune",
    "quantised_from": "quantized",
}

#: lineage phase -> Hugging Face ``training_type``.
_TRAINING_TYPES = {
    "training": "pre-training",
    "fine_tuning": "fine-tuning",
    "distillation": "distillation",
    "compression": "compression",
    "retraining": "re-training",
}


def md(text: object) -> str:
    """Escape a user-supplied string for Markdown (inline HTML and table cells)."""
    s = html.escape(str(text), quote=False)
    for ch in "\\|`*_[]":
        s = s.replace(ch, "\\" + ch)
    return " ".join(s.split())


def _fig_cells(f: CarbonFigure, text: str | None = None) -> str:
    shown = fmt_carbon(f.value) if text is None else text
    return (f"{shown} | {fmt_uncertainty(f.uncertainty)} | {f.provenance} | "
            f"{md((f.source or 'not stated').replace(SOURCE_SEP, '; '))}")


def render_json(ds: Datasheet) -> str:
    """The datasheet as JSON (valid against ``specs/datasheet.schema.json``)."""
    return json.dumps(json.loads(ds.model_dump_json()), indent=2, ensure_ascii=False) + "\n"


def _mermaid(ds: Datasheet) -> list[str]:
    ids = {n.id: f"n{i}" for i, n in enumerate(ds.lineage.nodes)}
    out = ["```mermaid", "graph TD"]
    for n in ds.lineage.nodes:
        label = html.escape(f"{n.name} ({n.kind})", quote=True).replace("#", "#35;")
        out.append(f'  {ids[n.id]}["{label}"]')
    for e in ds.lineage.edges:
        if e.parent in ids and e.child in ids:
            label = e.kind.replace("_", " ")
            if e.share is not None:
                label += f", share {fmt_share(e.share)}"
            out.append(f'  {ids[e.parent]} -->|"{html.escape(label)}"| {ids[e.child]}')
    out.append("```")
    return out


def render_markdown(ds: Datasheet) -> str:
    """The datasheet as Markdown: tables, a Mermaid lineage diagram, every figure's provenance."""
    i = ds.identity
    names = {n.id: n.name for n in ds.lineage.nodes}
    lines = [f"# Carbon datasheet: {md(i.name)}", ""]
    lines += [
        "| | |", "|---|---|",
        f"| id | {md(i.id)} |", f"| kind | {i.kind} |",
        f"| revision | {md(i.revision or 'not stated')} |",
        f"| licence | {md(i.licence or 'not stated')} |",
        f"| task | {md(i.task or 'not stated')} |",
        f"| lifetime | {md(i.lifetime or 'not stated')} |",
        f"| functional units | {md('; '.join(i.functional_units))} |", "",
    ]
    lines += ["## Key figures", "", "| figure | value | ± | provenance | source |",
              "|---|---|---|---|---|",
              f"| EPC (embodied product cost) | {_fig_cells(ds.epc.total, fmt_epc(ds.epc))} |"]
    if ds.per_request is not None:
        pr = ds.per_request
        lines += [f"| per-request ASC^e (extended boundary) | {_fig_cells(pr.total)} |",
                  f"| per-request, inference only | {_fig_cells(pr.inference_only)} |"]
    if ds.epc.bound is not None:
        lines += ["", f"> EPC: {md(ds.epc.bound)}"]
    lines += ["", f"> {md(ds.offsets_statement)}", ""]

    lines += ["## Lineage", "", *_mermaid(ds), ""]
    lines += ["| child | relation | parent | share | policy |", "|---|---|---|---|---|"]
    for e in ds.lineage.edges:
        lines.append(f"| {md(names.get(e.child, e.child))} | {e.kind} | "
                     f"{md(names.get(e.parent, e.parent))} | {fmt_share(e.share)} | "
                     f"{md(e.policy or ds.lineage.policy or 'not stated')} |")
    if not ds.lineage.edges:
        lines.append("| (no ancestors) | | | | |")
    c = ds.lineage.conservation
    lines += ["", f"Allocation policy: {md(ds.lineage.policy or 'not stated')}. "
              f"Conservation check: **{'passed' if c.conserving else 'FAILED'}**: {md(c.message)}"]
    lines += [f"- {md(v)}" for v in c.violations]
    lines.append("")

    lines += ["## Embodied product cost (EPC)", "", "### By phase", "",
              "| phase | carbon | ± | provenance | source |", "|---|---|---|---|---|"]
    lines += [f"| {md(p.phase)} | {_fig_cells(p.carbon)} |" for p in ds.epc.by_phase]
    lines += ["", "### By ancestor", "", "| product | share | carbon | ± | provenance | source |",
              "|---|---|---|---|---|---|"]
    lines += [f"| {md(a.name)} | {fmt_share(a.share)} | {_fig_cells(a.carbon)} |"
              for a in ds.epc.by_ancestor]
    lines += ["", "### Jobs", "",
              "| product | job | phase | energy | carbon (ASC^e) | ± | provenance | source |",
              "|---|---|---|---|---|---|---|---|"]
    for j in ds.epc.jobs:
        energy = "not stated" if j.energy is None else fmt_energy(j.energy)
        lines.append(f"| {md(names.get(j.product, j.product))} | {md(j.name)} | {md(j.phase)} | "
                     f"{energy} | {_fig_cells(j.carbon)} |")
    lines.append("")

    if ds.per_request is not None:
        pr = ds.per_request
        lines += ["## Per-request ASC^e", "", md(pr.boundary), "",
                  f"Basis: {md(pr.basis)}. Energy per request: {fmt_energy(pr.energy)}.", "",
                  "| part | carbon | ± | provenance | source |", "|---|---|---|---|---|"]
        lines += [f"| {p} | {_fig_cells(f)} |" for p, f in pr.parts.items()]
        lines += [f"| **inference only** | {_fig_cells(pr.inference_only)} |",
                  f"| **total (extended)** | {_fig_cells(pr.total)} |", ""]
        if pr.curve is not None:
            lines += ["### Per-request cost over lifetime request volume", "",
                      "| lifetime requests | per request | EPC share | rest |", "|---|---|---|---|"]
            pts = pr.curve.points
            for p in pts[:: max(len(pts) // 8, 1)]:
                lines.append(f"| {fmt_count(p.requests)} | {fmt_carbon(p.per_request)} | "
                             f"{fmt_carbon(p.epc_share)} | {fmt_carbon(p.operational)} |")
            be = pr.curve.break_even
            if be is not None:
                lines += ["", f"Break-even against {md(be.alternative)} (EPC "
                          f"{fmt_carbon(be.alternative_epc)}, "
                          f"{fmt_carbon(be.alternative_per_request)} per request): "
                          f"{md(be.explanation)}"]
            lines.append("")
    elif ds.per_request_missing:
        lines += ["## Per-request ASC^e", "", f"Not reported: {md(ds.per_request_missing)}", ""]

    if ds.compression:
        lines += ["## Compression results", "",
                  "| technique | parent → child | metric before → after | size | energy/request "
                  "before → after | reduction | job carbon | break-even requests |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in ds.compression:
            red = ("unknown" if r.energy_reduction_pct is None
                   else f"{fmt_num(r.energy_reduction_pct)} %")
            be_txt = "none" if r.break_even_requests is None else fmt_count(r.break_even_requests)
            lines.append(
                f"| {md(r.technique)} | {md(names.get(r.parent, r.parent))} → "
                f"{md(names.get(r.child, r.child))} | {md(r.metric_name)} "
                f"{fmt_num(r.metric_before)} → {fmt_num(r.metric_after)} | "
                f"{fmt_count(r.size_before)} → {fmt_count(r.size_after)} B | "
                f"{fmt_energy(r.energy_per_request_before)} → "
                f"{fmt_energy(r.energy_per_request_after)} ({md(r.energy_provenance)}) | {red} | "
                f"{fmt_carbon(r.job_carbon)} ({md(r.job_provenance)}) | {be_txt} |")
        lines.append("")
    if ds.advice:
        lines += ["## Adoption advice", "", "| technique | score | advice | why |",
                  "|---|---|---|---|"]
        lines += [f"| {md(a.technique)} | {a.score} | {md(a.advice)} | "
                  f"{md('; '.join(a.explanation))} |" for a in ds.advice]
        lines.append("")
    lines += ["## Assumptions", "", "| assumption | value | source | year |", "|---|---|---|---|"]
    lines += [f"| {md(a.name)} | {md(a.value)} | {md(a.source or 'not stated')} | "
              f"{a.year or ''} |" for a in ds.assumptions]
    lines += ["", "## Notes", ""] + [f"- {md(n)}" for n in ds.notes]
    lines += [f"- {md(ds.offsets_statement)}", "",
              f"_Generated by {md(ds.generated_by)}; schema {ds.schema_version}._", ""]
    return "\n".join(lines)


def hf_metadata(ds: Datasheet) -> dict[str, Any]:
    """The model-card metadata as a dict (``co2_eq_emissions``, ``base_model``, ...)."""
    own = ds.epc.own
    emissions = own if own is not None else ds.epc.total
    if emissions.provenance == "unknown":
        return {}
    phases = {j.phase for j in ds.epc.jobs if j.product == ds.identity.id}
    types = sorted({_TRAINING_TYPES[p] for p in phases if p in _TRAINING_TYPES})
    hardware = sorted({s for j in ds.epc.jobs if j.product == ds.identity.id for s in j.systems})
    places = sorted({a.value if a.source is None else a.source.split(":")[0]
                     for a in ds.assumptions if a.name.startswith("grid intensity")})
    cited = "" if emissions.source is None else "; " + emissions.source.replace(SOURCE_SEP, "; ")
    source = f"{ds.generated_by}: own jobs' ASC^e ({emissions.provenance}{cited})"
    co2: dict[str, Any] = {
        "emissions": round(emissions.g, 6),
        "source": source,
        "training_type": ", ".join(types) if types else "not stated",
        "geographical_location": "; ".join(places) if places else "not stated",
        "hardware_used": "; ".join(hardware) if hardware else "not stated",
    }
    meta: dict[str, Any] = {"co2_eq_emissions": co2}
    parents = [e for e in ds.lineage.edges if e.child == ds.identity.id]
    model_parents = [e for e in parents
                     if any(n.id == e.parent and n.kind == "model" for n in ds.lineage.nodes)]
    if model_parents:
        bases = [e.parent for e in model_parents]
        meta["base_model"] = bases[0] if len(bases) == 1 else bases
        relations = {HF_RELATIONS.get(e.kind) for e in model_parents}
        if len(relations) == 1 and None not in relations:
            meta["base_model_relation"] = relations.pop()
    return meta


def render_hf_yaml(ds: Datasheet) -> str:
    """The Hugging Face model-card YAML block (between ``---`` lines), ready to paste.

    ``emissions`` is the model's own jobs' ASC^e in grams (the making of this model); the
    EPC with inherited ancestors' shares is given in a comment beside it.
    """
    meta = hf_metadata(ds)
    body = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100) if meta else ""
    note = (f"# modelcarbon EPC including inherited ancestors' shares: {fmt_epc(ds.epc)}"
            "; per-request figures in the datasheet.\n")
    if not meta:
        note += "# co2_eq_emissions: unknown (no job recorded for this model)\n"
    return "---\n" + note + body + "---\n"
