"""Charts of a datasheet as inline SVG strings, drawn with matplotlib (no pyplot state).

Text stays text (``svg.fonttype = none``) so that a browser shows and finds the figures;
mathtext is off so a ``$`` in a model name is printed, not parsed; every label is escaped by
matplotlib's SVG writer; the output carries no date, so the same datasheet gives the same SVG.

>>> from assess.datasheet._render_charts import svg_bar
>>> svg = svg_bar({"training": 3.0, "data": 1.0}, title="EPC by phase", salt="doc")
>>> svg.startswith("<svg") and "training" in svg and "<?xml" not in svg
True
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from assess.datasheet._escape import one_line
from assess.datasheet._format import carbon_unit, fmt_count, fmt_g, fmt_share
from assess.datasheet._model import Datasheet

__all__ = [
    "PART_COLOURS",
    "chart_cost_curve",
    "chart_epc_by_ancestor",
    "chart_epc_by_phase",
    "chart_lineage",
    "chart_per_request",
    "svg_bar",
]

#: One colour per ASC^e part, used by every chart and the HTML legend.
PART_COLOURS: dict[str, str] = {
    "operational": "#2b6cb0",
    "overhead": "#63b3ed",
    "embodied": "#805ad5",
    "platform": "#d69e2e",
    "products": "#e53e3e",
    "retraining": "#38a169",
}
_KIND_COLOURS = {"model": "#ebf4ff", "dataset": "#f0fff4", "platform": "#fffaf0"}
_INK = "#1a202c"
_MUTED = "#4a5568"
_MAX_LABEL = 38
_NODE_WIDTH = 24
_BAR_LABEL = 30


def _rc(salt: str) -> Any:
    return {
        "svg.fonttype": "none",
        "svg.hashsalt": f"modelcarbon-{salt}",
        "text.parse_math": False,
        "font.family": "sans-serif",
        "font.size": 9.0,
        "axes.edgecolor": "#a0aec0",
        "axes.labelcolor": _MUTED,
        "xtick.color": _MUTED,
        "ytick.color": _MUTED,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _short(text: str, n: int = _MAX_LABEL) -> str:
    """A label on one line (control characters and line breaks folded), cut to ``n``."""
    text = one_line(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _wrapped(text: str, width: int = _NODE_WIDTH) -> str:
    """A name whole, on lines of at most ``width`` characters (a node label is never cut)."""
    import textwrap

    return "\n".join(textwrap.wrap(one_line(text), width, break_on_hyphens=False)) or " "


def _to_svg(fig: Any) -> str:
    buf = io.StringIO()
    with warnings.catch_warnings():
        # text stays text in the SVG (svg.fonttype none): the browser draws it with its own
        # fonts, so a glyph that matplotlib's layout font lacks (CJK, emoji) is not lost
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font",
                                category=UserWarning)
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "modelcarbon"},
                    bbox_inches="tight", transparent=True)
    text = buf.getvalue()
    start = text.find("<svg")
    svg = text[start:]
    # shrink to fit a narrow page, never grow past the drawn size
    return svg.replace("<svg ", '<svg role="img" style="max-width:100%;height:auto" ', 1)


def _figure(width_in: float, height_in: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=96)


def svg_bar(values: Mapping[str, float], *, title: str, salt: str,
            colours: Sequence[str] | None = None) -> str:
    """A horizontal bar chart of carbon magnitudes [gCO2e] per label, largest first."""
    import matplotlib

    items = sorted(values.items(), key=lambda kv: -kv[1])
    factor, unit = carbon_unit(max((abs(v) for _, v in items), default=0.0))
    labels = [_wrapped(k, _BAR_LABEL) for k, _ in items][::-1]  # whole, over lines
    lines = max((t.count("\n") + 1 for t in labels), default=1)
    with matplotlib.rc_context(_rc(salt)):
        fig = _figure(6.4, 0.5 + (0.24 + 0.14 * lines) * max(len(items), 1))
        ax = fig.add_subplot()
        grams = [v for _, v in items][::-1]
        vals = [v / factor for v in grams]  # the axis in the unit of its label
        cols = list(colours)[::-1] if colours is not None else ["#2b6cb0"] * len(vals)
        bars = ax.barh(range(len(vals)), vals, color=cols, height=0.62)
        ax.set_yticks(range(len(vals)), labels)
        top = max(vals) if vals else 1.0
        for bar, g in zip(bars, grams, strict=True):
            ax.text(bar.get_width() + 0.01 * top, bar.get_y() + bar.get_height() / 2,
                    fmt_g(g), va="center", fontsize=8.5, color=_INK)
        ax.set_xlim(0, top * 1.25 if top > 0 else 1.0)
        _plain_ticks(ax.xaxis)
        ax.set_xlabel(unit)
        ax.set_title(title, loc="left", fontsize=10, color=_INK)
        return _to_svg(fig)


def chart_epc_by_phase(ds: Datasheet) -> str | None:
    """EPC by phase of making; None when the EPC has no phases."""
    data = {p.phase: p.carbon.g for p in ds.epc.by_phase}
    if not data:
        return None
    return svg_bar(data, title="EPC by phase", salt=f"phase-{ds.identity.id}")


def chart_epc_by_ancestor(ds: Datasheet) -> str | None:
    """EPC carried from each ancestor (and the product's own jobs)."""
    data = {f"{a.name} ({fmt_share(a.share)})": a.carbon.g for a in ds.epc.by_ancestor}
    if not data:
        return None
    return svg_bar(data, title="EPC by ancestor (share applied)", salt=f"anc-{ds.identity.id}",
                   colours=["#805ad5"] * len(data))


def chart_per_request(ds: Datasheet) -> str | None:
    """Stacked bars: inference-only boundary beside the extended boundary (ASC^e)."""
    pr = ds.per_request
    if pr is None:
        return None
    import matplotlib

    inner = ("operational", "overhead", "embodied")
    factor, unit = carbon_unit(pr.total.g)
    with matplotlib.rc_context(_rc(f"req-{ds.identity.id}")):
        fig = _figure(6.4, 1.9)
        ax = fig.add_subplot()
        rows = ["inference only", "extended (ASC^e)"]
        for y in range(len(rows)):
            left = 0.0
            for part, colour in PART_COLOURS.items():
                if part not in pr.parts or (y == 0 and part not in inner):
                    continue
                v = pr.parts[part].g / factor
                ax.barh(y, v, left=left, color=colour, height=0.55,
                        label=part if y == 1 else None)
                left += v
            ax.text(left, y, "  " + fmt_g(left * factor), va="center", fontsize=8.5,
                    color=_INK)
        ax.set_yticks(range(len(rows)), rows)
        ax.invert_yaxis()
        ax.set_xlim(0, pr.total.g / factor * 1.3 if pr.total.g > 0 else 1.0)
        _plain_ticks(ax.xaxis)
        ax.set_xlabel(f"{unit} per request")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=6, frameon=False,
                  fontsize=8)
        ax.set_title("Per-request ASC^e by part", loc="left", fontsize=10, color=_INK)
        return _to_svg(fig)


