"""The generation section drawn: a batch-size chart (SVG), table rows for HTML and Markdown.

The chart plots energy per 1,000 tokens [J] against batch size [requests per batch] (log 2),
one line each for the whole serving cost and decode (per 1,000 generated tokens) and for
prefill (per 1,000 prompt tokens), with the trials' intervals as error bars.

>>> from assess.datasheet._render_serving import interval_text
>>> from carbon import quantity
>>> interval_text(quantity(36.0, "J"), quantity(30.0, "J"), quantity(40.0, "J"))
'36 J (30 J – 40 J)'
"""

from __future__ import annotations

from typing import Any

from assess.datasheet._escape import md
from assess.datasheet._format import fmt_carbon, fmt_energy, fmt_num
from assess.datasheet._model import Datasheet
from assess.datasheet._render_charts import _figure, _plain_ticks, _rc, _to_svg
from assess.datasheet._serving import TokenFigure

__all__ = ["chart_generation", "generation_markdown", "generation_rows", "interval_text"]

_LINES = (("total", "serving (batches + idle), per 1,000 generated tokens", "#2b6cb0"),
          ("decode", "decode, per 1,000 generated tokens", "#38a169"),
          ("prefill", "prefill, per 1,000 prompt tokens", "#d69e2e"))
_UNKNOWN = "unknown"


def interval_text(mean: Any | None, low: Any | None, high: Any | None,
                  fmt: Any = fmt_energy) -> str:
    """``mean (low – high)`` in the unit that reads best; ``unknown`` for None."""
    if mean is None:
        return _UNKNOWN
    if low is None or high is None:
        return str(fmt(mean))
    return f"{fmt(mean)} ({fmt(low)} – {fmt(high)})"


def _energy(f: TokenFigure) -> str:
    return interval_text(f.energy, f.energy_low, f.energy_high)


def _carbon(f: TokenFigure) -> str:
    return interval_text(f.carbon, f.carbon_low, f.carbon_high, fmt_carbon)


def generation_rows(ds: Datasheet) -> list[dict[str, str]]:
    """One row of display strings per batch size (empty without a generation section)."""
    g = ds.generation
    if g is None:
        return []
    return [{"batch": str(p.batch_size), "trials": str(p.trials),
             "tokens": f"{p.prompt_tokens} → {p.completion_tokens}",
             "total": _energy(p.total), "total_g": _carbon(p.total),
             "prefill": _energy(p.prefill), "prefill_g": _carbon(p.prefill),
             "decode": _energy(p.decode), "decode_g": _carbon(p.decode),
             "idle": ("0 J (the server never waited)" if p.idle.energy is not None
                      and p.idle.energy.m == 0 and p.idle.energy_high is not None
                      and p.idle.energy_high.m == 0 else _energy(p.idle)),
             "ttft": f"{fmt_num(p.ttft.m_as('ms'))} ms",
             "latency": f"{fmt_num(p.latency.m_as('ms'))} ms",
             "provenance": p.provenance or _UNKNOWN} for p in g.points]


def generation_markdown(ds: Datasheet) -> list[str]:
    """The section as Markdown lines (empty without a generation section)."""
    g = ds.generation
    if g is None:
        return []
    lines = ["## Generation: energy and carbon per 1,000 tokens", "",
             f"{md(g.method)} Model {md(g.model)} on {md(g.device)}; PUE {fmt_num(g.pue)}, "
             f"grid {md(g.intensity)}; intervals at {fmt_num(100 * g.level)} %.", ""]
    if g.serving_log:
        lines += [f"Serving log: `{md(g.serving_log)}`.", ""]
    lines += ["| batch size | trials | tokens in → out | serving per 1k generated | "
              "prefill per 1k prompt | decode per 1k generated | idle per 1k generated | "
              "time to first token | latency | provenance |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in generation_rows(ds):
        lines.append(f"| {r['batch']} | {r['trials']} | {r['tokens']} | {r['total']}, "
                     f"{r['total_g']} | {r['prefill']}, {r['prefill_g']} | {r['decode']}, "
                     f"{r['decode_g']} | {r['idle']} | {r['ttft']} | {r['latency']} | "
                     f"{md(r['provenance'])} |")
    return [*lines, ""]


def chart_generation(ds: Datasheet) -> str | None:
    """Energy per 1,000 tokens [J] against batch size; None without a generation section
    or when no figure is known."""
    g = ds.generation
    if g is None:
        return None
    import matplotlib

    sizes = [p.batch_size for p in g.points]
    drawn = False
    with matplotlib.rc_context(_rc(f"gen-{ds.identity.id}")):
        fig = _figure(6.4, 3.0)
        ax = fig.add_subplot()
        for part, label, colour in _LINES:
            figs = [getattr(p, part) for p in g.points]
            known = [(b, f) for b, f in zip(sizes, figs, strict=True) if f.energy is not None]
            if not known:
                continue
            drawn = True
            xs = [b for b, _ in known]
            ys = [float(f.energy.m_as("J")) for _, f in known]
            lo = [y - float(f.energy_low.m_as("J")) if f.energy_low is not None else 0.0
                  for y, (_, f) in zip(ys, known, strict=True)]
            hi = [float(f.energy_high.m_as("J")) - y if f.energy_high is not None else 0.0
                  for y, (_, f) in zip(ys, known, strict=True)]
            ax.errorbar(xs, ys, yerr=[lo, hi], marker="o", color=colour, label=label,
                        capsize=3, linewidth=1.4, markersize=4)
        if not drawn:
            return None
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes, [str(b) for b in sizes])
        ax.minorticks_off()
        ax.set_ylim(bottom=0)
        _plain_ticks(ax.yaxis)
        ax.set_xlabel("batch size [requests per batch]")
        ax.set_ylabel("energy per 1,000 tokens [J]")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1, frameon=False,
                  fontsize=8)
        ax.set_title(f"Generation energy per 1,000 tokens by batch size ({g.device})",
                     loc="left", fontsize=10, color="#1a202c")
        return _to_svg(fig)
