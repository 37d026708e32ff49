"""Escaping for every output format: hostile names (markup, quotes, newlines, code fences,
pipes, 300-character ids, unicode) stay inside their cell, label, string or comment in HTML,
Markdown (tables and Mermaid), JSON, the Hugging Face YAML block and CSV."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from markupsafe import escape

from assess.datasheet._escape import csv_cell, md, mermaid_label, one_line
from assess.datasheet._model import Datasheet
from assess.datasheet._portfolio import csv_safe, portfolio_from_datasheets, write_portfolio
from assess.datasheet._render_html import render_html
from assess.datasheet._render_text import hf_metadata, render_hf_yaml, render_json, render_markdown
from tests.assess.datasheet.conftest import make_datasheet

HOSTILE = [
    "<script>alert(1)</script>",
    "O'Brien \"quoted\" `tick`",
    "line one\nline two\r\n\n# heading",
    "fence\n```\n</script>\n```mermaid\ngraph LR",
    "a | b || c",
    "x" * 300,
    "模型 🚀 café \u2028 sep \u202e rtl",
    '"]\n  n9["pwned"]\n```',
    "=HYPERLINK(\"http://x\")",
]


def hostile_sheet(name: str) -> Datasheet:
    """A datasheet whose model, parent (name and id) and job all carry ``name``."""
    ds = make_datasheet(name=name)
    pid = name[:300]
    nodes = [ds.lineage.nodes[0], ds.lineage.nodes[1].model_copy(
        update={"id": pid, "name": name, "hub_id": None})]
    edges = [ds.lineage.edges[0].model_copy(update={"parent": pid})]
    jobs = [j.model_copy(update={"name": name}) for j in ds.epc.jobs]
    return ds.model_copy(update={
        "lineage": ds.lineage.model_copy(update={"nodes": nodes, "edges": edges}),
        "epc": ds.epc.model_copy(update={"jobs": jobs})})


@given(st.text(max_size=200))
@example("a|b\n```\n<x>")
def test_md_is_one_line_without_markup_or_bare_pipes(text: str) -> None:
    out = md(text)
    assert "\n" not in out and "\r" not in out and "<" not in out
    assert not re.search(r"(?<!\\)\|", out)  # every pipe escaped
    assert "```" not in out


@given(st.text(max_size=200))
@example('x"]\n```\nend')
def test_mermaid_label_cannot_end_its_label_or_block(text: str) -> None:
    out = mermaid_label(text)
    assert not set(out) & set('"`[]|<>\n\r{}()')


@given(st.text(max_size=80))
def test_one_line_has_no_line_breaks(text: str) -> None:
    assert not re.search(r"[\n\r\u2028\u2029\x0b\x0c]", one_line(text))


@pytest.mark.parametrize("name", HOSTILE)
def test_markdown_keeps_hostile_names_inside_tables_and_the_diagram(name: str) -> None:
    text = render_markdown(hostile_sheet(name))
    assert "<script" not in text
    lines = text.splitlines()
    start = lines.index("```mermaid")
    end = lines.index("```", start + 1)
    assert all(x == "graph TD" or x.startswith("  n") for x in lines[start + 1:end])
    assert text.count("```") == 2  # the one block, opened and closed
    for x in lines:  # every table row keeps its column count
        if x.startswith("| product | job |"):
            cols = len(re.findall(r"(?<!\\)\|", x))
        elif x.startswith("| ") and "training run" not in x and name[:10] in x:
            assert len(re.findall(r"(?<!\\)\|", x)) in (3, 4, 5, 6, 7, 8, 9)
    assert cols == 8


@pytest.mark.parametrize("name", HOSTILE)
def test_html_escapes_hostile_names_everywhere(name: str) -> None:
    page = render_html(hostile_sheet(name))
    assert "<script>alert" not in page and "</script>\n" not in page
    assert page.count("<h1>") == 1 and page.count("</html>") == 1
    assert f"<h1>{escape(name)}</h1>" in page


@pytest.mark.parametrize("name", HOSTILE)
def test_json_round_trips_hostile_names_exactly(name: str) -> None:
    doc = json.loads(render_json(hostile_sheet(name)))
    assert doc["identity"]["name"] == name
    assert doc["lineage"]["nodes"][1]["id"] == name[:300]


@pytest.mark.parametrize("name", HOSTILE)
def test_hf_yaml_keeps_hostile_names_in_strings_and_comments(name: str) -> None:
    ds = hostile_sheet(name)
    block = render_hf_yaml(ds)
    assert block.startswith("---\n") and block.endswith("---\n") and block.count("\n---\n") == 1
    meta = yaml.safe_load(block.strip().strip("-"))
    assert meta == hf_metadata(ds)  # nothing added by a name: no key broke out of a comment
    assert set(meta) <= {"co2_eq_emissions", "base_model", "base_model_relation", "modelcarbon"}
    hf = pytest.importorskip("huggingface_hub")
    assert hf.ModelCard(block + "\nbody\n").data.to_dict() == meta


def _portfolio_frame(names: list[str]) -> pd.DataFrame:
    return portfolio_from_datasheets([make_datasheet(name=n) for n in names])


def test_csv_neutralises_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    names = ["=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)", "\tx", "plain"]
    df = _portfolio_frame(names)
    (path,) = write_portfolio(df, tmp_path, formats=("csv",))
    back = pd.read_csv(path, keep_default_na=False)
    assert back["name"].tolist() == ["'" + n if n[0] in "=+-@\t" else n for n in names]
    assert back["epc [gCO2e]"].tolist() == pytest.approx(df["epc [gCO2e]"].tolist())
    (pq,) = write_portfolio(df, tmp_path, formats=("parquet",))
    assert pd.read_parquet(pq)["name"].tolist() == names  # Parquet strings stay as they are


def test_csv_cell_only_touches_strings() -> None:
    frame = csv_safe(pd.DataFrame({"n": [-1.5, 2.0], "s": ["-1.5", "ok"], "i": [-3, 4]}))
    assert frame["n"].tolist() == [-1.5, 2.0] and frame["i"].tolist() == [-3, 4]
    assert frame["s"].tolist() == ["'-1.5", "ok"]
    assert csv_cell(-2) == -2 and csv_cell(math.inf) == math.inf and csv_cell("") == ""


def test_portfolio_html_escapes_names() -> None:
    from assess.datasheet._portfolio import render_portfolio_html

    page = render_portfolio_html(_portfolio_frame(HOSTILE[:3]), title="<b>Q3</b>")
    assert "<script>" not in page and "<h1>&lt;b&gt;Q3&lt;/b&gt;</h1>" in page
