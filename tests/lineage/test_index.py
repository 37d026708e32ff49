"""The compact index: one edge's weight (each policy), running sums, and the arrays agreeing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineage import ProvenanceGraph
from lineage._index import CUTOFF, EQUAL, FULL, SHARE, USAGE, Index, edge_weight
from tests.lineage.dags import DIAMOND, Spec, build, naive_weights, specs


@pytest.mark.parametrize(("args", "want"), [
    ((SHARE, 0.3, 0.0, 0.3, 0, 0.0), 0.3),
    ((CUTOFF, 0.0, 0.0, 0.0, 0, 0.0), 0.0),
    ((FULL, 0.0, 0.0, 0.9, 0, 0.0), 1.0),
    ((EQUAL, 0.0, 0.0, 0.4, 2, 0.0), 0.3),  # remainder 0.6 over two equal children
    ((EQUAL, 0.0, 0.0, 1.2, 2, 0.0), 0.0),  # explicit shares over 1: nothing left
    ((USAGE, 0.0, 3.0, 0.0, 0, 4.0), 0.75),
    ((USAGE, 0.0, 3.0, 0.5, 0, 4.0), 0.375),
])
def test_edge_weight_table(args: tuple, want: float) -> None:
    assert edge_weight(*args) == pytest.approx(want)


def test_usage_pool_with_no_usage_has_no_weight() -> None:
    assert math.isnan(edge_weight(USAGE, 0.0, 0.0, 0.0, 0, 0.0))  # validation reports it


def test_slots_are_made_once_and_in_order() -> None:
    ix = Index()
    assert ix.slot("a") == 0 and ix.slot("a") == 0
    assert ix.slots(["b", "a", "c", "b"]).tolist() == [1, 0, 2, 1]
    assert ix.ids == ["a", "b", "c"] and ix.n == 3 and bytes(ix.kind) == bytes(3)
    assert len(ix.own_g) == len(ix.in_deg) == 3


def test_remove_and_recount_restore_the_running_sums() -> None:
    ix = Index()
    p, c1, c2 = ix.slots(["p", "c1", "c2"]).tolist()
    e1 = ix.add_edge(p, c1, SHARE, 0.25, 0.0)
    e2 = ix.add_edge(p, c2, EQUAL, 0.0, 0.0)
    assert ix.weight(e2) == pytest.approx(0.75)
    ix.remove_edge(e1)
    ix.recount(p, [e2])
    assert ix.s_explicit[p] == 0.0 and ix.weight(e2) == 1.0
    assert ix.out_deg[p] == 1 and ix.in_deg[c1] == 0 and ix.dead_edges == 1
    parents, children, w = ix.live_edges()
    assert parents.tolist() == [p] and children.tolist() == [c2] and w.tolist() == [1.0]


def _check_live_edges(g: ProvenanceGraph, spec: Spec) -> None:
    """The arrays' weights equal one edge's weight and the naive policy definitions."""
    ix = g._ix
    parents, children, w = ix.live_edges()
    naive = naive_weights(Spec(spec.nodes, [e for e in spec.edges
                                            if g.nx.has_edge(e["parent"], e["child"])]))
    assert len(w) == g.nx.number_of_edges()
    for p, c, x in zip(parents.tolist(), children.tolist(), w.tolist(), strict=True):
        u, v = ix.ids[p], ix.ids[c]
        assert math.isclose(x, g.weight(v, u), rel_tol=1e-12, abs_tol=1e-15)
        assert math.isclose(x, naive[(u, v)], rel_tol=1e-9, abs_tol=1e-12)
    assert np.all(np.isfinite(w))


def test_live_edge_arrays_on_the_diamond() -> None:
    _check_live_edges(build(DIAMOND), DIAMOND)


@settings(max_examples=40)
@given(specs(), st.data())
def test_live_edge_arrays_agree_with_one_edge_weights(spec: Spec, data: st.DataObject) -> None:
    g = build(spec)
    if spec.edges:  # remove some edges: dead slots and recounts
        for e in data.draw(st.lists(st.sampled_from(spec.edges), max_size=3, unique_by=id)):
            g.remove_edge(e["child"], e["parent"])
    _check_live_edges(g, spec)
