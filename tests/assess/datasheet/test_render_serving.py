"""The generation section drawn: chart, HTML and Markdown rows."""

from __future__ import annotations

from assess.datasheet import (
    Datasheet,
    build_datasheet,
    generation_section,
    render_html,
    render_markdown,
)
from assess.datasheet._render_serving import chart_generation, generation_rows, interval_text
from carbon import Facility, quantity
from lineage import ProvenanceGraph

from .test_serving import point


def _ds(points: list[dict[str, object]]) -> Datasheet:
    g = ProvenanceGraph()
    g.add_model("m", name="tiny <model>")
    s = generation_section(points, facility=Facility(name="lab", pue=1.0,
                                                     mix="400 gCO2e/kWh"),
                           model="tiny <model>", device="cpu", serving_log="log.jsonl")
    return build_datasheet(g, "m", generation=s)


def test_chart_axes_and_lines() -> None:
    ds = _ds([point(1), point(2), point(8)])
    svg = chart_generation(ds)
    assert svg is not None and svg.startswith("<svg")
    assert "batch size [requests per batch]" in svg
    assert "energy per 1,000 tokens [J]" in svg
    for label in ("prefill, per 1,000 prompt tokens", "decode, per 1,000 generated tokens"):
        assert label in svg
    assert chart_generation(ds) == svg  # deterministic


def test_nothing_known_no_chart_and_no_section_without_generation() -> None:
    ds = _ds([point(1, None, **{"prefill_per_1k_tokens [J]": None, "prefill_ci [J]": None,
                                "decode_per_1k_tokens [J]": None, "decode_ci [J]": None})])
    assert chart_generation(ds) is None
    assert generation_rows(ds)[0]["total"] == "unknown"
    g = ProvenanceGraph()
    g.add_model("x", name="x")
    plain = build_datasheet(g, "x")
    assert chart_generation(plain) is None and generation_rows(plain) == []
    assert "Generation" not in render_markdown(plain)
    assert 'id="generation"' not in render_html(plain)


def test_html_and_markdown_show_per_token_figures() -> None:
    ds = _ds([point(1), point(4)])
    html = render_html(ds)
    assert 'id="generation"' in html and "tiny &lt;model&gt;" in html
    assert 'data-figure="generation-4-total"' in html and "<svg" in html
    text = render_markdown(ds)
    assert "## Generation: energy and carbon per 1,000 tokens" in text
    row = next(line for line in text.splitlines() if line.startswith("| 4 |"))
    assert "36 J (32.4 J – 39.6 J)" in row and "CO2e" in row


def test_interval_text() -> None:
    assert interval_text(None, None, None) == "unknown"
    assert interval_text(quantity(2.0, "J"), None, None) == "2 J"
    assert interval_text(quantity(2.0, "J"), quantity(1.0, "J"), quantity(3.0, "J")) \
        == "2 J (1 J – 3 J)"


def test_no_wait_reads_as_such() -> None:
    p = {**point(1), "idle_per_1k_tokens [J]": 0.0, "idle_ci [J]": [0.0, 0.0]}
    ds = _ds([p])
    assert generation_rows(ds)[0]["idle"] == "0 J (the server never waited)"
