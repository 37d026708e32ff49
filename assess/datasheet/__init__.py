"""assess.datasheet: per-model carbon datasheets and the portfolio report.

:func:`build_datasheet` reads a lineage graph (or a ledger) into a :class:`Datasheet`:
display records of the model's EPC by phase and by ancestor, its per-request figure and
break-even against an alternative (computed by :mod:`lineage`), provenance and sources.
Renderers write it as HTML with inline SVG charts, Markdown, JSON (validated against the
published schema) and Hugging Face model-card YAML; :func:`portfolio` and
:func:`write_portfolio` summarise many models in CSV, Parquet and HTML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from carbon import lazy_exports

if TYPE_CHECKING:
    from assess.datasheet._build import Alternative, alternative_from_graph, build_datasheet
    from assess.datasheet._files import FORMATS, safe_stem, write_datasheet
    from assess.datasheet._inventory import inventory, parse_period, write_inventory
    from assess.datasheet._model import CarbonFigure, Datasheet
    from assess.datasheet._portfolio import portfolio, portfolio_from_datasheets, write_portfolio
    from assess.datasheet._render_html import render_html
    from assess.datasheet._render_text import render_hf_yaml, render_json, render_markdown
    from assess.datasheet._schema import datasheet_schema, validate_datasheet_json
    from assess.datasheet._serving import GenerationSection, generation_section

#: Each public name's module, imported on first use (PEP 562): importing the package stays cheap
_EXPORTS: dict[str, tuple[str, ...]] = {
    "assess.datasheet._build": ("Alternative", "alternative_from_graph", "build_datasheet"),
    "assess.datasheet._files": ("FORMATS", "safe_stem", "write_datasheet"),
    "assess.datasheet._inventory": ("inventory", "parse_period", "write_inventory"),
    "assess.datasheet._model": ("CarbonFigure", "Datasheet"),
    "assess.datasheet._portfolio": ("portfolio", "portfolio_from_datasheets", "write_portfolio"),
    "assess.datasheet._render_html": ("render_html",),
    "assess.datasheet._render_text": ("render_hf_yaml", "render_json", "render_markdown"),
    "assess.datasheet._schema": ("datasheet_schema", "validate_datasheet_json"),
    "assess.datasheet._serving": ("GenerationSection", "generation_section"),
}
__all__ = [
    "FORMATS",
    "Alternative",
    "CarbonFigure",
    "Datasheet",
    "GenerationSection",
    "alternative_from_graph",
    "build_datasheet",
    "datasheet_schema",
    "generation_section",
    "inventory",
    "parse_period",
    "portfolio",
    "portfolio_from_datasheets",
    "render_hf_yaml",
    "render_html",
    "render_json",
    "render_markdown",
    "safe_stem",
    "validate_datasheet_json",
    "write_datasheet",
    "write_inventory",
    "write_portfolio",
]


#: each public name imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
