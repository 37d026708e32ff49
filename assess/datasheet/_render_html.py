"""The datasheet as one self-contained HTML page: inline CSS, inline SVG charts, no scripts,
no external assets; every user-supplied string escaped with :func:`html.escape`.

Key figures carry ``data-figure`` attributes (``epc-total``, ``per-request-total``,
``inference-only``) so that a browser check can find them in the rendered page.
"""

from __future__ import annotations

import html

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
from assess.datasheet._render_charts import (
    PART_COLOURS,
    chart_cost_curve,
    chart_epc_by_ancestor,
    chart_epc_by_phase,
    chart_lineage,
    chart_per_request,
)

__all__ = ["PAGE_CSS", "e", "page", "render_html"]

PAGE_CSS = """
:root{--ink:#1a202c;--muted:#4a5568;--line:#e2e8f0;--bg:#f7fafc;--accent:#2b6cb0;}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--ink);background:var(--bg)}
header{background:linear-gradient(120deg,#1a365d,#2b6cb0);color:#fff;padding:28px 40px 22px}
header h1{margin:0 0 6px;font-size:26px;font-weight:650;word-break:break-word}
header .kicker{text-transform:uppercase;letter-spacing:.08em;font-size:12px;opacity:.8}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin-top:10px}
.chip{background:rgba(255,255,255,.16);border-radius:999px;padding:2px 12px;font-size:13px}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(230px,1fr));gap:14px;
margin:-46px 0 22px}
.card{background:#fff;border:1px solid var(--line);border-radius:12px;padding:14px 16px;
box-shadow:0 2px 8px rgba(26,32,44,.06)}
.card .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.card .value{font-size:24px;font-weight:650;margin:2px 0}
.card .meta{font-size:12.5px;color:var(--muted)}
section{background:#fff;border:1px solid var(--line);border-radius:12px;padding:18px 22px;
margin:0 0 18px}
h2{font-size:19px;margin:0 0 10px}
h3{font-size:15px;margin:16px 0 6px;color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:6px 0 4px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);background:#fbfdff}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
.chart{overflow-x:auto}
.badge{display:inline-block;border-radius:6px;padding:1px 8px;font-size:12px;font-weight:600}
.ok{background:#c6f6d5;color:#22543d}.bad{background:#fed7d7;color:#822727}
.prov{display:inline-block;border-radius:5px;padding:0 6px;font-size:12px;background:#edf2f7}
.prov-measured{background:#c6f6d5}.prov-sampled{background:#bee3f8}
.prov-estimated{background:#feebc8}.prov-reported{background:#e9d8fd}
.prov-mixed{background:#e2e8f0}
.boundary{border-left:4px solid #e53e3e;background:#fff5f5;padding:8px 12px;border-radius:4px}
.offsets{border-left:4px solid #38a169;background:#f0fff4;padding:8px 12px;border-radius:4px}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}
footer{color:var(--muted);font-size:12.5px;text-align:center;padding:10px}
ul{margin:6px 0;padding-left:20px}
td.src{font-size:12.5px;color:var(--muted);max-width:340px}
td.src a,ol.sources a{color:var(--accent);text-decoration:none}
ol.sources{font-size:12.5px;color:var(--muted);padding-left:28px}
ol.sources li{margin:3px 0}
"""


def e(text: object) -> str:
    """Escape any user-supplied value for HTML text and attribute context."""
    return html.escape(str(text), quote=True)


def _prov(label: str) -> str:
    return f'<span class="prov prov-{e(label)}">{e(label)}</span>'


class _Sources:
    """Numbered sources: a table cell shows ``[n] short label``, the list gives the full text."""

    def __init__(self) -> None:
        self.items: dict[str, int] = {}

    def ref(self, text: str | None) -> str:
        if not text:
            return "not stated"
        parts = [p.strip() for p in text.split(SOURCE_SEP) if p.strip()]
        out = []
        for part in parts:
            n = self.items.setdefault(part, len(self.items) + 1)
            short = part if len(part) <= 70 else part[:69] + "…"
            out.append(f'<a href="#src-{n}" title="{e(part)}">[{n}]</a> {e(short)}')
        return "<br>".join(out)

    def html(self) -> str:
        if not self.items:
            return ""
        rows = "".join(f'<li id="src-{n}">{e(t)}</li>' for t, n in self.items.items())
        return f'<section id="sources"><h2>Sources</h2><ol class="sources">{rows}</ol></section>'


