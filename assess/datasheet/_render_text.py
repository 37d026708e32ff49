"""Text renderers of a datasheet: Markdown, JSON and the Hugging Face model-card YAML block.

Markdown escapes every user-supplied string (:mod:`assess.datasheet._escape`: HTML-escaped,
Markdown punctuation and table pipes escaped, newlines folded; Mermaid labels in entity codes),
so a model named ``<script>`` or holding a newline and a code fence prints as text on any
Markdown host and stays inside its table cell or diagram label. Every carbon figure is shown as
a range (``x ± u``) or says ``uncertainty unknown``. The YAML block is what a Hugging Face
model card's front matter takes: ``co2_eq_emissions`` (``emissions`` in grams of CO2e,
``source``, ``training_type``, ``geographical_location``, ``hardware_used``) and
``base_model`` / ``base_model_relation`` from the lineage.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import yaml

from assess.datasheet._escape import md, mermaid_label, one_line
from assess.datasheet._format import (
    USER_INPUT,
    fmt_bytes,
    fmt_carbon,
    fmt_count,
    fmt_energy,
    fmt_epc,
    fmt_epc_range,
    fmt_num,
    fmt_range,
    fmt_share,
)
from assess.datasheet._model import SOURCE_SEP, CarbonFigure, Datasheet
from assess.datasheet._render_serving import generation_markdown

__all__ = ["HF_EXTENDED_KEY", "HF_RELATIONS", "hf_metadata", "render_hf_yaml", "render_json",
           "render_markdown"]

#: lineage edge kind -> Hugging Face ``base_model_relation`` (kinds not listed have none).
HF_RELATIONS: dict[str, str] = {
    "fine_tuned_from": "finetune",
    "quantised_from": "quantized",
}

#: lineage phase -> Hugging Face ``training_type`` (the Hub documents "pre-training" and
#: "fine-tuning"; a distillation trains a student from its teacher: fine-tuning). Other phases
#: (data, experiment, compression) are not training: outside ``emissions``.
_TRAINING_TYPES = {
    "training": "pre-training",
    "fine_tuning": "fine-tuning",
    "distillation": "fine-tuning",
}


class _Refs:
    """Numbered references: a cell shows ``[1] [3]``, the Sources list gives each text once
    (a long source string is not repeated in every row)."""

    def __init__(self) -> None:
        self.items: dict[str, int] = {}

    def __call__(self, text: str | None) -> str:
        if not text:
            return "not stated"
        if text == USER_INPUT:  # the user's own figure: no reference to number
            return USER_INPUT
        parts = [p.strip() for p in text.split(SOURCE_SEP) if p.strip()]
        return " ".join(f"[{self.items.setdefault(p, len(self.items) + 1)}]" for p in parts) \
            or "not stated"

    def lines(self) -> list[str]:
        if not self.items:
            return []
        return ["## Sources", "", *(f"{n}. {md(t)}" for t, n in self.items.items()), ""]


def _fig_cells(f: CarbonFigure, refs: _Refs, text: str | None = None) -> str:
    """Three cells of a figure: its value as a range (``x ± u``, or ``x (uncertainty
    unknown)``), its provenance and its numbered sources."""
    return f"{fmt_range(f.value, f.uncertainty, text)} | {f.provenance} | {refs(f.source)}"


def render_json(ds: Datasheet) -> str:
    """The datasheet as JSON (valid against ``specs/datasheet.schema.json``)."""
    return json.dumps(json.loads(ds.model_dump_json()), indent=2, ensure_ascii=False) + "\n"


def _mermaid(ds: Datasheet) -> list[str]:
    """The lineage as a Mermaid flowchart; every label through :func:`mermaid_label`, so no
    name can end its label or the ```` ```mermaid ```` block."""
    ids = {n.id: f"n{i}" for i, n in enumerate(ds.lineage.nodes)}
    out = ["```mermaid", "graph TD"]
    for n in ds.lineage.nodes:
        out.append(f'  {ids[n.id]}["{mermaid_label(f"{n.name} ({n.kind})")}"]')
    for e in ds.lineage.edges:
        if e.parent in ids and e.child in ids:
            label = e.kind.replace("_", " ")
            if e.share is not None:
                label += f", share {fmt_share(e.share)}"
            out.append(f'  {ids[e.parent]} -->|"{mermaid_label(label)}"| {ids[e.child]}')
    out.append("```")
    return out