def chart_cost_curve(ds: Datasheet) -> str | None:
    """Per-request cost over lifetime request volume (log-log), with the break-even."""
    pr = ds.per_request
    if pr is None or pr.curve is None:
        return None
    import matplotlib

    pts = pr.curve.points
    n = [p.requests for p in pts]
    total = [p.per_request.m_as("gCO2e") for p in pts]
    share = [p.epc_share.m_as("gCO2e") for p in pts]
    op = [p.operational.m_as("gCO2e") for p in pts]
    with matplotlib.rc_context(_rc(f"curve-{ds.identity.id}")):
        fig = _figure(6.4, 3.2)
        ax = fig.add_subplot()
        ax.plot(n, total, color=_INK, lw=2, label="per-request ASC^e")
        if any(v > 0 for v in share):
            ax.plot(n, [max(v, 1e-300) for v in share], color=PART_COLOURS["products"],
                    lw=1.4, ls="--", label="inherited EPC share")
        ax.plot(n, op, color=PART_COLOURS["operational"], lw=1.4, ls=":",
                label="everything but the EPC share")
        be = pr.curve.break_even
        if be is not None and be.requests is not None and n[0] <= be.requests <= n[-1]:
            ax.axvline(be.requests, color="#718096", lw=1)
            ax.text(be.requests, max(total), f" break-even vs {_short(be.alternative, 24)}:\n"
                    f" {fmt_count(be.requests)} requests", fontsize=8, va="top", color=_MUTED)
        if pr.lifetime_requests is not None and n[0] <= pr.lifetime_requests <= n[-1]:
            ax.axvline(pr.lifetime_requests, color=PART_COLOURS["products"], lw=0.8, alpha=0.5,
                       label="expected lifetime requests")
        ax.set_xscale("log")
        _plain_log_ticks(ax.xaxis, _compact_count)
        positive = [v for v in total + share + op if v > 0]
        if positive:
            ax.set_yscale("log")
            ax.set_ylim(min(positive) / 2, max(positive) * 2)
            _plain_log_ticks(ax.yaxis, fmt_g)  # each decade tick carries its own unit
        ax.set_xlabel("lifetime requests")
        ax.set_ylabel("CO2e per request (unit on each tick)")
        ax.grid(True, which="major", color="#edf2f7", lw=0.8)
        # below the axes, clear of the lines
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False,
                  fontsize=8)
        ax.set_title("Per-request cost over lifetime request volume", loc="left", fontsize=10,
                     color=_INK)
        return _to_svg(fig)