def _fig_cells(f: CarbonFigure, src: _Sources) -> str:
    split = ""
    if f.by_provenance:
        split = "<br><small>" + ", ".join(
            f"{e(k)} {e(fmt_carbon(v))}" for k, v in f.by_provenance.items()) + "</small>"
    return (f'<td class="num">{e(fmt_carbon(f.value))}</td>'
            f'<td class="num">{e(fmt_uncertainty(f.uncertainty))}</td>'
            f"<td>{_prov(f.provenance)}{split}</td><td class=\"src\">{src.ref(f.source)}</td>")


_FIG_HEAD = "<th>carbon</th><th>±</th><th>provenance</th><th>source</th>"


def _card(key: str, label: str, f: CarbonFigure, meta: str, text: str | None = None) -> str:
    u = "" if f.uncertainty is None else f" ± {fmt_carbon(f.uncertainty)}"
    shown = fmt_carbon(f.value) if text is None else text
    return (f'<div class="card"><div class="label">{e(label)}</div>'
            f'<div class="value" data-figure="{e(key)}">{e(shown)}</div>'
            f'<div class="meta">{_prov(f.provenance)} {e(u)} {e(meta)}</div></div>')


def _chart(svg: str | None) -> str:
    return "" if svg is None else f'<div class="chart">{svg}</div>'


def page(title: str, body: str, *, header: str = "", wide: bool = False) -> str:
    """A complete HTML document with the shared stylesheet (no external assets)."""
    main = '<main style="max-width:1600px">' if wide else "<main>"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<link rel=\"icon\" href=\"data:,\">"
            f"<title>{e(title)}</title><style>{PAGE_CSS}</style></head><body>"
            f"{header}{main}{body}</main></body></html>\n")


