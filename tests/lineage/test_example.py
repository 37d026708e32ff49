"""The BERT-family example: energies from the published inputs, against the golden vectors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from carbon import Q_, Facility
from lineage import bert_family, bert_family_data, example_energies, per_request

GOLDEN = yaml.safe_load((Path(__file__).resolve().parents[2] / "specs" / "golden"
                         / "lineage_bert_family.yaml").read_text())
FACILITY = Facility(name="example", pue=1.1, mix="400 gCO2e/kWh")


@pytest.mark.parametrize("row", GOLDEN["energies_kwh"], ids=lambda r: r["name"])
def test_energies(row: dict) -> None:
    got = example_energies()[row["name"]]
    assert got.m_as("kWh") == pytest.approx(row["value"], rel=row["rel_tol"])


def test_distilbert_inference_is_about_sixty_percent_of_berts() -> None:
    e = example_energies()
    ratio = (e["inference: distilbert"] / e["inference: bert"]).m_as("")
    (row,) = GOLDEN["ratios"]
    assert ratio == pytest.approx(row["value"], rel=row["rel_tol"])
    assert e["inference: distilbert"].m_as("kWh") == pytest.approx(0.015, abs=0.0005)


@pytest.mark.parametrize("row", GOLDEN["epc_at_400g_pue_1_1_tco2e"], ids=lambda r: r["product"])
def test_epc(row: dict) -> None:
    g = bert_family(FACILITY)
    assert g.epc(row["product"]).total.m_as("tCO2e") == pytest.approx(row["value"],
                                                                      rel=row["rel_tol"])


def test_lineage_shape_and_labels() -> None:
    g = bert_family(FACILITY)
    assert g.validate().ok
    assert set(g.nx.predecessors("roberta")) == {"enwiki", "bookcorpus", "ccnews",
                                                 "openwebtext", "stories"}
    assert g.nx.edges["bert", "distilbert"]["kind"] == "distilled_from"
    assert g.nx.edges["mbert", "distilmbert"]["kind"] == "distilled_from"
    d = g.epc("distilmbert")
    assert d.total_g == 0.0 and not d.complete  # nothing published: unknown, not zero
    assert set(d.unknown) == {"distilmbert", "mbert", "multiwiki"}
    sources = bert_family_data()["sources"]
    assert all(g.product(p)["source"] for p in g.products())
    assert all(j.source for j in g.jobs()) and len(sources) == 6
    system = g.jobs("roberta")[0].record.energy[0].system
    assert system.embodied is None and "no sourced figure" in system.embodied_unknown


def test_unknown_embodied_makes_every_epc_carrying_it_a_lower_bound() -> None:
    # bug: the V100s' embodied carbon was booked as 0 gCO2e and RoBERTa's EPC read complete
    g = bert_family(FACILITY)
    r = g.epc("roberta")
    assert not r.complete and r.unknown and any("embodied carbon of 1024 x NVIDIA V100" in p
                                                for p in r.partial)
    assert "lower bound" in r.label
    d = g.epc("distilbert")  # inherits BERT's and carries its own distillation job
    assert any(p.startswith("distilbert: embodied carbon") for p in d.partial)
    assert any(p.startswith("bert: embodied carbon") for p in d.partial)
    frame = g.epc_all()
    assert not frame.loc["roberta", "complete"] and not frame.loc["distilbert", "complete"]
    given = bert_family(FACILITY, gpu_embodied="150 kgCO2e")
    assert not given.epc("roberta").partial


def test_embodied_when_given() -> None:
    g = bert_family(FACILITY, gpu_embodied=Q_(150, "kgCO2e"), gpu_lifetime="3 year")
    base = bert_family(FACILITY)
    extra = g.epc("roberta").total_g - base.epc("roberta").total_g
    assert extra == pytest.approx(1024 * 150e3 * 1 / (3 * 365))


def test_per_request_distilbert() -> None:
    g = bert_family(FACILITY)
    inf = example_energies()["inference: distilbert"] * 1.1 * Q_(400, "gCO2e/kWh")
    r = per_request(g, "distilbert", inf.to("gCO2e"), requests=1e9)
    assert r.inference_only.m_as("gCO2e") == pytest.approx(0.015375 * 440)
    assert r.model_epc_g == pytest.approx(0.49354254048e6 / 1e9)


def test_bert_is_64_devices_each_taxed_as_a_card() -> None:
    # bug: the BERT job was one 64-GPU device: its embodied carbon was taxed as one card
    # (339 g instead of about 21.7 kg at 150 kgCO2e per card over 4 years)
    g = bert_family(FACILITY, gpu_embodied=Q_(150, "kgCO2e"), gpu_lifetime="4 year")
    base = bert_family(FACILITY)
    extra = g.epc("bert").total_g - base.epc("bert").total_g
    assert extra / 1e3 == pytest.approx(64 * 150 * 79.2 / (4 * 365 * 24), rel=1e-6)
    assert extra / 1e3 == pytest.approx(21.7, abs=0.05)
