"""lineage._published: published footprints, loadable into the lineage, checked on inputs."""

from __future__ import annotations

import pytest

from carbon import InvalidValueError, UnknownKeyError
from lineage import ProvenanceGraph, add_published, check_inputs, published_footprints
from tests.carbon import published

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
                                          ("llama-65b", 0.003), ("bert-base-strubell", 0.001)])
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
    # Luccioni et al. 2023, Table 4: idle and infrastructure 14.6 t from 256,646 kWh at 57 g
    assert f.idle_tco2e == 14.6 and f.idle_energy_mwh == 256.646
    assert f.tco2e + f.idle_tco2e + f.embodied_tco2e == pytest.approx(f.tco2e_total, abs=0.05)
    c = check_inputs("bloom")  # the paper does not apply its PUE: the note says so
    assert c["energy_rel_diff"] == pytest.approx(0.2, abs=0.001) and "PUE" in f.note


def test_errors() -> None:
    g = ProvenanceGraph()
    with pytest.raises(UnknownKeyError, match="footprint"):
        add_published(g, "gpt-5")
    add_published(g, "t5")
    with pytest.raises(InvalidValueError, match="id"):
        add_published(g, "t5")


def test_every_shipped_row_has_a_golden_case_that_reproduces_its_booked_figure() -> None:
    # specs/golden/published_footprints.yaml: each row reproduced through the public API
    by_row = {c["footprint"]: c for c in published.CASES if c.get("footprint")}
    assert set(published_footprints()) <= set(by_row)
    for pid, f in published_footprints().items():
        case = by_row[pid]
        key = "total_t" if case["kind"] == "reported" else "operational_t"
        assert case["expected"][key] == pytest.approx(f.tco2e), pid


REPORTED = published.cases("reported")


@pytest.mark.parametrize("case", REPORTED, ids=published.ids(REPORTED))
def test_reported_cases_through_add_published(case: dict[str, object]) -> None:
    g = ProvenanceGraph()
    pid = add_published(g, str(case["footprint"]))
    expected = case["expected"]
    assert isinstance(expected, dict)
    assert g.epc(pid).total.m_as("tCO2e") == pytest.approx(expected["total_t"],
                                                            rel=case["rel_tol"])
