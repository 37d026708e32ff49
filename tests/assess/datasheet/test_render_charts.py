"""The inline SVG charts: user strings escaped, dollars printed (not parsed as maths),
deterministic output, and a chart only where there are numbers to draw."""

from __future__ import annotations

from assess.datasheet._model import Datasheet
from assess.datasheet._render_charts import chart_cost_curve, chart_lineage
from assess.datasheet._render_html import render_html
from tests.assess.datasheet.conftest import make_datasheet


def test_svg_escapes_injection(hostile: Datasheet) -> None:
    svg = chart_lineage(hostile)
    assert "<script" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg  # matplotlib wrote the name as escaped text


def test_svg_prints_dollars_instead_of_parsing_math() -> None:
    svg = chart_lineage(make_datasheet(name="cost $5 $x^2$"))
    assert "cost $5 $x^2$" in svg


def test_charts_are_deterministic() -> None:
    a, b = make_datasheet(), make_datasheet()
    assert chart_cost_curve(a) == chart_cost_curve(b)
    assert render_html(a) == render_html(b)
