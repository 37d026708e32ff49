"""The state a provenance graph keeps, shared by the modules that read and change it.

:class:`lineage.ProvenanceGraph` is this state plus one mixin per concern, each in its module:

- :mod:`lineage._graph`: the single-item API (products, edges, jobs);
- :mod:`lineage._bulk`: the bulk builders (many products, edges, reported jobs at once);
- :mod:`lineage._validate`: the rules EPC relies on, checked in full or incrementally;
- :mod:`lineage._epc`: EPC of one product (a walk) and of all (one sparse solve).

The state: a networkx ``DiGraph`` (``nx``) and, for the fast paths, a compact index of typed
arrays kept in step with it (:class:`lineage._index.Index`); the attached jobs; version
counters that key the caches; and the slots, parents and ``full`` edges changed since the last
validation (what an incremental validation reads).
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from lineage._errors import UnknownProductError
from lineage._index import Index
from lineage._reported import JobEntry
from lineage._rollup import Rollup

__all__ = ["GraphState"]


class GraphState:
    """The graph's networkx view, index, jobs, version counters, roll-up cache and dirty sets."""

    def __init__(self) -> None:
        self._g: nx.DiGraph = nx.DiGraph()
        self._ix = Index()
        self._jobs: dict[str, JobEntry] = {}
        self._by_product: dict[str, list[JobEntry]] = {}
        #: products with EPC-counted jobs whose ASC^e is a lower bound -> how many such jobs
        self._partial: dict[str, int] = {}
        self._usage_dim: dict[int, str] = {}  # parent slot -> dimensionality of its usage
        self._version = 0  # bumps on every change (keys the validation and EPC caches)
        self._structure = 0  # bumps when slots or edges change (the roll-up pattern)
        self._rollup: tuple[int, Rollup] | None = None
        self._dirty_nodes: set[int] = set()
        self._dirty_parents: set[int] = set()
        self._dirty_full: list[tuple[str, str]] = []
        self._unsafe = False  # a change since the last validation may have closed a cycle

    @property
    def nx(self) -> nx.DiGraph:
        """The underlying networkx graph (read-only by convention: mutate through methods).

        Node attributes: ``kind, name, lifetime, revision, licence, task, source``; edge
        attributes: ``kind, policy, share, usage, usage_unit`` and the private ``_e``.
        Ids referenced by an edge but never added appear with no attributes. Edge attributes,
        and those of products added in bulk, are read-only mappings over the index arrays
        (:mod:`lineage._attrs`).
        """
        return self._g

    def _add_nx_edges(self, parents: list[str], children: list[str], data: Any) -> None:
        """The new edges in the networkx view, each with its read-only attribute mapping
        (``data``), stored in the successor and predecessor maps as ``DiGraph.add_edges_from``
        stores a dict (about half its time at hub scale: its per-edge checks were made on
        arrays, and its copy of every attribute dict is skipped). The endpoints are nodes
        already and no edge exists twice (the callers check)."""
        g = self._g
        succ, pred = g._succ, g._pred
        for u, v, d in zip(parents, children, data, strict=True):
            succ[u][v] = d
            pred[v][u] = d
        nx._clear_cache(g)

    def _touch(self, *, structure: bool) -> None:
        self._version += 1
        if structure:
            self._structure += 1

    def _declared(self, pid: Any) -> int:
        """The slot of a declared product, or :class:`lineage.UnknownProductError`."""
        i = self._ix.pos.get(pid) if isinstance(pid, str) else None
        if i is None or not self._ix.kind[i]:
            raise UnknownProductError("product", pid, "the id of a product added with "
                                      "add_dataset, add_model or add_platform")
        return i

    def _get_rollup(self) -> Rollup:
        """The topological order and solve pattern of the current structure (cached).

        Kept here, below validation and EPC, because both read it: validation for its cycle
        check, EPC for the solve.
        """
        if self._rollup is None or self._rollup[0] != self._structure:
            p, c, _ = self._ix.live_edges()
            self._rollup = (self._structure, Rollup.build(self._ix.n, p, c))
        return self._rollup[1]