def render_html(ds: Datasheet) -> str:
    """The datasheet as a self-contained HTML page."""
    i = ds.identity
    src = _Sources()
    names = {n.id: n.name for n in ds.lineage.nodes}
    chips = [f"{i.kind}", f"id {i.id}"]
    chips += [f"{k} {v}" for k, v in (("revision", i.revision), ("licence", i.licence),
                                      ("task", i.task), ("lifetime", i.lifetime)) if v]
    header = ('<header><div class="kicker">Model carbon datasheet</div>'
              f"<h1>{e(i.name)}</h1><div class=\"chips\">"
              + "".join(f'<span class="chip">{e(c)}</span>' for c in chips)
              + "</div></header>")
    out: list[str] = []
    epc_meta = ("per model (making, incl. inherited shares)" if ds.epc.bound is None
                else ds.epc.bound)
    cards = [_card("epc-total", "EPC: embodied product cost", ds.epc.total, epc_meta,
                   text=fmt_epc(ds.epc))]
    if ds.per_request is not None:
        pr = ds.per_request
        cards.append(_card("per-request-total", "Per request, ASC^e (extended)", pr.total,
                           pr.basis))
        cards.append(_card("inference-only", "Per request, inference only", pr.inference_only,
                           f"{fmt_energy(pr.energy)} per request"))
    if ds.epc.own is not None:
        cards.append(_card("epc-own", "Own jobs (this model's making)", ds.epc.own,
                           "without inherited shares"))
    out.append(f'<div class="cards">{"".join(cards)}</div>')
    out.append(f'<p class="offsets">{e(ds.offsets_statement)}</p>')
    out.append("<p>Functional units: " + e("; ".join(i.functional_units)) + "</p>")

    # lineage
    c = ds.lineage.conservation
    badge = (f'<span class="badge {"ok" if c.conserving else "bad"}">'
             f'{"conserving" if c.conserving else "NOT conserving"}</span>')
    rows = "".join(
        f"<tr><td>{e(names.get(x.child, x.child))}</td><td>{e(x.kind.replace('_', ' '))}</td>"
        f"<td>{e(names.get(x.parent, x.parent))}</td><td class=\"num\">{e(fmt_share(x.share))}"
        f"</td><td>{e(x.policy or ds.lineage.policy or 'not stated')}</td></tr>"
        for x in ds.lineage.edges) or '<tr><td colspan="5">no ancestors</td></tr>'
    viol = "".join(f"<li>{e(v)}</li>" for v in c.violations)
    out.append(
        "<section id=\"lineage\"><h2>Lineage</h2>" + _chart(chart_lineage(ds))
        + "<table><tr><th>child</th><th>relation</th><th>parent</th><th>share</th>"
        f"<th>policy</th></tr>{rows}</table>"
        f"<p>Allocation policy: <b>{e(ds.lineage.policy or 'not stated')}</b>. "
        f"Conservation check: {badge} {e(c.message)}</p>"
        + (f"<ul>{viol}</ul>" if viol else "") + "</section>")

    # EPC
    phase_rows = "".join(f"<tr><td>{e(p.phase)}</td>{_fig_cells(p.carbon, src)}</tr>"
                         for p in ds.epc.by_phase)
    anc_rows = "".join(f"<tr><td>{e(a.name)}</td><td class=\"num\">{e(fmt_share(a.share))}</td>"
                       f"{_fig_cells(a.carbon, src)}</tr>" for a in ds.epc.by_ancestor)
    job_rows = "".join(
        f"<tr><td>{e(names.get(j.product, j.product))}</td><td>{e(j.name)}</td>"
        f"<td>{e(j.phase)}</td><td class=\"num\">"
        f"{e('not stated' if j.energy is None else fmt_energy(j.energy))}</td>"
        f"{_fig_cells(j.carbon, src)}</tr>" for j in ds.epc.jobs)
    out.append(
        "<section id=\"epc\"><h2>Embodied product cost (EPC)</h2>"
        f"<p>Total: <b data-figure=\"epc-total-text\">{e(fmt_epc(ds.epc))}</b> "
        f"({e(fmt_uncertainty(ds.epc.total.uncertainty))}, {_prov(ds.epc.total.provenance)}). "
        "EPC(m) = ASC^e of the jobs that made m + the shares of its parents' EPC.</p>"
        + ("" if ds.epc.bound is None else f'<p class="boundary">{e(ds.epc.bound)}</p>')
        + f'<div class="grid2">{_chart(chart_epc_by_phase(ds))}'
        f"{_chart(chart_epc_by_ancestor(ds))}</div>"
        f"<h3>By phase</h3><table><tr><th>phase</th>{_FIG_HEAD}</tr>{phase_rows}</table>"
        f"<h3>By ancestor</h3><table><tr><th>product</th><th>share</th>{_FIG_HEAD}</tr>"
        f"{anc_rows}</table>"
        f"<h3>Jobs</h3><table><tr><th>product</th><th>job</th><th>phase</th><th>energy</th>"
        f"{_FIG_HEAD}</tr>{job_rows}</table></section>")

    # per request
    if ds.per_request is not None:
        pr = ds.per_request
        part_rows = "".join(
            f'<tr><td><span class="swatch" style="background:{PART_COLOURS.get(p, "#999")}">'
            f"</span>{e(p)}</td>{_fig_cells(f, src)}</tr>" for p, f in pr.parts.items())
        part_rows += (
            f"<tr><td><b>inference only</b></td>{_fig_cells(pr.inference_only, src)}</tr>"
            f"<tr><td><b>total, extended boundary</b></td>{_fig_cells(pr.total, src)}</tr>")
        curve = ""
        if pr.curve is not None:
            be = pr.curve.break_even
            be_html = "" if be is None else (
                f"<p>Break-even against <b>{e(be.alternative)}</b> (EPC "
                f"{e(fmt_carbon(be.alternative_epc))}, "
                f"{e(fmt_carbon(be.alternative_per_request))} per request): "
                f"<span data-figure=\"break-even\">{e(be.explanation)}</span></p>")
            curve = ("<h3>Per-request cost over lifetime request volume</h3>"
                     + _chart(chart_cost_curve(ds)) + be_html)
        out.append(
            "<section id=\"per-request\"><h2>Per-request ASC^e</h2>"
            f'<p class="boundary">{e(pr.boundary)}</p>'
            f"<p>Basis: {e(pr.basis)}. Energy per request: {e(fmt_energy(pr.energy))}.</p>"
            + _chart(chart_per_request(ds))
            + f"<table><tr><th>part</th>{_FIG_HEAD}</tr>{part_rows}</table>{curve}</section>")
    elif ds.per_request_missing:
        out.append("<section id=\"per-request\"><h2>Per-request ASC^e</h2>"
                   f"<p>Not reported: {e(ds.per_request_missing)}</p></section>")

    if ds.compression:
        rows = ""
        for r in ds.compression:
            red = ("unknown" if r.energy_reduction_pct is None
                   else f"{fmt_num(r.energy_reduction_pct)} %")
            be_txt = ("none" if r.break_even_requests is None
                      else fmt_count(r.break_even_requests))
            rows += (
                f"<tr><td>{e(r.technique)}</td><td>{e(names.get(r.parent, r.parent))} → "
                f"{e(names.get(r.child, r.child))}</td><td>{e(r.metric_name)} "
                f"{e(fmt_num(r.metric_before))} → {e(fmt_num(r.metric_after))}</td>"
                f"<td class=\"num\">{e(fmt_count(r.size_before))} → "
                f"{e(fmt_count(r.size_after))} B</td><td class=\"num\">"
                f"{e(fmt_energy(r.energy_per_request_before))} → "
                f"{e(fmt_energy(r.energy_per_request_after))}</td><td>"
                f"{_prov(r.energy_provenance)}</td><td class=\"num\">{e(red)}</td>"
                f"<td class=\"num\">{e(fmt_carbon(r.job_carbon))}</td><td class=\"num\">"
                f"{e(be_txt)}</td></tr>")
        out.append("<section id=\"compression\"><h2>Compression results</h2><table><tr>"
                   "<th>technique</th><th>parent → child</th><th>quality</th><th>size</th>"
                   "<th>energy / request</th><th>provenance</th><th>reduction</th>"
                   "<th>job carbon</th><th>break-even requests</th></tr>"
                   f"{rows}</table></section>")
    if ds.advice:
        rows = "".join(
            f"<tr><td>{e(a.technique)}</td><td class=\"num\">{a.score}</td><td>{e(a.advice)}"
            f"</td><td><ul>{''.join(f'<li>{e(x)}</li>' for x in a.explanation)}</ul></td></tr>"
            for a in ds.advice)
        out.append("<section id=\"advice\"><h2>Adoption advice</h2><table><tr>"
                   "<th>technique</th><th>score</th><th>advice</th><th>why</th></tr>"
                   f"{rows}</table></section>")
    rows = "".join(f"<tr><td>{e(a.name)}</td><td>{e(a.value)}</td>"
                   f"<td class=\"src\">{src.ref(a.source)}</td><td>{e(a.year or '')}</td></tr>"
                   for a in ds.assumptions)
    notes = "".join(f"<li>{e(n)}</li>" for n in [*ds.notes, ds.offsets_statement])
    out.append("<section id=\"assumptions\"><h2>Assumptions</h2><table><tr><th>assumption</th>"
               f"<th>value</th><th>source</th><th>year</th></tr>{rows}</table>"
               f"<h3>Notes</h3><ul>{notes}</ul></section>")
    out.append(src.html())
    out.append(f"<footer>Generated by {e(ds.generated_by)} · datasheet schema "
               f"{e(ds.schema_version)}</footer>")
    return page(f"Carbon datasheet: {i.name}", "".join(out), header=header)