def render_markdown(ds: Datasheet) -> str:
    """The datasheet as Markdown: tables, a Mermaid lineage diagram, every figure's provenance."""
    i = ds.identity
    names = {n.id: n.name for n in ds.lineage.nodes}
    refs = _Refs()
    lower = not ds.epc.complete
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
    lines += ["## Key figures", "", "| figure | value (± uncertainty) | provenance | source |",
              "|---|---|---|---|",
              f"| EPC (embodied product cost) | "
              f"{_fig_cells(ds.epc.total, refs, fmt_epc(ds.epc))} |"]
    if ds.per_request is not None:
        pr = ds.per_request
        lines += [f"| per-request ASC^e (extended boundary) | "
                  f"{_fig_cells(pr.total, refs, _lower(pr.total, lower))} |",
                  f"| per-request, inference only | {_fig_cells(pr.inference_only, refs)} |"]
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
              "| phase | carbon (± uncertainty) | provenance | source |", "|---|---|---|---|"]
    lines += [f"| {md(p.phase)} | {_fig_cells(p.carbon, refs)} |" for p in ds.epc.by_phase]
    lines += _none(ds.epc.by_phase, 4)
    lines += ["", "### By ancestor", "",
              "| product | share | carbon (± uncertainty) | provenance | source |",
              "|---|---|---|---|---|"]
    lines += [f"| {md(a.name)} | {fmt_share(a.share)} | {_fig_cells(a.carbon, refs)} |"
              for a in ds.epc.by_ancestor]
    lines += _none(ds.epc.by_ancestor, 5)
    lines += ["", "### Jobs", "",
              "| product | job | phase | energy | carbon (ASC^e, ± uncertainty) | provenance "
              "| source |",
              "|---|---|---|---|---|---|---|"]
    for j in ds.epc.jobs:
        energy = "not stated" if j.energy is None else fmt_energy(j.energy)
        lines.append(f"| {md(names.get(j.product, j.product))} | {md(j.name)} | {md(j.phase)} | "
                     f"{energy} | {_fig_cells(j.carbon, refs)} |")
    lines += _none(ds.epc.jobs, 7)
    lines.append("")

    if ds.per_request is not None:
        pr = ds.per_request
        lines += ["## Per-request ASC^e", "", md(pr.boundary), "",
                  f"Basis: {md(pr.basis)}. Energy per request: {fmt_energy(pr.energy)}.", "",
                  "| part | carbon (± uncertainty) | provenance | source |", "|---|---|---|---|"]
        lines += [f"| {p} | {_fig_cells(f, refs, _lower(f, lower and p == 'products'))} |"
                  for p, f in pr.parts.items()]
        lines += [f"| **inference only** | {_fig_cells(pr.inference_only, refs)} |",
                  f"| **total (extended)** | {_fig_cells(pr.total, refs, _lower(pr.total, lower))}"
                  " |", ""]
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
                f"{fmt_bytes(r.size_before)} → {fmt_bytes(r.size_after)} | "
                f"{fmt_energy(r.energy_per_request_before)} → "
                f"{fmt_energy(r.energy_per_request_after)} ({md(r.energy_provenance)}) | {red} | "
                f"{fmt_carbon(r.job_carbon)} ({md(r.job_provenance)}) | {be_txt} |")
        lines.append("")
    lines += generation_markdown(ds)
    if ds.advice:
        lines += ["## Adoption advice", "", "| technique | score | advice | why |",
                  "|---|---|---|---|"]
        lines += [f"| {md(a.technique)} | {a.score} | {md(a.advice)} | "
                  f"{md('; '.join(a.explanation))} |" for a in ds.advice]
        lines.append("")
    lines += ["## Assumptions", "", "| assumption | value | source | year |", "|---|---|---|---|"]
    lines += [f"| {md(a.name)} | {md(a.value)} | {refs(a.source)} | "
              f"{a.year or ''} |" for a in ds.assumptions]
    lines += _none(ds.assumptions, 4)
    if lower:
        lines += ["", "> Totals marked ≥ are lower bounds: the lineage has products with no job "
                  "recorded."]
    lines += ["", "## Notes", ""] + [f"- {md(n)}" for n in ds.notes]
    lines += [f"- {md(ds.offsets_statement)}", "",
              *refs.lines(),
              f"_Generated by {md(ds.generated_by)}; schema {ds.schema_version}._", ""]
    return "\n".join(lines)


