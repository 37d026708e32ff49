"""Writing datasheets to files: one file per format, named after the product id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assess.datasheet._model import Datasheet
from assess.datasheet._render_html import render_html
from assess.datasheet._render_text import render_hf_yaml, render_json, render_markdown

__all__ = ["FORMATS", "safe_stem", "write_datasheet"]

#: Datasheet formats: file suffix by name.
FORMATS: dict[str, str] = {"html": ".html", "md": ".md", "json": ".json", "hf": ".hf.yaml"}

def safe_stem(product: str) -> str:
    """A file name for a product id (path separators and odd characters replaced)."""
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in product).strip("._")
    return keep or "product"


def write_datasheet(ds: Datasheet, out: Path, formats: list[str]) -> list[Path]:
    """Write one datasheet in each format under ``out``; returns the paths written."""
    renderers: dict[str, Callable[[Datasheet], str]] = {
        "html": render_html, "md": render_markdown, "json": render_json, "hf": render_hf_yaml}
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{safe_stem(ds.identity.id)}{FORMATS[fmt]}"
        path.write_text(renderers[fmt](ds), encoding="utf-8")
        paths.append(path)
    return paths
