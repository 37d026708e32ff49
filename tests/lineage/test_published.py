"""lineage._published: published footprints, loadable into the lineage, checked on inputs."""

from __future__ import annotations

import pytest

from carbon import InvalidValueError, UnknownKeyError
from lineage import ProvenanceGraph, add_published, check_inputs, published_footprints

# (id, published tCO2e, source) -- the figures the table must carry, from the papers
GOLDEN = [
    ("gpt-3", 552, "Patterson 2021 Table 4"),
    ("t5", 46.7, "Patterson 2021 Table 4"),
    ("bloom", 24.69, "Luccioni 2022: dynamic energy"),
    ("llama-65b", 173, "Touvron 2023 Table 15"),
    ("llama-2-70b", 291.42, "Touvron 2023b Table 2"),
    ("llama-2-7b", 31.22, "Touvron 2023b Table 2"),
    ("llama-3.1-405b", 8930, "Llama 3.1 model card"),
    ("opt-175b", 75, "Zhang 2022"),
]


@pytest.mark.parametrize(("pid", "tco2e", "source"), GOLDEN)
def test_each_row_carries_its_published_figure_and_source(pid: str, tco2e: float,
                                                          source: str) -> None:
    f = published_footprints()[pid]
    assert f.tco2e == pytest.approx(tco2e) and f.source and f.covers
    g = ProvenanceGraph()
    add_published(g, pid)
    assert g.epc(pid).total.m_as("tCO2e") == pytest.approx(tco2e)
    (job,) = g.jobs(pid)
    assert job.provenance == "reported" and job.phase == "training"


@pytest.mark.parametrize(("pid", "rel"), [("gpt-3", 0.005), ("t5", 0.006),
                                          ("llama-65b", 0.003)])
def test_inputs_reproduce_the_published_results_within_rounding(pid: str, rel: float) -> None:
    c = check_inputs(pid)
    assert c["energy_rel_diff"] is not None and abs(c["energy_rel_diff"]) < rel
    assert c["tco2e_rel_diff"] is not None and abs(c["tco2e_rel_diff"]) < rel


def test_a_fine_tune_inherits_the_published_base_models_epc() -> None:
    g = ProvenanceGraph()
    base = add_published(g, "llama-3.1-405b", lifetime="2 year")
    g.add_model("my-ft", name="my fine-tune")
    g.derive("my-ft", base, "fine_tuned_from", share=0.001)
    assert g.epc("my-ft").by_ancestor_g[base] == pytest.approx(8930e6 * 0.001)


def test_bloom_keeps_its_life_cycle_total_beside_the_booked_figure() -> None:
    f = published_footprints()["bloom"]
    assert (f.tco2e, f.tco2e_total, f.embodied_tco2e) == (24.69, 50.5, 11.2)
    assert f.note and "not double-counted" in f.note


def test_errors() -> None:
    g = ProvenanceGraph()
    with pytest.raises(UnknownKeyError, match="footprint"):
        add_published(g, "gpt-5")
    add_published(g, "t5")
    with pytest.raises(InvalidValueError, match="id"):
        add_published(g, "t5")