def _compact_count(n: float) -> str:
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= factor:
            return f"{n / factor:g}{suffix}"
    return f"{n:g}"


def _plain_ticks(axis: Any) -> None:
    """Linear ticks as plain numbers: no offset (``1e-6`` above the axis), no exponent."""
    from matplotlib.ticker import ScalarFormatter

    fmt = ScalarFormatter(useOffset=False, useMathText=False)
    fmt.set_scientific(False)
    axis.set_major_formatter(fmt)


def _plain_log_ticks(axis: Any, label: Any) -> None:
    """Decade ticks labelled as plain text (mathtext is off, so no ``10^{k}`` markup)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10.0, numticks=8))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: label(v)))
    axis.set_minor_formatter(NullFormatter())


def _layers(ds: Datasheet) -> dict[int, list[str]]:
    layers: dict[int, list[str]] = {}
    for node in sorted(ds.lineage.nodes, key=lambda x: (x.depth, x.name, x.id)):
        layers.setdefault(node.depth, []).append(node.id)
    return layers


def chart_lineage(ds: Datasheet) -> str:
    """The lineage as a layered diagram: ancestors above, arrows carry EPC downwards."""
    import matplotlib
    from matplotlib.patches import FancyArrowPatch

    nodes = {n.id: n for n in ds.lineage.nodes}
    layers = _layers(ds)
    depth = max(layers) if layers else 0
    widest = max((len(v) for v in layers.values()), default=1)
    pos: dict[str, tuple[float, float]] = {}
    for d, ids in layers.items():
        for i, node_id in enumerate(ids):
            pos[node_id] = ((i + 0.5) * widest / len(ids), float(d))
    labels = {k: f"{_wrapped(n.name)}\n{n.kind}" for k, n in nodes.items()}
    lines = max((t.count("\n") + 1 for t in labels.values()), default=2)
    half_in = (lines * 10.2 + 7.7) / 144  # half a node box [inch]: 8.5 pt lines, padding
    row_in = max(1.55, 2 * half_in + 0.9)  # one layer [inch], room for the edge label
    off = (half_in + 0.06) / row_in  # arrows start and end clear of the boxes [layer]
    with matplotlib.rc_context(_rc(f"lineage-{ds.identity.id}")):
        fig = _figure(max(4.2, 3.0 * widest), 1.0 + row_in * depth)
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_xlim(-0.05, widest + 0.05)
        ax.set_ylim(-0.45, depth + 0.45)
        for e in ds.lineage.edges:
            if e.child not in pos or e.parent not in pos:
                continue
            (x0, y0), (x1, y1) = pos[e.parent], pos[e.child]
            # an edge that skips a layer bows outwards, away from the nodes in between
            skip = y0 - y1 > 1.5
            rad = 0.0 if not skip else (0.35 if x0 <= x1 else -0.35)
            ax.add_patch(FancyArrowPatch((x0, y0 - off), (x1, y1 + off),
                                         arrowstyle="-|>", mutation_scale=11,
                                         connectionstyle=f"arc3,rad={rad}",
                                         color="#718096", lw=1.1))
            label = e.kind.replace("_", " ")
            if e.share is not None:
                label += f"\nshare {fmt_share(e.share)}"
            # label on the curve: a quadratic Bezier's midpoint is mid + rad/2 * (dy, -dx)
            dx, dy = x1 - x0, (y1 + off) - (y0 - off)
            lx = (x0 + x1) / 2 + rad / 2 * dy
            ly = (y0 + y1) / 2 - rad / 2 * dx
            if not skip:
                lx, ly = x0 + 0.5 * dx, y0 - off + 0.5 * dy
            ax.text(lx, ly, label, fontsize=7.5, ha="center", va="center", color=_MUTED,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none"})
        for node_id, (x, y) in pos.items():
            node = nodes[node_id]
            subject = node.depth == 0
            ax.text(x, y, labels[node_id], ha="center", va="center",
                    fontsize=8.5, color=_INK, fontweight="bold" if subject else "normal",
                    bbox={"boxstyle": "round,pad=0.45",
                          "fc": _KIND_COLOURS.get(node.kind, "#f7fafc"),
                          "ec": _INK if subject else "#a0aec0", "lw": 1.6 if subject else 0.8})
        return _to_svg(fig)
