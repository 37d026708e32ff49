"""The text renderers: Markdown (escaped, figures and statement shown), JSON, and the Hugging
Face YAML block (valid YAML whatever the name, the relation of the base model)."""

from __future__ import annotations

import yaml

from assess.datasheet._format import fmt_carbon
from assess.datasheet._model import SOURCE_SEP, Datasheet
from assess.datasheet._render_text import hf_metadata, render_hf_yaml, render_markdown


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


def test_hf_source_joins_several_sources_on_one_line(datasheet: Datasheet) -> None:
    # bug fixed in 4153c5f: sources kept newline-separated in the figure went into the YAML
    # source as they were, one per line
    own = datasheet.epc.own
    assert own is not None
    two = own.model_copy(update={"source": SOURCE_SEP.join(["NVML counter", "paper; table 3"])})
    ds = datasheet.model_copy(update={"epc": datasheet.epc.model_copy(update={"own": two})})
    source = hf_metadata(ds)["co2_eq_emissions"]["source"]
    assert "\n" not in source and source.endswith("(measured; NVML counter; paper; table 3)")
    assert yaml.safe_load(render_hf_yaml(ds).strip().strip("-"))["co2_eq_emissions"][
        "source"] == source


def test_hf_yaml_of_an_unknown_epc_says_unknown(datasheet: Datasheet) -> None:
    epc = datasheet.epc
    unknown = epc.model_copy(update={"own": None, "total": epc.total.model_copy(
        update={"provenance": "unknown"})})
    ds = datasheet.model_copy(update={"epc": unknown})
    assert hf_metadata(ds) == {}
    assert "co2_eq_emissions: unknown" in render_hf_yaml(ds)
