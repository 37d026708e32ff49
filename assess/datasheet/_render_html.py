"""The datasheet as one self-contained HTML page: inline CSS, inline SVG charts, no scripts,
no external assets.

Pages come from Jinja2 templates (``assess/datasheet/_templates/*.html.j2``, shipped as package
data) rendered with autoescape on: every value a template prints is HTML-escaped unless it is
:class:`markupsafe.Markup`, which only the stylesheet, the SVG charts (drawn here, their labels
escaped by matplotlib's SVG writer) and the source links (built from escaped parts) are.

Key figures carry ``data-figure`` attributes (``epc-total``, ``per-request-total``,
``inference-only``; ``...-uncertainty`` beside each) so that a browser check can find them in
the rendered page. Every carbon figure in a table is shown as a range (``x ± u``) or says
``uncertainty unknown``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from assess.datasheet._format import (
    USER_INPUT,
    fmt_bytes,
    fmt_carbon,
    fmt_count,
    fmt_energy,
    fmt_epc,
    fmt_g,
    fmt_num,
    fmt_range,
    fmt_share,
    fmt_uncertainty,
)
from assess.datasheet._model import SOURCE_SEP, Datasheet
from assess.datasheet._render_charts import (
    PART_COLOURS,
    chart_cost_curve,
    chart_epc_by_ancestor,
    chart_epc_by_phase,
    chart_lineage,
    chart_per_request,
)
from assess.datasheet._render_serving import chart_generation, generation_rows

__all__ = ["PAGE_CSS", "TEMPLATES", "environment", "render_html", "render_template"]

#: Where the page templates live (package data).
TEMPLATES = Path(__file__).resolve().parent / "_templates"

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
td.none{color:var(--muted);font-style:italic}
table:not(.portfolio) td{overflow-wrap:anywhere}
table.portfolio{font-size:12.5px}table.portfolio th{overflow-wrap:break-word}
table.portfolio td{overflow-wrap:break-word}table.portfolio td.num{white-space:normal}
table.portfolio small{color:var(--muted)}table.portfolio a{color:var(--accent)}
td.src{font-size:12.5px;color:var(--muted);max-width:340px}
td.src a,ol.sources a{color:var(--accent);text-decoration:none}
ol.sources{font-size:12.5px;color:var(--muted);padding-left:28px}
ol.sources li{margin:3px 0}
"""


@cache
def environment() -> jinja2.Environment:
    """The template environment: autoescape on for every template, undefined names an error,
    the number formatters as globals."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.globals.update(
        fmt_bytes=fmt_bytes, fmt_carbon=fmt_carbon, fmt_count=fmt_count,
        fmt_energy=fmt_energy, fmt_epc=fmt_epc,
        fmt_g=fmt_g, fmt_num=fmt_num, fmt_range=fmt_range, fmt_share=fmt_share,
        fmt_uncertainty=fmt_uncertainty, css=Markup(PAGE_CSS))
    return env


def render_template(name: str, **context: Any) -> str:
    """Render one of the page templates (autoescaped) with ``context``."""
    return environment().get_template(name).render(**context)


class _Sources:
    """Numbered sources: a table cell shows ``[n] short label``, the list gives the full text."""

    def __init__(self) -> None:
        self.items: dict[str, int] = {}

    def ref(self, text: str | None) -> Markup:
        if not text:
            return Markup("not stated")
        if text == USER_INPUT:  # the user's own figure: no reference to number
            return Markup(USER_INPUT)
        out = []
        for part in (p.strip() for p in text.split(SOURCE_SEP)):
            if not part:
                continue
            n = self.items.setdefault(part, len(self.items) + 1)
            short = part if len(part) <= 70 else part[:69] + "…"
            out.append(Markup('<a href="#src-{}" title="{}">[{}]</a> {}').format(
                n, part, n, short))
        return Markup("<br>").join(out)


def _svg(svg: str | None) -> Markup | None:
    return None if svg is None else Markup(svg)  # drawn here; matplotlib escapes its labels


def render_html(ds: Datasheet) -> str:
    """The datasheet as a self-contained HTML page (``datasheet.html.j2``)."""
    i = ds.identity
    chips = [f"{i.kind}", f"id {i.id}"]
    chips += [f"{k} {v}" for k, v in (("revision", i.revision), ("licence", i.licence),
                                      ("task", i.task), ("lifetime", i.lifetime)) if v]
    charts = {"lineage": _svg(chart_lineage(ds)), "phase": _svg(chart_epc_by_phase(ds)),
              "ancestor": _svg(chart_epc_by_ancestor(ds)),
              "per_request": _svg(chart_per_request(ds)), "curve": _svg(chart_cost_curve(ds)),
              "generation": _svg(chart_generation(ds))}
    return render_template(
        "datasheet.html.j2", title=f"Carbon datasheet: {i.name}", wide=False, ds=ds, i=i,
        generation=generation_rows(ds),
        pr=ds.per_request, chips=chips, names={n.id: n.name for n in ds.lineage.nodes},
        epc_meta=("per model (making, incl. inherited shares)" if ds.epc.bound is None
                  else ds.epc.bound),
        charts=charts, colours=PART_COLOURS, src=_Sources(), escape=escape)