def _lower(f: CarbonFigure, lower: bool) -> str | None:
    """``≥ x`` for a figure that is a lower bound, None (the plain value) otherwise."""
    return f"≥ {fmt_carbon(f.value)}" if lower else None


def _none(rows: Any, columns: int) -> list[str]:
    """The row of an empty table: it says so instead of showing bare headers."""
    return [] if rows else ["| none recorded |" + " |" * (columns - 1)]


#: The extended key of the YAML block: ASC^e figures the Hub has no key for (module docs).
HF_EXTENDED_KEY = "modelcarbon"


class _PlainDumper(yaml.SafeDumper):
    """A YAML dumper that writes floats as plain decimals (``0.000007``, never ``7e-06``)."""


def _plain_float(dumper: yaml.SafeDumper, x: float) -> yaml.ScalarNode:
    if x != x or x in (float("inf"), float("-inf")):
        return dumper.represent_float(x)
    text = format(Decimal(repr(x)), "f")
    if "." not in text:
        text += ".0"
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_PlainDumper.add_representer(float, _plain_float)


def _grams(x: float) -> float:
    """A carbon magnitude [gCO2e] at nine significant digits, for the Hub's number (a
    rounding to decimals would turn a tiny figure into 0: unknown is never zero)."""
    return float(f"{x:.9g}")


def _place(a: Any) -> str:
    """Where a grid intensity applies, without its data year: the mix source's place
    (``"Germany 2023: ..."`` -> ``Germany``), else the facility's name."""
    if a.source and ":" in a.source:
        place = a.source.split(":")[0].strip()
        if a.year is not None:
            place = re.sub(rf"[\s,(]*{a.year}\)?$", "", place).strip()
        return place or str(a.name.removeprefix("grid intensity at "))
    return str(a.name.removeprefix("grid intensity at "))


