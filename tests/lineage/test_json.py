"""Node-link JSON: exact round trips on generated graphs, a stable order, refused documents."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import example, given, settings

from lineage import LedgerError, ProvenanceGraph, from_json, from_node_link, to_json, to_node_link
from tests.lineage.conftest import rc
from tests.lineage.dags import DIAMOND, Spec, build, specs


@settings(max_examples=25)
@given(specs())
@example(DIAMOND)
def test_json_round_trip(spec: Spec) -> None:
    g = build(spec)
    text = g.to_json()
    back = from_json(text)
    assert back == g
    assert back.to_json() == text
    np.testing.assert_allclose(back.epc_all()["epc [gCO2e]"].sort_index(),
                               g.epc_all()["epc [gCO2e]"].sort_index(), rtol=1e-12)


def test_methods_and_functions_agree(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from", share=0.5)
    g.add_job("a", rc(3.0, "ja"), phase="training")
    assert g.to_json() == to_json(g)
    assert g.snapshot() == to_node_link(g)
    assert ProvenanceGraph.from_json(g.to_json()) == from_node_link(to_node_link(g)) == g
    assert json.loads(g.to_json(indent=2)) == json.loads(g.to_json())


def test_nodes_edges_and_jobs_are_sorted(g: ProvenanceGraph) -> None:
    g.derive("a", "c", "derived_from")
    g.derive("b", "a", "derived_from")
    doc = to_node_link(g)
    assert [n["id"] for n in doc["nodes"]] == ["a", "b", "c"]
    assert [(e["source"], e["target"]) for e in doc["edges"]] == [("a", "b"), ("c", "a")]


@pytest.mark.parametrize("text", ["not json", json.dumps({"graph": {"format": "other"}}),
                                  json.dumps({"graph": {"format": "modelcarbon-lineage",
                                                        "version": 99}})])
def test_refused_documents(text: str) -> None:
    with pytest.raises(LedgerError):
        from_json(text)


@pytest.mark.parametrize(("mutate", "needle"), [
    (lambda d: d["nodes"][0].pop("id"), "nodes[0].id is missing"),
    (lambda d: d["nodes"][0].update(kind="lunch"), "nodes[0].kind"),
    (lambda d: d["nodes"][0].update(lifetime_s=-5), "nodes[0]"),
    (lambda d: d["edges"][0].update(share=2), "edges[0]"),
    (lambda d: d.update(nodes={}), "nodes="),
    (lambda d: d["jobs"][0]["record"].update(carbon_g=float("nan")), "jobs[0].record"),
    (lambda d: d["jobs"][0]["record"].update(carbon_g=-1.0), "jobs[0].record"),
    (lambda d: d["jobs"][0]["record"].pop("type"), "jobs[0].record.type is missing"),
])
def test_a_tampered_document_names_where(mutate: object, needle: str) -> None:
    from carbon import ModelCarbonError

    g = ProvenanceGraph()
    g.add_model("a", name="A", lifetime="1 year")
    g.add_model("b", name="B")
    g.derive("b", "a", "fine_tuned_from", share=0.5)
    g.add_job("a", rc(2000.0), phase="training")
    doc = to_node_link(g)
    mutate(doc)  # type: ignore[operator]
    with pytest.raises(ModelCarbonError) as info:
        from_node_link(doc)
    assert needle in str(info.value), str(info.value)


@pytest.mark.parametrize("doc", [[], 5, None, "x"])
def test_a_document_that_is_not_a_mapping(doc: object) -> None:
    with pytest.raises(LedgerError, match="document"):
        from_node_link(doc)  # type: ignore[arg-type]
