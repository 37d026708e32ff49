"""The read-only attribute mappings of the networkx view: equal to the dicts they replace."""

from __future__ import annotations

import copy
import pickle

import networkx as nx
import numpy as np
import pytest
from hypothesis import example, given, settings

from carbon import Q_
from lineage import ProvenanceGraph, ReportedCarbon
from lineage._edges import edge_spec
from tests.lineage.dags import DIAMOND, Spec, build, specs


def _mixed() -> ProvenanceGraph:
    g = ProvenanceGraph()
    g.add_products(["d1", "d2"], kind="dataset", names=["one", "two"])
    g.add_products(["a", "b"], kind="model")
    g.add_model("c", name="single", task="text")
    g.derive_many(["a", "b"], ["d1", "d1"], "trained_on", policy="usage",
                  usages=Q_(np.array([1.0, 3.0]), "h"))
    g.derive_many(["b"], ["a"], ["fine_tuned_from"], policy="share", shares=[0.25])
    g.derive("c", "a", "distilled_from")
    g.derive("c", "d2", "trained_on", policy="usage", usage=1000)
    g.derive("x", "c", "runs_on")  # x: a placeholder
    return g


def test_edge_attributes_read_as_the_dicts_they_replace() -> None:
    g = _mixed().nx
    assert g.edges["d1", "b"] == {"kind": "trained_on", "policy": "usage", "usage": 3.0,
                                  "usage_unit": "h", "_e": 1}
    assert dict(g.edges["a", "b"]) == {"kind": "fine_tuned_from", "policy": "share",
                                       "share": 0.25, "_e": 2}
    assert g.edges["a", "c"] == {"kind": "distilled_from", "policy": "equal", "_e": 3}
    assert g.edges["d2", "c"]["usage_unit"] == "dimensionless"
    assert g.edges["c", "x"].get("share") is None and "share" not in g.edges["c", "x"]
    assert list(g.edges["d1", "a"]) == ["kind", "policy", "usage", "usage_unit", "_e"]
    assert ("a", "b", "fine_tuned_from") in list(g.edges(data="kind"))  # networkx's views
    d = g.edges["d1", "a"]
    assert bool(d) and d["_e"] == 0 and len(d) == 5  # edge 0 is not an empty mapping
    assert repr(d) == str(dict(d)) and f"{d}" == repr(d) and d != {"kind": "trained_on"}


def test_bulk_products_read_kind_and_name() -> None:
    pg = _mixed()
    assert pg.nx.nodes["d1"] == {"kind": "dataset", "name": "one"}
    assert pg.nx.nodes["a"] == {"kind": "model", "name": "a"}
    assert pg.product("d2")["name"] == "two" and pg.product("d2")["lifetime"] is None
    assert pg.nx.nodes["c"]["task"] == "text"  # a single-item product keeps its dict
    assert pg.nx.nodes["x"] == {}  # a placeholder


def test_a_placeholder_declared_in_bulk_gets_its_attributes() -> None:
    g = ProvenanceGraph()
    g.derive("m", "d", "trained_on")
    g.add_products(["d"], kind="dataset")
    assert g.nx.nodes["d"] == {"kind": "dataset", "name": "d"}
    assert list(g.nx.nodes) == ["d", "m"] and g.validate().ok is False  # m still undeclared


def test_they_are_read_only() -> None:
    pg = _mixed()
    g = pg.nx
    with pytest.raises(TypeError, match="read-only"):
        g.edges["a", "b"]["share"] = 0.5
    with pytest.raises(TypeError, match="read-only"):
        del g.nodes["a"]["kind"]
    with pytest.raises(TypeError, match="read-only"):
        g.add_edge("a", "b", share=0.5)
    g.add_node("a")  # no attributes: nothing to refuse (add_job re-adds its product so)
    _ = pg.add_job("a", ReportedCarbon(carbon="1 gCO2e", source="t"), phase="training")
    assert g.edges["a", "b"]["share"] == 0.25
    with pytest.raises(TypeError):
        hash(g.edges["a", "b"])


def test_a_networkx_copy_holds_plain_dicts() -> None:
    g = _mixed().nx
    h = g.copy()
    assert type(h.edges["a", "b"]) is dict and nx.utils.edges_equal(
        h.edges(data=True), g.edges(data=True))
    assert h.nodes["d1"] == {"kind": "dataset", "name": "one"}


@pytest.mark.parametrize("clone", [lambda g: pickle.loads(pickle.dumps(g)), copy.deepcopy])
def test_pickle_and_deepcopy_make_an_independent_graph(clone: object) -> None:
    g = _mixed()
    h = clone(g)  # type: ignore[operator]
    assert h == g and h.nx.edges["a", "b"] == g.nx.edges["a", "b"]
    h.derive("c", "b", "derived_from", share=0.5)
    h.add_products(["e"], kind="model", names=["new"])
    assert h.nx.edges["b", "c"]["share"] == 0.5 and h.nx.nodes["e"]["name"] == "new"
    assert not g.nx.has_edge("b", "c") and "e" not in g
    assert h != g


@settings(max_examples=30)
@given(specs(max_nodes=8))
@example(DIAMOND)
def test_every_edge_reads_as_its_checked_spec(spec: Spec) -> None:
    g = build(spec)
    for e in spec.edges:
        kw = {k: e[k] for k in ("share", "policy", "usage") if e.get(k) is not None}
        want = edge_spec(e["child"], e["parent"], e["kind"], **kw).attrs()
        got = dict(g.nx.edges[e["parent"], e["child"]])
        assert got.pop("_e") >= 0 and got == want
