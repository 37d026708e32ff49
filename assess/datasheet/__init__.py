"""assess.datasheet: per-model carbon datasheets and the portfolio report.

:func:`build_datasheet` reads a lineage graph (or a ledger) into a :class:`Datasheet`:
display records of the model's EPC by phase and by ancestor, its per-request figure and
break-even against an alternative (computed by :mod:`lineage`), provenance and sources.
Renderers write it as HTML with inline SVG charts, Markdown, JSON (validated against the
published schema) and Hugging Face model-card YAML; :func:`portfolio` and
:func:`write_portfolio` summarise many models in CSV, Parquet and HTML.
"""

from __future__ import annotations

from assess.datasheet._build import Alternative, alternative_from_graph, build_datasheet
from assess.datasheet._files import FORMATS, safe_stem, write_datasheet
from assess.datasheet._inventory import inventory, parse_period, write_inventory
from assess.datasheet._model import CarbonFigure, Datasheet
from assess.datasheet._portfolio import portfolio, portfolio_from_datasheets, write_portfolio
from assess.datasheet._render_html import render_html
from assess.datasheet._render_text import render_hf_yaml, render_json, render_markdown
from assess.datasheet._schema import datasheet_schema, validate_datasheet_json

__all__ = [
    "FORMATS",
    "Alternative",
    "CarbonFigure",
    "Datasheet",
    "alternative_from_graph",
    "build_datasheet",
    "datasheet_schema",
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
