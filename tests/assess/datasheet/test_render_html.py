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




def _empty(ds: Datasheet) -> Datasheet:
    return ds.model_copy(update={
        "epc": ds.epc.model_copy(update={"by_phase": [], "by_ancestor": [], "jobs": []}),
        "assumptions": []})


def _rows_after(page: str, heading: str) -> str:
    return page.split(heading, 1)[1].split("</table>", 1)[0]


def test_empty_tables_say_none_recorded(datasheet: Datasheet) -> None:
    # bug: an empty table showed its headers over nothing
    page = render_html(_empty(datasheet))
    for heading in ("<h3>By phase</h3>", "<h3>By ancestor</h3>", "<h3>Jobs</h3>",
                    "<h2>Assumptions</h2>"):
        assert "none recorded" in _rows_after(page, heading), heading
    assert "none recorded" not in render_html(datasheet)


def test_lower_bounds_are_written_as_lower_bounds(datasheet: Datasheet) -> None:
    lower = datasheet.model_copy(update={"epc": datasheet.epc.model_copy(
        update={"complete": False})})
    page = html.unescape(render_html(lower))
    assert datasheet.per_request is not None
    per_request = fmt_carbon(datasheet.per_request.total.value)
    card = re.search(r'data-figure="per-request-total">([^<]*)<', page)
    assert card and card.group(1) == f"≥ {per_request}"
    assert f"≥ {per_request}" in _rows_after(page, "<h2>Per-request ASC^e</h2>")
    assert "≥" not in html.unescape(render_html(datasheet))


def test_user_inputs_are_labelled_as_such(datasheet: Datasheet) -> None:
    # bug: a user's --pue 1.3 was shown with the source 'not stated'
    page = html.unescape(render_html(datasheet))
    row = re.search(r"<td>PUE of [^<]*</td><td>1.2</td><td[^>]*>(.*?)</td>", page)
    assert row and "user input" in row.group(1) and "not stated" not in row.group(1)
