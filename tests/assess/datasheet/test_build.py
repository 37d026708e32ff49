"""Datasheets built from a real provenance graph and ledger: content is computed, not typed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assess.datasheet._build import alternative_from_graph, build_datasheet
from assess.datasheet._format import fmt_carbon
from assess.datasheet._render_html import render_html
from assess.datasheet._render_text import render_json, render_markdown
from assess.datasheet._schema import validate_datasheet_json
from carbon import Q_, asc_e
from lineage import ReportedCarbon
from tests.assess.datasheet.conftest import (
    N,
    grams,
    graph,
    request_job,
    revalidated,
    training_job,
)


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
    heavy = revalidated(request_job(), energy=[
        revalidated(request_job().energy[0], energy=Q_(90, "J"))])
    alt = alternative_from_graph(g, "small", heavy)
    ds = build_datasheet(g, "distil", request=request_job(), lifetime_requests=N,
                         alternative=alt)
    assert ds.per_request is not None and ds.per_request.curve is not None
    be = ds.per_request.curve.break_even
    assert be is not None and be.requests is not None
    rest = ds.per_request.total.g - ds.per_request.parts["products"].g
    assert ds.epc.total.g + be.requests * rest == pytest.approx(
        grams(alt.epc.value) + be.requests * grams(alt.per_request), rel=1e-6)


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
    # bug fixed in 728c9f5: layers by shortest path drew a parent beside or below its child
    from carbon import Facility
    from lineage import bert_family

    g = bert_family(Facility(name="dc", pue=1.1, mix="400 gCO2e/kWh"))
    ds = build_datasheet(g, "distilbert")
    depth = {n.id: n.depth for n in ds.lineage.nodes}
    assert {"bert", "enwiki", "bookcorpus"} <= set(depth)
    assert all(depth[e.parent] > depth[e.child] for e in ds.lineage.edges)
    assert not ds.epc.complete and "lower bound" in (ds.epc.bound or "")
