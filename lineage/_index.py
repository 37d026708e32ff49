"""The graph's compact index: integer slots and flat edge arrays (a marked fast path, gCO2e).

Every product has an integer slot; every edge a position in flat typed arrays (``array``
module, 8 bytes an entry) appended as the graph is built, so a million products and three
million edges need no per-call conversion from networkx. Per parent, running sums of its
out-edges (explicit shares, ``equal`` children, ``usage`` amounts) let one edge's weight be
read in O(1) for the incremental path (:func:`edge_weight`), or every live edge's weight as
arrays for the roll-up (:meth:`Index.live_edges`, solved in :mod:`lineage._rollup`). The
edges' and bulk products' attributes live here too (kind codes, usage as given, unit codes,
names), read through the mappings of :mod:`lineage._attrs` that the networkx view stores.
"""

from __future__ import annotations

import itertools
from array import array
from typing import Any

import numpy as np

from lineage._attrs import EdgeAttrs, NodeAttrs, attrs_types
from lineage._kinds import POLICY_CODE, Policy

__all__ = ["CUTOFF", "EQUAL", "FULL", "KIND_CODE", "SHARE", "USAGE", "Index", "edge_weight"]

#: Product kind codes in ``Index.kind`` (0: referenced by an edge or a job, never declared).
KIND_CODE: dict[str, int] = {"dataset": 1, "model": 2, "platform": 3}

SHARE = POLICY_CODE[Policy.SHARE]
EQUAL = POLICY_CODE[Policy.EQUAL]
USAGE = POLICY_CODE[Policy.USAGE]
CUTOFF = POLICY_CODE[Policy.CUTOFF]
FULL = POLICY_CODE[Policy.FULL]


def _f64(a: array[Any]) -> np.ndarray:
    return np.frombuffer(a, dtype=np.float64).copy() if len(a) else np.zeros(0)


def _i64(a: array[Any]) -> np.ndarray:
    return np.frombuffer(a, dtype=np.int64).copy() if len(a) else np.zeros(0, np.int64)


def edge_weight(policy: int, share: float, usage: float, s_explicit: float, n_equal: int,
                u_total: float) -> float:
    """Weight of one edge: the share of the parent's EPC the child carries.

    ``share``: the share; ``cutoff``: 0; ``full``: 1; ``equal``: the parent's remainder
    ``max(0, 1 - sum of explicit shares)`` over its number of ``equal`` children; ``usage``:
    the remainder times this edge's usage over the parent's total usage.

    >>> edge_weight(EQUAL, 0.0, 0.0, 0.25, 3, 0.0)
    0.25
    >>> edge_weight(USAGE, 0.0, 1.0, 0.0, 0, 4.0)
    0.25
    """
    if policy == SHARE:
        return share
    if policy == EQUAL:
        return max(0.0, 1.0 - s_explicit) / n_equal
    if policy == USAGE:
        return max(0.0, 1.0 - s_explicit) * usage / u_total if u_total > 0 else float("nan")
    if policy == FULL:
        return 1.0
    return 0.0


