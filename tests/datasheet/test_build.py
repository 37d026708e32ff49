"""Datasheets built from a real provenance graph and ledger: content is computed, not typed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assess.datasheet._build import alternative_from_graph, build_datasheet
from assess.datasheet._format import fmt_carbon
from assess.datasheet._ledger import inference_meta, inference_requests, open_ledger
from assess.datasheet._render_html import render_html
from assess.datasheet._render_text import render_json, render_markdown
from assess.datasheet._schema import validate_datasheet_json
from carbon import Q_, DataError, asc_e
from lineage import Ledger, ProvenanceGraph, ReportedCarbon

from .conftest import grams, request_job, training_job

N = 1e8


def graph(distil_kwh: float = 62.0, *, policy_share: float = 0.5) -> ProvenanceGraph:
    g = ProvenanceGraph()
    g.add_dataset("wiki", name="English Wikipedia")
    g.add_model("bert", name="BERT base", licence="apache-2.0")
    g.add_model("distil", name="DistilBERT", revision="r1", task="fill-mask",
                lifetime="2 year")
    g.derive("bert", "wiki", "trained_on", share=1.0)
    g.derive("distil", "bert", "distilled_from", share=policy_share)
    g.add_job("wiki", ReportedCarbon(carbon="10 kgCO2e", source="data prep log", id="r-wiki"),
              phase="data")
    g.add_job("bert", ReportedCarbon(carbon="650 kgCO2e", source="Strubell et al. 2019",
                                     id="r-bert"), phase="training")
    g.add_job("distil", training_job(distil_kwh).model_copy(update={"id": "distil-run"}),
              phase="distillation")
    return g


def test_figures_follow_the_graph() -> None:
    g = graph()
    ds = build_datasheet(g, "distil", request=request_job(), lifetime_requests=N)
    epc = g.epc("distil")
    assert ds.epc.total.g == pytest.approx(epc.total_g)
    assert {p.phase: p.carbon.g for p in ds.epc.by_phase} == pytest.approx(
        {"training": 325_000.0, "data": 5_000.0,
         "distillation": asc_e(training_job()).asc_e_g})
    assert {a.id: a.share for a in ds.epc.by_ancestor} == {"distil": 1.0, "bert": 0.5,
                                                           "wiki": 0.5}
    assert ds.epc.own is not None and ds.epc.own.provenance == "measured"
    assert ds.epc.total.provenance == "mixed"
    assert ds.per_request is not None
    assert ds.per_request.parts["products"].g == pytest.approx(epc.total_g / N)
    assert [n.depth for n in ds.lineage.nodes] == [0, 1, 2]
    assert ds.lineage.conservation.conserving
    assert ds.identity.revision == "r1" and ds.identity.lifetime == "2 year"


@given(kwh=st.floats(1.0, 1e4))
@settings(max_examples=15, deadline=None)
def test_changing_one_jobs_energy_changes_the_figures(kwh: float) -> None:
    base = build_datasheet(graph(62.0), "distil", request=request_job(), lifetime_requests=N)
    other = build_datasheet(graph(kwh), "distil", request=request_job(), lifetime_requests=N)
    delta = asc_e(training_job(kwh)).asc_e_g - asc_e(training_job(62.0)).asc_e_g
    assert other.epc.total.g - base.epc.total.g == pytest.approx(delta, abs=1e-6)
    phases = {p.phase: p.carbon.g for p in other.epc.by_phase}
    assert phases["distillation"] - {p.phase: p.carbon.g for p in base.epc.by_phase}[
        "distillation"] == pytest.approx(delta, abs=1e-6)
    assert phases["training"] == pytest.approx(325_000.0)  # the other phases stay
    assert other.per_request is not None and base.per_request is not None
    assert other.per_request.total.g - base.per_request.total.g == pytest.approx(
        delta / N, rel=1e-6, abs=1e-15)
    assert other.per_request.inference_only.g == base.per_request.inference_only.g


def test_pages_print_the_changed_figures() -> None:
    base = build_datasheet(graph(62.0), "distil", request=request_job(), lifetime_requests=N)
    other = build_datasheet(graph(6200.0), "distil", request=request_job(),
                            lifetime_requests=N)
    old, new = fmt_carbon(base.epc.total.value), fmt_carbon(other.epc.total.value)
    assert old != new
    page = render_html(other)
    assert new in page and old not in page
    assert new in render_markdown(other) and old not in render_markdown(other)
    assert render_json(other) != render_json(base)


def test_json_of_a_built_datasheet_validates() -> None:
    ds = build_datasheet(graph(), "distil", request=request_job(), lifetime_requests=N)
    validate_datasheet_json(render_json(ds))


def test_dataset_and_missing_request_say_why() -> None:
    g = graph()
    wiki = build_datasheet(g, "wiki")
    assert wiki.per_request is None and "dataset" in (wiki.per_request_missing or "")
    bert = build_datasheet(g, "bert")
    assert bert.per_request is None and "unknown" in (bert.per_request_missing or "")
    no_basis = build_datasheet(g, "bert", request=request_job())
    assert no_basis.per_request is None and "lifetime" in (no_basis.per_request_missing or "")
    by_time = build_datasheet(g, "distil", request=request_job())  # the model's 2-year life
    assert by_time.per_request is not None and "2-year" in by_time.per_request.basis


def test_lower_bound_and_double_counting_are_said() -> None:
    g = graph()
    g.add_model("other", name="another child")
    g.derive("other", "bert", "fine_tuned_from", policy="full")
    g.add_model("tiny", name="tiny", lifetime="1 year")
    g.derive("tiny", "other", "distilled_from", policy="full")
    ds = build_datasheet(g, "tiny")
    assert not ds.lineage.conservation.conserving
    assert ds.lineage.conservation.violations
    assert any("lower bound" in n for n in ds.notes)  # 'other' and 'tiny' have no job


def test_break_even_against_an_alternative_in_the_graph() -> None:
    g = graph()
    g.add_model("small", name="small from scratch")
    g.add_job("small", ReportedCarbon(carbon="3 kgCO2e", source="log", id="r-small"),
              phase="training")
    heavy = request_job().model_copy(update={"energy": [
        request_job().energy[0].model_copy(update={"energy": Q_(90, "J")})]})
    alt = alternative_from_graph(g, "small", heavy)
    ds = build_datasheet(g, "distil", request=request_job(), lifetime_requests=N,
                         alternative=alt)
    assert ds.per_request is not None and ds.per_request.curve is not None
    be = ds.per_request.curve.break_even
    assert be is not None and be.requests is not None
    rest = ds.per_request.total.g - ds.per_request.parts["products"].g
    assert ds.epc.total.g + be.requests * rest == pytest.approx(
        grams(alt.epc.value) + be.requests * grams(alt.per_request), rel=1e-6)


def test_ledger_round_trip(tmp_path: Path) -> None:
    g = graph()
    path = tmp_path / "ledger.sqlite"
    with Ledger(str(path)) as ledger:
        ledger.save(g)
        batch = request_job().model_copy(update={
            "energy": [request_job().energy[0].model_copy(update={"energy": Q_(900, "J")})],
            "duration": Q_(4, "s"), "meta": inference_meta("distil", 100)})
        ledger.add_job(batch)
    store, loaded = open_ledger(str(path))
    try:
        requests = inference_requests(store.jobs())
    finally:
        store.close()
    assert set(requests) == {"distil"}
    one = requests["distil"]
    assert grams(Q_(asc_e(one).asc_e_g, "gCO2e")) == pytest.approx(
        asc_e(request_job()).asc_e_g)
    a = build_datasheet(loaded, "distil", request=one, lifetime_requests=N)
    b = build_datasheet(g, "distil", request=request_job(), lifetime_requests=N)
    assert a.epc.total.g == pytest.approx(b.epc.total.g)
    assert a.per_request is not None and b.per_request is not None
    assert a.per_request.total.g == pytest.approx(b.per_request.total.g)


def test_open_ledger_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="existing ledger"):
        open_ledger(str(tmp_path / "nope.sqlite"))
    assert not (tmp_path / "nope.sqlite").exists()  # reading never creates a ledger


def test_open_ledger_translates_a_corrupt_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DataError, match="readable modelcarbon ledger"):
        open_ledger(str(bad))


def test_unknown_epc_is_never_shown_as_zero() -> None:
    g = graph()
    g.add_model("orphan", name="no jobs anywhere", lifetime="1 year")
    g.add_dataset("raw", name="raw data")
    g.derive("orphan", "raw", "trained_on", share=1.0)
    ds = build_datasheet(g, "orphan", request=request_job(), lifetime_requests=N)
    assert ds.epc.total.provenance == "unknown" and not ds.epc.complete
    assert ds.per_request is None and "unknown" in (ds.per_request_missing or "")
    page = render_html(ds)
    assert 'data-figure="epc-total">unknown<' in page
    assert "| unknown |" in render_markdown(ds)
    from assess.datasheet._render_text import render_hf_yaml

    assert "co2_eq_emissions: unknown" in render_hf_yaml(ds)


def test_lower_bound_is_marked_on_the_page() -> None:
    g = graph()
    g.add_model("tuned", name="tuned", lifetime="1 year")
    g.add_dataset("raw", name="raw data")
    g.derive("tuned", "bert", "fine_tuned_from", share=0.5)
    g.derive("tuned", "raw", "trained_on", share=1.0)  # raw has no job: lower bound
    ds = build_datasheet(g, "tuned", request=request_job(), lifetime_requests=N)
    assert not ds.epc.complete and ds.epc.bound and "lower bound" in ds.epc.bound
    page = render_html(ds)
    assert f'data-figure="epc-total">≥ {fmt_carbon(ds.epc.total.value)}<' in page
    assert any("per-request ASC^e is a lower bound" in n for n in ds.notes)


@pytest.mark.parametrize("by", ["requests", "time"])
def test_per_request_agrees_with_lineage(by: str) -> None:
    from lineage import per_request

    g = graph()
    req = request_job().model_copy(update={"retraining": None})
    kw = {"lifetime_requests": N} if by == "requests" else {}
    ds = build_datasheet(g, "distil", request=req, **kw)
    ref = per_request(g, "distil", req, **({"requests": N} if by == "requests" else {}))
    assert ds.per_request is not None
    assert ds.per_request.total.g == pytest.approx(ref.extended_g, rel=1e-12)
    assert ds.per_request.inference_only.g == pytest.approx(ref.inference_g, rel=1e-12)
    assert ds.per_request.parts["products"].g == pytest.approx(ref.model_epc_g, rel=1e-12)


def test_bert_family_diagram_puts_every_parent_above_its_children() -> None:
    from carbon import Facility
    from lineage import bert_family

    g = bert_family(Facility(name="dc", pue=1.1, mix="400 gCO2e/kWh"))
    ds = build_datasheet(g, "distilbert")
    depth = {n.id: n.depth for n in ds.lineage.nodes}
    assert {"bert", "enwiki", "bookcorpus"} <= set(depth)
    assert all(depth[e.parent] > depth[e.child] for e in ds.lineage.edges)
    assert not ds.epc.complete and "lower bound" in (ds.epc.bound or "")
