"""Renderers show the computed figures, escape every user string, and are deterministic."""

from __future__ import annotations

import html
import re

import yaml

from assess.datasheet._format import fmt_carbon
from assess.datasheet._model import Datasheet
from assess.datasheet._render_charts import chart_cost_curve, chart_lineage
from assess.datasheet._render_html import render_html
from assess.datasheet._render_text import hf_metadata, render_hf_yaml, render_markdown

from .conftest import INJECTION, make_datasheet


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
    assert html.escape(INJECTION, quote=True) in page


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


def test_markdown_escapes_injection(hostile: Datasheet) -> None:
    text = render_markdown(hostile)
    assert "<script" not in text and "<img" not in text
    assert "\\|" in text  # table pipes escaped
    assert "| EPC (embodied product cost) |" in text


def test_markdown_shows_figures_and_statement(datasheet: Datasheet) -> None:
    text = render_markdown(datasheet)
    assert fmt_carbon(datasheet.epc.total.value) in text
    assert datasheet.offsets_statement in text
    assert "```mermaid" in text and "distilled from, share 50 %" in text


def test_hf_yaml_block(datasheet: Datasheet) -> None:
    block = render_hf_yaml(datasheet)
    assert block.startswith("---\n") and block.endswith("---\n")
    meta = yaml.safe_load(block.strip().strip("-"))
    co2 = meta["co2_eq_emissions"]
    assert set(co2) == {"emissions", "source", "training_type", "geographical_location",
                        "hardware_used"}
    assert datasheet.epc.own is not None
    assert co2["emissions"] == round(datasheet.epc.own.g, 6)  # grams, own jobs
    assert co2["training_type"] == "pre-training"
    assert "Germany" in co2["geographical_location"]
    assert meta["base_model"] == "bert-base-uncased"
    assert "base_model_relation" not in meta  # distillation has no Hugging Face relation


def test_hf_relation_for_fine_tuning(datasheet: Datasheet) -> None:
    edge = datasheet.lineage.edges[0].model_copy(update={"kind": "fine_tuned_from"})
    ds = datasheet.model_copy(update={"lineage": datasheet.lineage.model_copy(
        update={"edges": [edge]})})
    assert hf_metadata(ds)["base_model_relation"] == "finetune"


def test_hf_yaml_with_hostile_name_is_valid_yaml(hostile: Datasheet) -> None:
    meta = yaml.safe_load(render_hf_yaml(hostile).strip().strip("-"))
    assert meta["co2_eq_emissions"]["emissions"] > 0
