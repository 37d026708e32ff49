"""The text renderers: Markdown (escaped, figures and statement shown), JSON, and the Hugging
Face YAML block (valid YAML whatever the name, the relation of the base model)."""

from __future__ import annotations

import pytest
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
    assert co2["emissions"] == pytest.approx(datasheet.epc.own.g, rel=1e-6)  # grams, training
    assert co2["training_type"] == "pre-training"
    assert co2["geographical_location"] == "Germany"  # without the data year
    assert co2["hardware_used"] == "1 x generic server with 8 x 80GB GPUs"
    assert meta["base_model"] == "google-bert/bert-base-uncased"  # the Hub id, not our id
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
    job = datasheet.epc.jobs[0]
    two = job.carbon.model_copy(update={"source": SOURCE_SEP.join(["NVML counter",
                                                                   "paper; table 3"])})
    ds = datasheet.model_copy(update={"epc": datasheet.epc.model_copy(
        update={"jobs": [job.model_copy(update={"carbon": two})]})})
    source = hf_metadata(ds)["co2_eq_emissions"]["source"]
    assert "\n" not in source and source.endswith("(measured; NVML counter; paper; table 3)")
    assert yaml.safe_load(render_hf_yaml(ds).strip().strip("-"))["co2_eq_emissions"][
        "source"] == source


def test_hf_yaml_of_an_unknown_epc_says_unknown_and_keeps_the_lineage(
        datasheet: Datasheet) -> None:
    epc = datasheet.epc
    unknown = epc.model_copy(update={"own": None, "jobs": [], "total": epc.total.model_copy(
        update={"provenance": "unknown"})})
    ds = datasheet.model_copy(update={"epc": unknown, "per_request": None})
    assert hf_metadata(ds) == {"base_model": "google-bert/bert-base-uncased"}
    block = render_hf_yaml(ds)
    assert "co2_eq_emissions: unknown" in block and "base_model:" in block


# --- the block as the Hub reads it (huggingface_hub's own parser and emissions filter) ------

def _card(block: str) -> object:
    hf = pytest.importorskip("huggingface_hub")
    return hf.ModelCard(block + "\n# A model\n")


def _tiny(datasheet: Datasheet, grams_: float) -> Datasheet:
    """The datasheet with its one training job carrying ``grams_`` gCO2e."""
    from carbon import Q_

    job = datasheet.epc.jobs[0]
    fig = job.carbon.model_copy(update={"value": Q_(grams_, "gCO2e")})
    return datasheet.model_copy(update={"epc": datasheet.epc.model_copy(
        update={"jobs": [job.model_copy(update={"carbon": fig})]})})


@pytest.mark.parametrize("grams_", [30671.447, 12.5, 0.0123, 0.0001, 7e-06, 1e-9])
def test_the_hub_parser_reads_our_emissions_as_the_number_we_mean(
        datasheet: Datasheet, grams_: float) -> None:
    block = render_hf_yaml(_tiny(datasheet, grams_))
    assert "e-0" not in block and "e+" not in block  # plain decimals only
    card = _card(block)
    co2 = card.data.co2_eq_emissions  # type: ignore[attr-defined]
    assert co2["emissions"] == pytest.approx(grams_, rel=1e-9)
    assert card.data.base_model == "google-bert/bert-base-uncased"  # type: ignore[attr-defined]


@pytest.mark.parametrize("grams_", [30671.447, 12.5, 0.0123, 0.0001])
def test_the_hub_emissions_filter_treats_our_values_as_what_they_are(
        datasheet: Datasheet, grams_: float) -> None:
    pytest.importorskip("huggingface_hub")
    from huggingface_hub.utils.endpoint_helpers import _is_emission_within_threshold

    class Info:  # the one attribute the filter reads off a ModelInfo
        card_data = _card(render_hf_yaml(_tiny(datasheet, grams_))).data  # type: ignore[attr-defined]

    assert _is_emission_within_threshold(Info(), grams_ * 0.999, grams_ * 1.001)  # type: ignore[arg-type]
    assert not _is_emission_within_threshold(Info(), grams_ * 2, grams_ * 3)  # type: ignore[arg-type]