class Index:
    """Integer slots for products and flat arrays for edges, with per-parent running sums."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.pos: dict[str, int] = {}
        self.kind = bytearray()  # 0 undeclared (referenced only), else KIND_CODE
        self.own_g = array("d")  # EPC-counted own carbon (retraining excluded) [gCO2e]
        self.n_jobs = array("q")  # EPC-counted jobs attached
        self.n_any = array("q")  # every job attached (re-training included)
        self.s_explicit = array("d")  # sum of explicit out-shares
        self.n_equal = array("q")
        self.n_usage = array("q")
        self.u_total = array("d")
        self.n_full = array("q")
        self.out_deg = array("q")
        self.in_deg = array("q")
        self.ep = array("q")
        self.ec = array("q")
        self.pol = array("b")
        self.share = array("d")
        self.usage = array("d")
        self.alive = bytearray()
        self.dead_edges = 0
        self.ekind = array("b")  # edge kind, index into EDGE_KINDS
        self.given = array("d")  # usage amount as given (in ``units[unit]``); 0 where none
        self.unit = array("h")  # index into ``units``; -1: the edge has no usage
        self.units: list[str] = []
        self.names: list[str | None] = []  # product names of the bulk-added (else None)
        self.edge_attrs: type[EdgeAttrs]  # edge id -> its attributes (lineage._attrs)
        self.node_attrs: type[NodeAttrs]  # slot -> a bulk product's attributes
        self.edge_attrs, self.node_attrs = attrs_types(self)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["edge_attrs"], state["node_attrs"]  # classes of this index: made anew
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.edge_attrs, self.node_attrs = attrs_types(self)

    # slots -----------------------------------------------------------------------------
    def slot(self, pid: str) -> int:
        """The slot of ``pid``, created (undeclared, zero-cost) when new."""
        i = self.pos.get(pid)
        if i is None:
            i = self.pos[pid] = len(self.ids)
            self.ids.append(pid)
            self.kind.append(0)
            self.names.append(None)
            for a in (self.own_g, self.s_explicit, self.u_total):
                a.append(0.0)
            for b in (self.n_jobs, self.n_any, self.n_equal, self.n_usage, self.n_full,
                      self.out_deg, self.in_deg):
                b.append(0)
        return i

    def slots(self, ids: list[str]) -> np.ndarray:
        """The slots of many ids; new ones are created together (the bulk path)."""
        pos = self.pos
        # C-level loops (filterfalse, map) rather than generator frames: a million ids a call
        new = list(dict.fromkeys(itertools.filterfalse(pos.__contains__, ids)))
        if new:
            start = len(self.ids)
            k = len(new)
            self.ids.extend(new)
            pos.update(zip(new, range(start, start + k), strict=True))
            self.kind.extend(bytes(k))
            self.names.extend(itertools.repeat(None, k))
            zeros_f = bytes(8 * k)
            for a in (self.own_g, self.s_explicit, self.u_total, self.n_jobs, self.n_any,
                      self.n_equal, self.n_usage, self.n_full, self.out_deg, self.in_deg):
                a.frombytes(zeros_f)
        return np.fromiter(map(pos.__getitem__, ids), dtype=np.int64, count=len(ids))

    @property
    def n(self) -> int:
        return len(self.ids)

    # edges -----------------------------------------------------------------------------
    def add_edge(self, p: int, c: int, policy: int, share: float, usage: float, *,
                 kind: int = 0, given: float | None = None, unit: str | None = None) -> int:
        """Append edge ``p -> c`` (``usage`` in base units; ``given`` in ``unit``): its id."""
        e = len(self.ep)
        self.ep.append(p)
        self.ec.append(c)
        self.pol.append(policy)
        self.share.append(share)
        self.usage.append(usage)
        self.alive.append(1)
        self.ekind.append(kind)
        self.given.append(0.0 if given is None else given)
        self.unit.append(-1 if given is None or unit is None else self.unit_code(unit))
        self._count(p, policy, share, usage, +1)
        self.out_deg[p] += 1
        self.in_deg[c] += 1
        return e

    def unit_code(self, unit: str) -> int:
        """The code of a usage unit in ``units`` (added when new)."""
        try:
            return self.units.index(unit)
        except ValueError:
            self.units.append(unit)
            return len(self.units) - 1

    def remove_edge(self, e: int) -> None:
        p, c = self.ep[e], self.ec[e]
        self.alive[e] = 0
        self.dead_edges += 1
        self.out_deg[p] -= 1
        self.in_deg[c] -= 1

    def recount(self, p: int, edges: list[int]) -> None:
        """Recompute parent ``p``'s running sums from its live ``edges`` (in edge order)."""
        self.s_explicit[p] = 0.0
        self.u_total[p] = 0.0
        self.n_equal[p] = self.n_usage[p] = self.n_full[p] = 0
        for e in sorted(edges):
            self._count(p, self.pol[e], self.share[e], self.usage[e], +1)

    def _count(self, p: int, policy: int, share: float, usage: float, sign: int) -> None:
        if policy == SHARE:
            self.s_explicit[p] += sign * share
        elif policy == EQUAL:
            self.n_equal[p] += sign
        elif policy == USAGE:
            self.n_usage[p] += sign
            self.u_total[p] += sign * usage
        elif policy == FULL:
            self.n_full[p] += sign

    def weight(self, e: int) -> float:
        p = self.ep[e]
        return edge_weight(self.pol[e], self.share[e], self.usage[e], self.s_explicit[p],
                           self.n_equal[p], self.u_total[p])

    # fast arrays -----------------------------------------------------------------------
    def live_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(parent slots, child slots, weights) of every live edge, in edge order."""
        p = _i64(self.ep)
        c = _i64(self.ec)
        pol = np.frombuffer(self.pol, dtype=np.int8).copy() if len(self.pol) else np.zeros(
            0, np.int8)
        share = _f64(self.share)
        usage = _f64(self.usage)
        if self.dead_edges:
            keep = np.frombuffer(bytes(self.alive), dtype=np.uint8).astype(bool)
            p, c, pol, share, usage = p[keep], c[keep], pol[keep], share[keep], usage[keep]
        s_exp = _f64(self.s_explicit)
        n_eq = _i64(self.n_equal)
        u_tot = _f64(self.u_total)
        rem = np.maximum(0.0, 1.0 - s_exp[p])
        w = np.zeros(len(p))
        m = pol == SHARE
        w[m] = share[m]
        m = pol == EQUAL
        w[m] = rem[m] / n_eq[p[m]]
        m = pol == USAGE
        with np.errstate(divide="ignore", invalid="ignore"):
            w[m] = np.where(u_tot[p[m]] > 0, rem[m] * usage[m] / u_tot[p[m]], np.nan)
        w[pol == FULL] = 1.0
        return p, c, w
