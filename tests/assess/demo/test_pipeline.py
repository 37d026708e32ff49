"""The demo pipeline's parts on embedded defaults (the whole run is tested through the
command, tests/assess/cli/test_demo.py): this machine, the published facility and lineage,
and advice wired to the example organisation with the demo's ratings."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assess.adoption._files import EXAMPLES, load_organisation
from assess.datasheet._ledger import INFERENCE_ROLE
from assess.demo._pipeline import (
    COUNTRY,
    DEMO_RATINGS,
    PUE,
    STSB_DEV_REQUESTS,
    demo_advice,
    local_system,
    published_facility,
    published_lineage,
    request_carbon_g,
)
from carbon import Q_, asc_e, country, hardware
from lineage import ProvenanceGraph


def test_this_machine_on_the_stated_defaults() -> None:
    s = local_system()
    entry = hardware("server baseline without accelerators")
    assert (COUNTRY, PUE) == ("DEU", 1.2)
    assert s.facility.pue == PUE
    assert s.facility.mix.gco2e_per_kwh == country(COUNTRY).gco2e_per_kwh
    assert s.embodied == entry.embodied and s.lifetime == entry.lifetime
    assert entry.item in (s.source or "")


def test_published_runs_are_charged_the_us_grid_at_pue_1_58() -> None:
    fac = published_facility()
    assert fac.pue == 1.58 and fac.mix.gco2e_per_kwh == country("USA").gco2e_per_kwh


def test_published_lineage_adds_the_family_and_its_inference_batches() -> None:
    g = ProvenanceGraph()
    g.add_dataset("digits", name="sklearn digits")
    batches, notes = published_lineage(g)
    assert "digits" in g and "bert" in g and "distilbert" in g
    assert batches and all(b.meta["role"] == INFERENCE_ROLE for b in batches)
    assert all(b.meta["requests"] == STSB_DEV_REQUESTS for b in batches)
    assert all(b.id.startswith("bert-family:inference:") for b in batches)
    assert all(str(u.provenance) == "estimated" for b in batches for u in b.energy)
    assert notes and "PUE 1.58" in notes[0]
    again = ProvenanceGraph()
    published_lineage(again)
    assert sorted(again.products()) == sorted(p for p in g.products() if p != "digits")


def _result(technique: str) -> SimpleNamespace:
    return SimpleNamespace(
        technique=technique, parent="t", child=f"t-{technique}", metric_name="accuracy",
        metric_before=0.95, metric_after=0.94, size_before=100, size_after=50,
        latency_before=Q_(2, "ms"), latency_after=Q_(1, "ms"), batch_size=8,
        energy_per_request_before=Q_(4, "J"), energy_per_request_after=Q_(2, "J"),
        energy_provenance="measured", energy_uncertainty=None, job_energy=Q_(1, "kWh"),
        job_carbon=Q_(300, "gCO2e"), job_provenance="measured")


@pytest.mark.parametrize(("technique", "family"), [
    ("prune_structured", "prune"), ("quantise_fp16", "quantise"), ("distil", "distil"),
    ("drop_batches", "drop"), ("something_new", "prune"),
])
def test_advice_uses_the_example_organisation_and_the_demo_ratings(technique: str,
                                                                    family: str) -> None:
    [advice] = demo_advice([_result(technique)])
    org = load_organisation(EXAMPLES / "org.yaml")
    assert advice.technique == technique and advice.organisation == org.organisation
    rated = DEMO_RATINGS[family]
    # complexity and effort are never measured: they are the demo's ratings
    assert advice.characteristics.complexity.value == rated["complexity"]
    assert advice.characteristics.effort.value == rated["effort"]


def test_request_carbon_is_the_request_asc_e() -> None:
    from assess.demo import example_jobs

    job = example_jobs()["inference request"]
    assert request_carbon_g(job) == asc_e(job).asc_e_g