def test_the_emissions_text_reads_small_to_the_hubs_regex(datasheet: Datasheet) -> None:
    # the Hub's filter takes the first number in the value's text (r"\d+\.\d+|\d+"): our text
    # "0.000007" reads as 7e-06 where "7.0e-06" would read as 7
    import re

    block = render_hf_yaml(_tiny(datasheet, 7e-06))
    text = re.search(r"emissions: (\S+)", block).group(1)  # type: ignore[union-attr]
    assert float(re.search(r"\d+\.\d+|\d+", text).group(0)) == pytest.approx(7e-06)  # type: ignore[union-attr]


def test_every_generated_block_parses_as_a_model_card(datasheet: Datasheet,
                                                      hostile: Datasheet) -> None:
    epc = datasheet.epc
    unknown = datasheet.model_copy(update={"per_request": None, "epc": epc.model_copy(
        update={"own": None, "jobs": [], "total": epc.total.model_copy(
            update={"provenance": "unknown"})})})
    for ds in (datasheet, hostile, unknown):
        card = _card(render_hf_yaml(ds))
        assert card.data.to_dict() == hf_metadata(ds)  # type: ignore[attr-defined]


def test_parents_without_a_hub_id_stay_in_a_comment(datasheet: Datasheet) -> None:
    nodes = [n.model_copy(update={"hub_id": None}) for n in datasheet.lineage.nodes]
    ds = datasheet.model_copy(update={"lineage": datasheet.lineage.model_copy(
        update={"nodes": nodes})})
    assert "base_model" not in hf_metadata(ds)
    block = render_hf_yaml(ds)
    assert "# lineage: distilled from BERT base (id bert-base-uncased, no Hub id)" in block


def test_extended_figures_have_keys_of_their_own(datasheet: Datasheet) -> None:
    ext = hf_metadata(datasheet)["modelcarbon"]
    assert ext["epc_g"] == pytest.approx(datasheet.epc.total.g, rel=1e-9)
    assert ext["per_request_asc_e_g"] == pytest.approx(datasheet.per_request.total.g, rel=1e-9)  # type: ignore[union-attr]
    assert ext["epc_uncertainty_g"] is None  # unknown (embodied hardware), never zero


def test_markdown_numbers_its_references(datasheet: Datasheet) -> None:
    # bug: a 600-character source string was repeated in every row of every table
    long = "Germany 2023: " + "x" * 600
    assumptions = [a.model_copy(update={"source": long}) if a.source else a
                   for a in datasheet.assumptions]
    text = render_markdown(datasheet.model_copy(update={"assumptions": assumptions}))
    assert text.count("x" * 600) == 1
    sources = text.split("## Sources", 1)[1]
    assert "1. " in sources and "NVML energy counter" in sources
    assert text.count("NVML energy counter") == 1
    assert "| [1] |" in text or "| [1] [" in text


def test_markdown_units_are_readable(datasheet: Datasheet) -> None:
    from assess.datasheet._model import CompressionLine
    from carbon import Q_

    line = CompressionLine(
        technique="quantise_int8", parent="child", child="child", metric_name="accuracy",
        metric_before=0.9, metric_after=0.89, size_before=343_000, size_after=86_000,
        energy_per_request_before=Q_(7.78e-6, "J"), energy_per_request_after=Q_(2.1e-6, "J"),
        energy_provenance="measured", job_carbon=Q_(0.3, "gCO2e"), job_provenance="measured")
    text = render_markdown(datasheet.model_copy(update={"compression": [line]}))
    assert "343 kB → 86 kB" in text and "7.78 µJ → 2.1 µJ" in text
    assert "e-06" not in text and "thousand B" not in text


def test_markdown_empty_tables_and_lower_bounds(datasheet: Datasheet) -> None:
    empty = datasheet.model_copy(update={
        "epc": datasheet.epc.model_copy(update={"by_phase": [], "jobs": [],
                                                "complete": False})})
    text = render_markdown(empty)
    phases = text.split("### By phase", 1)[1].split("###", 1)[0]
    assert "none recorded" in phases
    assert datasheet.per_request is not None
    assert f"≥ {fmt_carbon(datasheet.per_request.total.value)}" in text


def test_markdown_labels_user_inputs(datasheet: Datasheet) -> None:
    text = render_markdown(datasheet)
    row = next(x for x in text.splitlines() if x.startswith("| PUE of "))
    assert "| user input |" in row
    assert "user input" not in text.split("## Sources", 1)[1]  # not a numbered source
