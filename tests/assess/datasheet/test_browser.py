"""The HTML pages in a real headless browser: no console errors, key figures in the rendered
DOM, a screenshot saved, and an HTML-injection attempt shown as text."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from assess.datasheet._format import fmt_carbon
from assess.datasheet._model import Datasheet
from assess.datasheet._portfolio import portfolio_from_datasheets, render_portfolio_html
from assess.datasheet._render_html import render_html
from tests.assess.datasheet.browser import load, require_chromium, widths
from tests.assess.datasheet.conftest import INJECTION, make_datasheet


def _shot(name: str, tmp_path: Path) -> Path:
    """Screenshots go under pytest's tmp_path only (never into the working tree)."""
    return tmp_path / name


def _figure_text(dom: str, key: str) -> str:
    m = re.search(rf'data-figure="{key}"[^>]*>([^<]*)<', dom)
    assert m, f"figure {key} not in the rendered DOM"
    return html.unescape(m.group(1))


def test_detector_sees_console_errors(tmp_path: Path) -> None:
    chromium = require_chromium()
    bad = tmp_path / "bad.html"
    bad.write_text('<html><body><script>console.error("boom"); nope();</script></body></html>')
    loaded = load(chromium, bad, tmp_path / "bad.png", height=400)
    assert any("boom" in m for m in loaded.console)
    assert any("Uncaught" in p for p in loaded.problems)


def test_datasheet_page_renders(tmp_path: Path) -> None:
    chromium = require_chromium()
    ds = make_datasheet()
    page = tmp_path / "datasheet.html"
    page.write_text(render_html(ds), encoding="utf-8")
    loaded = load(chromium, page, _shot("datasheet.png", tmp_path))
    assert loaded.console == [] and loaded.problems == []
    assert _figure_text(loaded.dom, "epc-total") == fmt_carbon(ds.epc.total.value)
    assert ds.per_request is not None
    assert _figure_text(loaded.dom, "per-request-total") == fmt_carbon(ds.per_request.total.value)
    assert _figure_text(loaded.dom, "inference-only") == fmt_carbon(
        ds.per_request.inference_only.value)
    assert loaded.dom.count("<svg") >= 4  # inline charts survived parsing
    assert loaded.screenshot.stat().st_size > 20_000


def test_injection_renders_as_text(tmp_path: Path, hostile: Datasheet) -> None:
    chromium = require_chromium()
    page = tmp_path / "hostile.html"
    page.write_text(render_html(hostile), encoding="utf-8")
    loaded = load(chromium, page, _shot("datasheet-injection.png", tmp_path), height=900)
    assert loaded.console == [] and loaded.problems == []
    dom = loaded.dom
    assert "<img" not in dom and "<script" not in dom.split("<body", 1)[1]
    h1 = re.search(r"<h1>(.*?)</h1>", dom, re.S)
    assert h1 and html.unescape(h1.group(1)) == INJECTION


@pytest.mark.parametrize("rate", [1e8])
def test_portfolio_page_renders(tmp_path: Path, rate: float) -> None:
    chromium = require_chromium()
    sheets = [make_datasheet(name="model A"), make_datasheet(name=INJECTION, train_kwh=120.0)]
    df = portfolio_from_datasheets(sheets, requests_per_year=rate)
    page = tmp_path / "portfolio.html"
    page.write_text(render_portfolio_html(df), encoding="utf-8")
    loaded = load(chromium, page, _shot("portfolio.png", tmp_path), height=700)
    assert loaded.console == [] and loaded.problems == []
    expected = df["annual ASC^e [kgCO2e]"].sum() * 1e3
    from assess.datasheet._format import fmt_g

    assert _figure_text(loaded.dom, "portfolio-annual") == fmt_g(expected)
    assert "<img" not in loaded.dom


def test_missing_chromium_fails_under_ci_and_skips_otherwise(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.assess.datasheet import browser

    monkeypatch.setattr(browser, "chromium_path", lambda: None)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="chromium not found"):
        browser.require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="chromium not found"):
        browser.require_chromium()


def _many_models() -> list[Datasheet]:
    """Twelve models with long names, notes and a wide range of figures (a demo-sized page)."""
    sheets = []
    for k in range(12):
        ds = make_datasheet(name=f"a long model name number {k} distilled-student-v{k}",
                            train_kwh=0.01 * 10 ** (k % 7))
        sheets.append(ds.model_copy(update={
            "identity": ds.identity.model_copy(update={"id": f"org/model-{k}"}),
            "per_request": None if k % 4 == 0 else ds.per_request,
            "per_request_missing": ("no inference request was measured or stated for this "
                                    "model, so the per-request ASC^e is unknown")
            if k % 4 == 0 else None}))
    return sheets


def test_portfolio_fits_1280_px_and_links_its_datasheets(tmp_path: Path) -> None:
    # bug: the table was wider than the screen, the totals behind a horizontal scrollbar
    from urllib.parse import unquote

    from assess.datasheet import write_datasheet
    from assess.datasheet._portfolio import write_portfolio

    chromium = require_chromium()
    sheets = _many_models()
    for ds in sheets:
        write_datasheet(ds, tmp_path / "datasheets", ["html"])
    df = portfolio_from_datasheets(sheets, requests_per_year=1e8)
    (page,) = write_portfolio(df, tmp_path, formats=["html"])
    scroll, client, table_right = widths(chromium, page, _shot("portfolio-1280.png", tmp_path),
                                         height=2400)
    assert scroll <= client == 1280 and table_right <= client
    loaded = load(chromium, page, _shot("portfolio-wide.png", tmp_path), height=2400)
    assert loaded.console == [] and loaded.problems == []
    hrefs = re.findall(r'<a href="(datasheets/[^"]+)"', loaded.dom)
    assert len(hrefs) == len(sheets)
    assert all((tmp_path / unquote(h)).is_file() for h in hrefs)
    assert loaded.dom.count("<svg") == 1  # the summary chart


def test_datasheet_fits_1280_px(tmp_path: Path) -> None:
    chromium = require_chromium()
    page = tmp_path / "datasheet.html"
    page.write_text(render_html(make_datasheet(name="x" * 120)), encoding="utf-8")
    scroll, client, table_right = widths(chromium, page, _shot("datasheet-1280.png", tmp_path))
    assert scroll <= client and table_right <= client
