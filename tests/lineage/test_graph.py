"""The single-item graph API: refused inputs, duplicate edges and jobs, usage units, removals."""

from __future__ import annotations

import pytest

from carbon import Q_, InvalidValueError, UnitMismatchError, UnknownKeyError
from lineage import ProvenanceGraph, UnknownProductError
from tests.lineage.conftest import rc


def test_derive_refuses_self_loop_duplicates_and_unknown_kind(g: ProvenanceGraph) -> None:
    with pytest.raises(InvalidValueError, match="other than the child"):
        g.derive("a", "a", "fine_tuned_from")
    with pytest.raises(UnknownKeyError, match="fine_tuned_from"):
        g.derive("b", "a", "finetuned")
    g.derive("b", "a", "fine_tuned_from")
    with pytest.raises(InvalidValueError, match="remove_edge"):
        g.derive("b", "a", "pruned_from")


def test_usage_dimensions_must_agree(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from", policy="usage", usage=Q_(3, "h"))
    with pytest.raises(UnitMismatchError):
        g.derive("c", "a", "fine_tuned_from", policy="usage", usage=Q_(3, "kWh"))
    g.derive("c", "a", "fine_tuned_from", policy="usage", usage=Q_(60, "min"))
    assert g.weight("b", "a") == pytest.approx(0.75)
    assert g.weight("c", "a") == pytest.approx(0.25)


@pytest.mark.parametrize(("call", "error"), [
    (lambda g: g.add_model("a", name="again"), InvalidValueError),
    (lambda g: g.add_model("", name="x"), InvalidValueError),
    (lambda g: g.add_model("x", name="x", lifetime="0 year"), InvalidValueError),
    (lambda g: g.add_model("x", name="x", lifetime=3), UnitMismatchError),
    (lambda g: g.add_model("x", name="x", lifetime="3 kg"), UnitMismatchError),
    (lambda g: g.add_platform("x", name="x", lifetime=None), InvalidValueError),
    (lambda g: g.epc("nope"), UnknownProductError),
    (lambda g: g.add_job("a", rc(1.0), phase="inference"), UnknownKeyError),
    (lambda g: g.add_job("a", "10 gCO2e", phase="training"), InvalidValueError),
    (lambda g: g.remove_edge("b", "a"), UnknownProductError),
    (lambda g: g.remove_job("nope"), UnknownProductError),
])
def test_refused_calls(g: ProvenanceGraph, call: object, error: type) -> None:
    with pytest.raises(error):
        call(g)  # type: ignore[operator]


def test_same_job_twice_is_refused(g: ProvenanceGraph) -> None:
    job = rc(5.0, id="j1")
    g.add_job("a", job, phase="training")
    with pytest.raises(InvalidValueError, match="twice"):
        g.add_job("b", job, phase="training")


def test_remove_product_and_job(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from")
    g.derive("c", "a", "fine_tuned_from")
    g.add_job("a", rc(10.0, "ja"), phase="training")
    assert g.epc("c").total_g == pytest.approx(5.0)
    g.remove_product("b")
    assert "b" not in g and len(g) == 2
    assert g.epc("c").total_g == pytest.approx(10.0)
    g.remove_job("ja")
    assert g.epc("c").total_g == 0.0
    g.add_model("b", name="back")
    assert g.epc_all().index.tolist() == ["a", "b", "c"]


def test_products_edges_and_jobs_read_back(g: ProvenanceGraph) -> None:
    g.add_platform("k8s", name="serving", lifetime="6 year", source="ops")
    g.derive("b", "a", "fine_tuned_from", share=0.5)
    entry = g.add_job("a", rc(2.0, "ja"), phase="training")
    assert g.products() == ["a", "b", "c", "k8s"]
    assert g.product("k8s")["lifetime"].m_as("year") == pytest.approx(6.0)
    assert g.product("k8s")["source"] == "ops" and g.product("a")["task"] is None
    assert g.edges() == [{"parent": "a", "child": "b", "kind": "fine_tuned_from",
                          "policy": "share", "share": 0.5, "usage": None, "usage_unit": None}]
    assert g.jobs() == [entry] and g.jobs("a") == [entry] and g.jobs("b") == []
    assert "ghost" not in g and 3 not in g
    assert repr(g) == "ProvenanceGraph(4 products, 1 edges, 1 jobs)"


def test_placeholders_go_when_nothing_refers_to_them(g: ProvenanceGraph) -> None:
    g.derive("ghost", "a", "quantised_from")
    assert "ghost" in g.nx and "ghost" not in g  # referenced, never added
    g.remove_edge("ghost", "a")
    assert "ghost" not in g.nx
    g.add_job("phantom", rc(1.0, "jp"), phase="data")
    g.remove_job("jp")
    assert "phantom" not in g.nx


def test_graphs_compare_by_content_and_do_not_hash(g: ProvenanceGraph) -> None:
    other = ProvenanceGraph()
    for pid in ("c", "b", "a"):
        other.add_model(pid, name=pid)
    assert other == g and (g == "a graph") is False
    with pytest.raises(TypeError):
        hash(g)
