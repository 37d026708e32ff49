"""The portfolio table: one row per datasheet, annual totals = rate x per-request figure,
unknown figures missing with a note (never zero), lower bounds marked on the page, one
request of a batch exact for every part, and the files written."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assess.datasheet._portfolio import (
    REPORT_COLUMNS,
    portfolio,
    portfolio_from_datasheets,
    render_portfolio_html,
    request_from_batch,
    write_portfolio,
)
from carbon import PARTS, Q_, InvalidValueError, asc_e
from tests.assess.datasheet.conftest import N, graph, make_datasheet, request_job, revalidated


def test_annual_totals_are_the_rate_times_the_per_request_figures() -> None:
    a, b = make_datasheet(name="A"), make_datasheet(name="B", train_kwh=120.0)
    b = b.model_copy(update={"identity": b.identity.model_copy(update={"id": "b"})})
    df = portfolio_from_datasheets([a, b], requests_per_year={"child": 1e6, "b": 2e6})
    assert list(df.columns) == list(REPORT_COLUMNS) and list(df["product"]) == ["child", "b"]
    for (_, row), ds, rate in zip(df.iterrows(), (a, b), (1e6, 2e6), strict=True):
        assert ds.per_request is not None
        assert row["annual ASC^e [kgCO2e]"] == pytest.approx(rate * ds.per_request.total.g / 1e3)
        assert row["annual operational [kgCO2e]"] == pytest.approx(
            rate * ds.per_request.inference_only.g / 1e3)
        assert row["epc [gCO2e]"] == pytest.approx(ds.epc.total.g)
        assert row["note"] == ""


def test_without_a_rate_the_annual_totals_are_unknown_not_zero() -> None:
    df = portfolio_from_datasheets([make_datasheet()])
    assert math.isnan(df["annual ASC^e [kgCO2e]"].iloc[0])
    assert "no request rate" in df["note"].iloc[0]
    assert df["per-request ASC^e [gCO2e]"].iloc[0] > 0


def test_a_datasheet_without_a_per_request_figure_says_why() -> None:
    g = graph()
    df = portfolio(g, kinds=("model", "dataset"), requests_per_year=1e6)
    rows = df.set_index("product")
    assert set(rows.index) == {"wiki", "bert", "distil"}
    assert math.isnan(rows.loc["wiki", "per-request ASC^e [gCO2e]"])
    assert "dataset" in rows.loc["wiki", "note"]
    assert math.isnan(rows.loc["bert", "annual ASC^e [kgCO2e]"])


def test_portfolio_of_a_graph_agrees_with_its_datasheets() -> None:
    from assess.datasheet._build import build_datasheet

    g = graph()
    seen: list[str] = []
    df = portfolio(g, requests={"distil": request_job()}, lifetime_requests=N,
                   requests_per_year=1e7, progress=seen.append)
    assert seen == ["bert", "distil"] and list(df["product"]) == seen
    ds = build_datasheet(g, "distil", request=request_job(), lifetime_requests=N)
    row = df.set_index("product").loc["distil"]
    assert ds.per_request is not None
    assert row["per-request ASC^e [gCO2e]"] == pytest.approx(ds.per_request.total.g)
    assert bool(row["complete"]) and bool(row["conserving"])


@settings(max_examples=30, deadline=None)
@given(n=st.floats(min_value=1.0, max_value=1e7))
@example(n=3.0)  # a third of each part: still exact to rounding
def test_one_request_of_a_batch_is_exact_for_every_part(n: float) -> None:
    batch = revalidated(request_job(), duration=Q_(40 * n, "ms"), energy=[revalidated(
        request_job().energy[0], energy=Q_(9 * n, "J"), uncertainty=Q_(0.5 * n, "J"))])
    one, ref = asc_e(request_from_batch(batch, n)), asc_e(request_job())
    for part in PARTS:
        assert getattr(one, f"{part}_g") == pytest.approx(getattr(ref, f"{part}_g"), rel=1e-9)
    assert one.jsc_uncertainty_g == pytest.approx(ref.jsc_uncertainty_g, rel=1e-9)
    assert (one.uncertainty_g is None) == (ref.uncertainty_g is None)


@pytest.mark.parametrize("n", [0, -1, math.inf, math.nan])
def test_a_batch_needs_a_positive_request_count(n: float) -> None:
    with pytest.raises(InvalidValueError, match="requests="):
        request_from_batch(request_job(), n)


def test_the_page_marks_unknowns_and_lower_bounds() -> None:
    df = portfolio_from_datasheets([make_datasheet(name="A")])
    page = render_portfolio_html(df, title="Q3 <report>")
    assert "<h1>Q3 &lt;report&gt;</h1>" in page and "unknown" in page
    assert 'data-figure="portfolio-annual">unknown<' in page
    lower = df.assign(complete=False)
    assert 'class="num">≥ ' in render_portfolio_html(lower)
    assert "a lower bound" in render_portfolio_html(lower)


def test_write_portfolio_writes_each_format_and_refuses_others(tmp_path: Path) -> None:
    df = portfolio_from_datasheets([make_datasheet()], requests_per_year=1e6)
    paths = write_portfolio(df, tmp_path / "out")
    assert [p.name for p in paths] == ["portfolio.csv", "portfolio.parquet", "portfolio.html"]
    back = pd.read_parquet(paths[1])
    assert back["annual ASC^e [kgCO2e]"].iloc[0] == pytest.approx(
        df["annual ASC^e [kgCO2e]"].iloc[0])
    with pytest.raises(InvalidValueError, match="format='xlsx'"):
        write_portfolio(df, tmp_path, formats=["xlsx"])


def _header_and_cells(page: str) -> tuple[list[str], list[list[str]]]:
    import html
    import re

    table = page.split('<table class="portfolio">', 1)[1].split("</table>", 1)[0]
    heads = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
    rows = [[html.unescape(re.sub(r"<[^>]+>", " ", c)).strip()
             for c in re.findall(r"<td[^>]*>(.*?)</td>", r)]
            for r in re.findall(r"<tr>(.*?)</tr>", table) if "<td" in r]
    return heads, rows


def test_every_header_unit_is_the_unit_of_its_cells() -> None:
    # bug: headers said [kgCO2e] over cells printed in gCO2e (or tCO2e)
    import re

    sheets = [make_datasheet(name="A"), make_datasheet(name="B", train_kwh=9_000.0)]
    sheets[1] = sheets[1].model_copy(update={"identity": sheets[1].identity.model_copy(
        update={"id": "b"})})
    df = portfolio_from_datasheets(sheets, requests_per_year=1e8)
    heads, rows = _header_and_cells(render_portfolio_html(df))
    with_unit = 0
    for j, head in enumerate(heads):
        m = re.search(r"\[(\w+)\]", head)
        cells = [r[j] for r in rows]
        if m is None:
            continue
        with_unit += 1
        unit = m.group(1)
        for c in cells:  # a bare number (and range) in the header's unit, nothing else
            assert "CO2e" not in c.replace(unit, ""), (head, c)
    assert with_unit >= 4
    epc = heads.index(next(h for h in heads if h.startswith("EPC")))
    unit = re.search(r"\[(\w+)\]", heads[epc]).group(1)  # type: ignore[union-attr]
    scale = {"kgCO2e": 1e3, "tCO2e": 1e6, "gCO2e": 1.0}[unit]
    shown = float(rows[0][epc].split()[0].replace(",", "")) * scale
    assert shown == pytest.approx(df["epc [gCO2e]"].iloc[0], rel=5e-3)


def test_a_column_of_many_decades_gives_each_cell_its_unit() -> None:
    from assess.datasheet._model import CarbonFigure

    big = make_datasheet(name="big", train_kwh=1e6)
    tiny = make_datasheet(name="tiny")
    tiny = tiny.model_copy(update={
        "identity": tiny.identity.model_copy(update={"id": "t"}),
        "epc": tiny.epc.model_copy(update={"own": CarbonFigure(
            value=Q_(5, "µgCO2e"), provenance="measured")})})
    df = portfolio_from_datasheets([big, tiny])
    heads, rows = _header_and_cells(render_portfolio_html(df))
    own = heads.index("own jobs")  # no unit in the header: each cell names its own
    assert rows[0][own].endswith("tCO2e") and rows[1][own].endswith("µgCO2e")
    assert not any("e-" in c or "e+" in c for r in rows for c in r)


def test_the_page_links_each_model_to_its_datasheet(tmp_path: Path) -> None:
    import re

    from assess.datasheet import write_datasheet

    a = make_datasheet(name="A")
    b = make_datasheet(name="B")
    b = b.model_copy(update={"identity": b.identity.model_copy(update={"id": "org/b:v1"})})
    for ds in (a, b):
        write_datasheet(ds, tmp_path / "datasheets", ["html"])
    df = portfolio_from_datasheets([a, b])
    (page,) = write_portfolio(df, tmp_path, formats=["html"])
    hrefs = re.findall(r'<a href="([^"#]+)">', page.read_text())
    assert len(hrefs) == 2
    from urllib.parse import unquote
    for h in hrefs:
        assert not h.startswith(("/", "file:")) and (tmp_path / unquote(h)).is_file()
    # no datasheet written: no link
    (bare,) = write_portfolio(df, tmp_path / "elsewhere", formats=["html"])
    assert '<a href="datasheets' not in bare.read_text()


def test_the_page_has_a_summary_chart() -> None:
    df = portfolio_from_datasheets([make_datasheet(name="model A")], requests_per_year=1e6)
    page = render_portfolio_html(df)
    assert page.count("<svg") == 1 and "Annual ASC^e by model" in page
    assert "EPC by model" in render_portfolio_html(portfolio_from_datasheets(
        [make_datasheet(name="model A")]))


def test_an_empty_portfolio_says_none_recorded() -> None:
    page = render_portfolio_html(portfolio_from_datasheets([]))
    assert "none recorded" in page and "<svg" not in page
