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
