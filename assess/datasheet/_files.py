"""Writing datasheets to files: one file per format, named after the product id."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from assess.datasheet._model import Datasheet
from assess.datasheet._render_html import render_html
from assess.datasheet._render_text import render_hf_yaml, render_json, render_markdown
from carbon import DataError, InvalidValueError, UnknownKeyError

__all__ = ["FORMATS", "safe_stem", "write_datasheet"]

#: Datasheet formats: file suffix by name.
FORMATS: dict[str, str] = {"html": ".html", "md": ".md", "json": ".json", "hf": ".hf.yaml"}

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_HASHED = re.compile(r".*-[0-9a-f]{10}")
#: Longest readable part of a file name (the whole name stays far below 255 bytes).
_MAX_STEM = 80


def safe_stem(product: str) -> str:
    """A file name for a product id that cannot escape the folder or collide with another's.

    An id that is already a plain name (ASCII letters, digits, ``._-``, at most 100
    characters) is kept as it is. Any other id keeps a readable part (odd characters
    replaced, cut to 80 characters) and gains ten hex digits of its SHA-256, so that ``a/b``,
    ``a_b`` and ``a:b`` get three different files.

    >>> safe_stem("bert-base"), safe_stem("org/model:v1")
    ('bert-base', 'org_model_v1-a123334b7b')
    """
    if not isinstance(product, str):
        raise InvalidValueError("product", type(product).__name__, "a product id (text)")
    if _PLAIN.fullmatch(product) and not _HASHED.fullmatch(product):
        return product
    keep = "".join(c if (c.isascii() and c.isalnum()) or c in "-_." else "_"
                   for c in product).strip("._-")[:_MAX_STEM] or "product"
    digest = hashlib.sha256(product.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{keep}-{digest}"


def write_datasheet(ds: Datasheet, out: Path, formats: list[str]) -> list[Path]:
    """Write one datasheet in each format under ``out``; returns the paths written."""
    renderers: dict[str, Callable[[Datasheet], str]] = {
        "html": render_html, "md": render_markdown, "json": render_json, "hf": render_hf_yaml}
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UnknownKeyError("formats", unknown, f"formats among {', '.join(FORMATS)}")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DataError("out", str(out), f"a folder that can be created ({e.strerror})") from e
    paths = []
    for fmt in formats:
        path = out / f"{safe_stem(ds.identity.id)}{FORMATS[fmt]}"
        try:
            path.write_text(renderers[fmt](ds), encoding="utf-8")
        except OSError as e:
            raise DataError("out", str(path), f"a file that can be written ({e.strerror})") \
                from e
        paths.append(path)
    return paths