def hf_metadata(ds: Datasheet) -> dict[str, Any]:
    """The model-card metadata as a dict, keys as the Hugging Face Hub reads them.

    - ``co2_eq_emissions.emissions``: grams of CO2e of the model's *training* (its own jobs
      in the phases that train it: ``training``, ``fine_tuning``, ``distillation``), a plain
      number; ``training_type`` in the Hub's words (``pre-training``, ``fine-tuning``; a
      distillation trains the student from a teacher: ``fine-tuning``);
      ``geographical_location`` without the grid data's year; ``hardware_used`` as
      ``count x model``.
    - ``base_model``: Hub ids only (``LineageNode.hub_id`` of model parents); the other
      parents stay in a YAML comment (:func:`render_hf_yaml`).
    - ``modelcarbon``: the extended figures the Hub has no key for, each [gCO2e] with its
      uncertainty (None: unknown): ``epc_g``, ``epc_uncertainty_g``, ``own_g``,
      ``per_request_asc_e_g``, ``per_request_asc_e_uncertainty_g``,
      ``per_request_inference_only_g``, ``boundary``, ``phases``.
    """
    me = ds.identity.id
    own_jobs = [j for j in ds.epc.jobs if j.product == me]
    training = [j for j in own_jobs if j.phase in _TRAINING_TYPES]
    meta: dict[str, Any] = {}
    if training:
        emissions = CarbonFigure.sum(j.carbon for j in training)
        types = sorted({_TRAINING_TYPES[j.phase] for j in training},
                       key=["pre-training", "fine-tuning"].index)
        counts: dict[str, int] = {}
        for j in training:
            for name in set(j.systems):
                counts[name] = max(counts.get(name, 0), j.systems.count(name))
        places = sorted({_place(a) for a in ds.assumptions
                         if a.name.startswith("grid intensity")})
        cited = ("" if emissions.source is None
                 else "; " + emissions.source.replace(SOURCE_SEP, "; "))
        meta["co2_eq_emissions"] = {
            "emissions": _grams(emissions.g),
            "source": f"{ds.generated_by}: ASC^e of the model's training jobs "
                      f"({emissions.provenance}{cited})",
            "training_type": ", ".join(types),
            "geographical_location": "; ".join(places) if places else "not stated",
            "hardware_used": "; ".join(f"{n} x {k}" for k, n in sorted(counts.items()))
                             or "not stated",
        }
    hub = {n.id: n.hub_id for n in ds.lineage.nodes if n.kind == "model" and n.hub_id}
    model_parents = [e for e in ds.lineage.edges if e.child == me and e.parent in hub]
    if model_parents:
        bases = [hub[e.parent] for e in model_parents]
        meta["base_model"] = bases[0] if len(bases) == 1 else bases
        relations = {HF_RELATIONS.get(e.kind) for e in model_parents}
        if len(relations) == 1 and None not in relations:
            meta["base_model_relation"] = relations.pop()
    ext: dict[str, Any] = {}
    if ds.epc.total.provenance != "unknown":
        ext = {"epc_g": _grams(ds.epc.total.g),
               "epc_uncertainty_g": _opt_g(ds.epc.total.uncertainty),
               "epc_complete": ds.epc.complete}
        if ds.epc.own is not None:
            ext["own_g"] = _grams(ds.epc.own.g)
    if ds.per_request is not None:
        pr = ds.per_request
        ext.update({"per_request_asc_e_g": _grams(pr.total.g),
                    "per_request_asc_e_uncertainty_g": _opt_g(pr.total.uncertainty),
                    "per_request_inference_only_g": _grams(pr.inference_only.g)})
    if ext:
        ext["phases"] = sorted({j.phase for j in own_jobs})
        ext["boundary"] = "ASC^e (specs/metrics.md); None: unknown, never zero"
        meta[HF_EXTENDED_KEY] = ext
    return meta


def _opt_g(q: Any | None) -> float | None:
    return None if q is None else _grams(float(q.m_as("gCO2e")))


def _comment(text: str) -> str:
    """``text`` as one YAML comment line (newlines folded, so it cannot end the comment)."""
    return "# " + one_line(text) + "\n"


def render_hf_yaml(ds: Datasheet) -> str:
    """The Hugging Face model-card YAML block (between ``---`` lines), ready to paste.

    Keys as :func:`hf_metadata` documents; floats are plain decimals (the emissions filter of
    ``huggingface_hub`` reads the first digits of the number's text, so ``7e-06`` would read
    as 7). Comments keep what the Hub has no key for: the EPC with inherited shares, and
    every parent without a Hub id, so the lineage stays visible. A model without training
    jobs keeps its lineage and says that its emissions are unknown.
    """
    meta = hf_metadata(ds)
    body = (yaml.dump(meta, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True,
                      width=100) if meta else "")
    note = _comment(f"modelcarbon EPC including inherited ancestors' shares: "
                    f"{fmt_epc_range(ds.epc)}; per-request figures in the datasheet.")
    if "co2_eq_emissions" not in meta:
        note += _comment("co2_eq_emissions: unknown (no training job recorded for this model)")
    hub = {n.id for n in ds.lineage.nodes if n.hub_id}
    names = {n.id: n.name for n in ds.lineage.nodes}
    for e in ds.lineage.edges:
        if e.child == ds.identity.id and e.parent not in hub:
            note += _comment(f"lineage: {e.kind.replace('_', ' ')} {names.get(e.parent, e.parent)}"
                             f" (id {e.parent}, no Hub id), share {fmt_share(e.share)}")
    return "---\n" + note + body + "---\n"
