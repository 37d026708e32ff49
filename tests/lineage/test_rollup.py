"""The roll-up: Kahn's order is topological (wide, deep, cyclic), the solve is the recurrence."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lineage._rollup import Rollup, topological_order


@st.composite
def dags(draw: st.DrawFn, max_n: int = 30) -> tuple[int, np.ndarray, np.ndarray]:
    """A random DAG on slots 0..n-1 (edges from a lower to a higher rank of a permutation)."""
    n = draw(st.integers(0, max_n))
    perm = draw(st.permutations(list(range(n))))
    pairs = draw(st.lists(st.tuples(st.integers(0, max(0, n - 1)),
                                    st.integers(0, max(0, n - 1))), max_size=3 * n))
    edges = sorted({(perm[min(a, b)], perm[max(a, b)]) for a, b in pairs if a != b})
    ep = np.array([p for p, _ in edges], dtype=np.int64)
    ec = np.array([c for _, c in edges], dtype=np.int64)
    return n, ep, ec


def _is_topological(n: int, ep: np.ndarray, ec: np.ndarray, order: np.ndarray) -> bool:
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    return sorted(order.tolist()) == list(range(n)) and bool(np.all(rank[ep] < rank[ec]))


@settings(max_examples=60)
@given(dags())
@example((3, np.array([2, 1]), np.array([1, 0])))
def test_order_is_topological(dag: tuple[int, np.ndarray, np.ndarray]) -> None:
    n, ep, ec = dag
    assert _is_topological(n, ep, ec, topological_order(n, ep, ec))


def test_a_deep_chain_finishes_in_the_python_queue() -> None:
    n = 500  # more than 64 frontiers of one node each
    order = topological_order(n, np.arange(n - 1), np.arange(1, n))
    assert order.tolist() == list(range(n))


def test_a_cycle_leaves_its_nodes_out() -> None:
    ep, ec = np.array([0, 1, 2, 3]), np.array([1, 2, 1, 0])  # 1 -> 2 -> 1, 3 -> 0 -> 1
    roll = Rollup.build(4, ep, ec)
    assert not roll.acyclic
    assert sorted(roll.order.tolist()) == [0, 3]


@settings(max_examples=60)
@given(dags(), st.data())
def test_solve_is_the_recurrence_in_topological_order(
        dag: tuple[int, np.ndarray, np.ndarray], data: st.DataObject) -> None:
    n, ep, ec = dag
    w = np.array(data.draw(st.lists(st.floats(0, 1), min_size=len(ep), max_size=len(ep))))
    rhs = np.array(data.draw(st.lists(st.floats(0, 1e6), min_size=n, max_size=n)))
    x = Rollup.build(n, ep, ec).solve(w, rhs)
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(ep.tolist(), ec.tolist(), w.tolist(), strict=True))
    want = {v: float(rhs[v]) for v in range(n)}
    for v in nx.topological_sort(g):
        want[v] = float(rhs[v]) + sum(d["weight"] * want[u] for u, _, d in g.in_edges(v, data=True))
    np.testing.assert_allclose(x, [want[v] for v in range(n)], rtol=1e-9, atol=1e-6)
