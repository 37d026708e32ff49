"""Generated lineage DAGs for property tests, a builder, the naive EPC oracle, a golden DAG."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
from hypothesis import strategies as st

from carbon import quantity
from lineage import ProvenanceGraph, ReportedCarbon


@dataclass
class Spec:
    """A lineage as plain data: nodes (id, kind), edges, jobs (product, gCO2e, phase)."""

    nodes: list[tuple[str, str]]
    edges: list[dict[str, Any]]
    jobs: list[tuple[str, float, str]] = field(default_factory=list)


@st.composite
def specs(draw: Any, *, max_nodes: int = 8, policies: tuple[str, ...] = (
        "share", "equal", "usage", "cutoff", "full"), min_nodes: int = 1) -> Spec:
    n = draw(st.integers(min_nodes, max_nodes))
    names = draw(st.permutations([f"p{i}" for i in range(n)]))
    nodes = [(names[i], draw(st.sampled_from(["dataset", "model"]))) for i in range(n)]
    edges: list[dict[str, Any]] = []
    for j in range(n):
        children = [k for k in range(j + 1, n) if draw(st.booleans())]
        if not children:
            continue
        pool = draw(st.sampled_from(["equal", "usage"]))
        pols = [draw(st.sampled_from(policies)) for _ in children]
        pols = [pool if p in ("equal", "usage") else p for p in pols]
        shares = [draw(st.floats(0, 1)) for _ in children]
        n_share = sum(p == "share" for p in pols)
        total = sum(s for s, p in zip(shares, pols, strict=True) if p == "share")
        scale = draw(st.floats(0.05, 1.0)) / total if total > 1 else 1.0
        for k, pol, s in zip(children, pols, shares, strict=True):
            e: dict[str, Any] = {"parent": names[j], "child": names[k],
                                 "kind": "derived_from" if nodes[k][1] == "dataset"
                                 else "fine_tuned_from", "policy": pol}
            if pol == "share":
                e["share"] = min(1.0, s * scale) if n_share else s
            if pol == "usage":
                e["usage"] = draw(st.floats(0.5, 100.0))
            edges.append(e)
    jobs = []
    for pid, _ in nodes:
        for _ in range(draw(st.integers(0, 2))):
            jobs.append((pid, draw(st.floats(0.0, 1e6)), draw(st.sampled_from(
                ["data", "training", "fine_tuning", "retraining"]))))
    return Spec(nodes, edges, jobs)


#: A pinned diamond: a (100 g) -> b, c (equal: 0.5 each) -> d (0.5 of b, full c).
DIAMOND = Spec(
    nodes=[("a", "model"), ("b", "model"), ("c", "model"), ("d", "model")],
    edges=[{"parent": "a", "child": "b", "kind": "fine_tuned_from", "policy": "equal"},
           {"parent": "a", "child": "c", "kind": "fine_tuned_from", "policy": "equal"},
           {"parent": "b", "child": "d", "kind": "derived_from", "policy": "share", "share": 0.5},
           {"parent": "c", "child": "d", "kind": "derived_from", "policy": "full"}],
    jobs=[("a", 100.0, "training"), ("d", 1.0, "retraining")],
)


def build(spec: Spec, order: list[int] | None = None,
          after: Callable[[ProvenanceGraph], object] | None = None) -> ProvenanceGraph:
    """Build a graph from a spec: products, then edges, then jobs (or a mixed ``order``),
    one at a time; ``after(graph)`` is called after each (e.g. to validate as it grows)."""
    g = ProvenanceGraph()
    ops: list[tuple[str, Any]] = ([("node", x) for x in spec.nodes]
                                  + [("edge", e) for e in spec.edges]
                                  + [("job", (k, j)) for k, j in enumerate(spec.jobs)])
    if order is not None:
        ops = [ops[i] for i in order]
    for what, x in ops:
        if what == "node":
            pid, kind = x
            (g.add_dataset if kind == "dataset" else g.add_model)(pid, name=pid)
        elif what == "edge":
            g.derive(x["child"], x["parent"], x["kind"], share=x.get("share"),
                     policy=None if x["policy"] == "share" else x["policy"],
                     usage=x.get("usage"))
        else:
            k, (pid, c, phase) = x
            g.add_job(pid, ReportedCarbon(carbon=quantity(c, "gCO2e"), source="test",
                                          id=f"job{k}"), phase=phase)
        if after is not None:
            after(g)
    return g


def naive_weights(spec: Spec) -> dict[tuple[str, str], float]:
    """Edge weights straight from the policy definitions (no shared code with lineage)."""
    out: dict[tuple[str, str], float] = {}
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for e in spec.edges:
        by_parent.setdefault(e["parent"], []).append(e)
    for p, es in by_parent.items():
        explicit = sum(e["share"] for e in es if e["policy"] == "share")
        rest = max(0.0, 1.0 - explicit)
        n_eq = sum(e["policy"] == "equal" for e in es)
        u_tot = sum(e["usage"] for e in es if e["policy"] == "usage")
        for e in es:
            w = {"share": e.get("share", 0.0), "cutoff": 0.0, "full": 1.0,
                 "equal": rest / n_eq if n_eq else 0.0,
                 "usage": rest * e.get("usage", 0.0) / u_tot if u_tot else 0.0}[e["policy"]]
            out[(p, e["child"])] = w
    return out


def naive_epc(spec: Spec) -> dict[str, float]:
    """EPC(p) = own(p) + sum over a in nx.ancestors(p) of own(a) * sum over paths of prod w."""
    g = nx.DiGraph()
    g.add_nodes_from(pid for pid, _ in spec.nodes)
    g.add_edges_from((e["parent"], e["child"]) for e in spec.edges)
    w = naive_weights(spec)
    own = {pid: 0.0 for pid, _ in spec.nodes}
    for pid, c, phase in spec.jobs:
        if phase != "retraining":
            own[pid] += c
    out = {}
    for p in g.nodes:
        total = own[p]
        for a in nx.ancestors(g, p):
            paths = nx.all_simple_paths(g, a, p)
            carried = sum(math.prod(w[(u, v)] for u, v in itertools.pairwise(path))
                          for path in paths)
            total += own[a] * carried
        out[p] = total
    return out
