"""The HTML page: self-contained (no script, no external resource), the computed figures
shown, every user string escaped."""

from __future__ import annotations

import html
import re

from markupsafe import escape

from assess.datasheet._format import fmt_carbon
from assess.datasheet._model import Datasheet
from assess.datasheet._render_html import render_html
from tests.assess.datasheet.conftest import INJECTION


def test_html_is_self_contained(datasheet: Datasheet) -> None:
    page = render_html(datasheet)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert "@import" not in page
    assert not re.search(r"url\((?!#)", page)  # only in-page references (SVG clip paths)
    assert page.count("<svg") >= 4  # lineage, EPC by phase, by ancestor, per request, curve


def test_html_shows_key_figures(datasheet: Datasheet) -> None:
    page = render_html(datasheet)
    assert f'data-figure="epc-total">{fmt_carbon(datasheet.epc.total.value)}<' in page
    pr = datasheet.per_request
    assert pr is not None
    assert f'data-figure="per-request-total">{fmt_carbon(pr.total.value)}<' in page
    assert f'data-figure="inference-only">{fmt_carbon(pr.inference_only.value)}<' in page
    assert html.escape(datasheet.offsets_statement) in page
    assert "Extended boundary" in page


def test_html_escapes_injection(hostile: Datasheet) -> None:
    page = render_html(hostile)
    assert "<script" not in page and "<img" not in page
    assert str(escape(INJECTION)) in page  # Jinja2's autoescape (markupsafe)


