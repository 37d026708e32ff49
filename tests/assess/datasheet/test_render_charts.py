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


def _texts(svg: str) -> list[str]:
    import html
    import re

    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_a_bar_axis_is_in_the_unit_of_its_labels() -> None:
    # bug: bars labelled '30.7 kgCO2e' over an axis of raw gCO2e (0 ... 35000)
    from assess.datasheet._render_charts import svg_bar

    texts = _texts(svg_bar({"training": 30_700.0, "data": 1_200.0}, title="t", salt="u"))
    assert "kgCO2e" in texts and "gCO2e" not in texts
    ticks = [t for t in texts if t.replace(".", "").isdigit()]
    assert ticks and max(float(t) for t in ticks) < 100


def test_a_tiny_axis_has_no_offset_text() -> None:
    # bug: matplotlib's ScalarFormatter wrote an offset ('1e-6') above tiny axes
    from assess.datasheet._render_charts import svg_bar

    texts = _texts(svg_bar({"a": 1.0000013e-3, "b": 1.0000011e-3}, title="t", salt="o"))
    assert "mgCO2e" in texts
    assert not any("e-" in t or "e+" in t or t.startswith("+") for t in texts), texts


def test_per_request_axis_is_in_the_unit_of_its_bar_labels(datasheet: Datasheet) -> None:
    from assess.datasheet._render_charts import chart_per_request

    svg = chart_per_request(datasheet)
    assert svg is not None
    texts = _texts(svg)
    assert "mgCO2e per request" in texts and "gCO2e per request" not in texts


def test_cost_curve_ticks_carry_their_units_and_the_legend_sits_below(
        datasheet: Datasheet) -> None:
    import re

    svg = chart_cost_curve(datasheet)
    assert svg is not None
    texts = _texts(svg)
    assert "gCO2e per request" not in texts  # the old label over ticks in mg and µg
    assert any(t.endswith("µgCO2e") for t in texts) and any(t.endswith("mgCO2e") for t in texts)
    # the legend is drawn below the axes: its text sits under the lowest tick label
    ys = {t: float(y) for y, t in re.findall(r'<text[^>]*y="([\d.]+)"[^>]*>([^<]*)</text>',
                                             svg)}
    if ys:  # text positions are written as transforms by some matplotlib versions
        assert ys["per-request ASC^e"] > ys["lifetime requests"]
    else:
        m = {t: float(y) for y, t in re.findall(
            r'<text[^>]*transform="translate\([\d.]+ ([\d.]+)\)[^"]*"[^>]*>([^<]*)</text>', svg)}
        assert m["per-request ASC^e"] > m["lifetime requests"]


def test_lineage_names_are_whole() -> None:
    # bug: node names were cut to 26 characters ('DistilBERT base uncased d…')
    name = "DistilBERT base uncased distilled student model, second revision"
    texts = _texts(chart_lineage(make_datasheet(name=name)))
    assert "…" not in "".join(texts)
    assert name in " ".join(t.strip() for t in texts)  # wrapped over lines, every word kept


def test_bar_labels_are_whole() -> None:
    # bug: ancestor labels were cut to 38 characters ('digits MLP teacher 64-256-256-10 (50 …')
    from assess.datasheet._render_charts import svg_bar

    label = "digits MLP teacher 64-256-256-10 (50 %) of the second lineage"
    texts = _texts(svg_bar({label: 2.0, "own jobs": 1.0}, title="t", salt="w"))
    assert "…" not in "".join(texts)
    assert label in " ".join(t.strip() for t in texts)
