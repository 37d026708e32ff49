"""Bulk builders of a provenance graph (hub scale): many products, edges or jobs at once.

The same rules as the single-item API (:mod:`lineage._graph`), checked on arrays: one call
adds a million products, three million edges or a million reported jobs without a Python
call per item on the index. Any item refused refuses the whole batch, before anything is
changed. Building with these equals building one item at a time (same products, edges,
weights, EPC: ``tests/lineage/test_bulk.py``).
"""

from __future__ import annotations

import functools
import gc
import uuid
from array import array
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import networkx as nx
import numpy as np

from carbon import InvalidValueError, Provenance, UnitMismatchError, magnitude, unit_interval
from lineage._edges import check_id
from lineage._index import KIND_CODE
from lineage._kinds import EDGE_KIND_CODE, POLICY_CODE, EdgeKind, Phase, Policy, ProductKind, parse
from lineage._reported import JobEntry
from lineage._state import GraphState

__all__ = ["BulkBuild"]

_F = TypeVar("_F", bound=Callable[..., Any])


#: A batch that made at least this many tracked objects pays for their first collection.
COLLECT_AFTER = 1_000_000


def _without_gc(method: _F) -> _F:
    """Run a bulk builder with Python's cyclic garbage collector paused (restored after).

    A bulk build allocates millions of small containers (networkx's adjacency dicts, the
    attribute mappings, job entries) and frees none: each allocation threshold crossed would
    start a collection that traverses every object alive, so that building slows as it grows
    (measured: about 30 % of ``hub_graph(100_000)``). Nothing here makes a reference cycle.

    The objects made stay in the youngest generation, so the first calls after the build
    would pay for traversing them (measured: 2 s of the first ``epc_all`` at 3M products).
    A batch that made :data:`COLLECT_AFTER` or more, and at least a quarter of the graph's
    own objects (about three a product and one an edge: growing geometrically, so that the
    collections cost linear time in all), runs one full collection before it returns.
    """
    @functools.wraps(method)
    def run(self: GraphState, *args: Any, **kwargs: Any) -> Any:
        was = gc.isenabled()
        gc.disable()
        try:
            return method(self, *args, **kwargs)
        finally:
            if was:
                gc.enable()
                made = gc.get_count()[0]
                if made >= COLLECT_AFTER and 4 * made >= 3 * self._ix.n + len(self._ix.ep):
                    gc.collect()

    return run  # type: ignore[return-value]


def _canonical(ids: list[str], slots: np.ndarray) -> list[str]:
    """The index's own id string of each slot (equal to the caller's, one object each)."""
    return list(map(ids.__getitem__, slots.tolist()))


class BulkBuild(GraphState):
    """The bulk builders of :class:`lineage.ProvenanceGraph` (a mixin over its state)."""

    @_without_gc
    def add_products(self, ids: Sequence[str], *, kind: str,
                     names: Sequence[str] | None = None) -> None:
        """Add many products of one ``kind`` at once (``names``: one per id; None: the ids).

        Same rules as ``add_dataset``/``add_model`` without lifetimes (a platform needs one
        each: use ``add_platform``).
        """
        pk = parse(ProductKind, kind, "kind")
        if pk is ProductKind.PLATFORM:
            raise InvalidValueError("kind", kind, "dataset or model (platforms need a "
                                    "lifetime each: add_platform)")
        ids = list(ids)
        names = ids if names is None else list(names)
        if len(names) != len(ids):
            raise InvalidValueError("names", len(names), f"one name per id ({len(ids)})")
        if len(set(ids)) != len(ids):
            raise InvalidValueError("ids", "duplicates", "distinct product ids")
        ix = self._ix
        code = KIND_CODE[pk.value]
        if not all(type(x) is str and x for x in ids):
            check_id(next(x for x in ids if not (type(x) is str and x)), "id")
        taken = [x for x in ids if x in ix.pos and ix.kind[ix.pos[x]]]
        if taken:
            raise InvalidValueError("id", taken[0], "a new product id (this one exists)")
        slots = ix.slots(ids).tolist()
        kinds, names_of = ix.kind, ix.names
        for i, nm in zip(slots, names, strict=True):
            kinds[i] = code
            names_of[i] = nm
        # each node's data: its slot, read as {kind, name} (lineage._attrs); the other
        # attributes are absent (None). A placeholder's empty dict is replaced.
        g = self._g
        node, succ, pred = g._node, g._succ, g._pred
        for pid, d in zip(ids, map(ix.node_attrs, slots), strict=True):
            if pid not in succ:
                succ[pid] = {}
                pred[pid] = {}
            node[pid] = d
        nx._clear_cache(g)
        self._dirty_nodes.update(slots)
        self._touch(structure=True)

    @_without_gc
    def derive_many(self, children: Sequence[str], parents: Sequence[str],
                    kinds: Sequence[str] | str, *, policy: str = "equal",
                    shares: Any = None, usages: Any = None) -> None:
        """Add many edges ``parents[k] -> children[k]`` with one ``policy`` at once.

        ``shares`` (policy ``share``): numbers in [0, 1], one per edge; ``usages`` (policy
        ``usage``): one amount per edge, numbers (counts) or one array quantity. Checked as
        ``derive`` checks one edge; any edge refused refuses the whole batch.
        """
        ch = list(children)
        pa = list(parents)
        m = len(ch)
        if len(pa) != m:
            raise InvalidValueError("parents", len(pa), f"one parent per child ({m})")
        if isinstance(kinds, str):
            kind_a = np.full(m, EDGE_KIND_CODE[parse(EdgeKind, kinds, "kind").value], np.int8)
        else:
            kind_list = list(kinds)
            if len(kind_list) != m:
                raise InvalidValueError("kinds", len(kind_list), f"one kind per edge ({m})")
            for k in set(kind_list):
                parse(EdgeKind, k, "kind")
            kind_a = np.fromiter(map(EDGE_KIND_CODE.__getitem__, kind_list), np.int8, m)
            del kind_list
        pol = parse(Policy, policy, "policy")
        share_a = np.zeros(m)
        usage_a = np.zeros(m)
        given = usage_a
        udim = unit = None
        if pol is Policy.SHARE:
            if shares is None:
                raise InvalidValueError("shares", None, "one share per edge with policy='share'")
            share_a = np.asarray(shares, dtype=np.float64)
            if share_a.shape != (m,):
                raise InvalidValueError("shares", shares, f"{m} shares in [0, 1]")
            unit_interval(share_a, "shares", f" ({m} of them, one per edge)")
        elif shares is not None:
            raise InvalidValueError("shares", "given", "shares only with policy='share'")
        if pol is Policy.USAGE:
            if usages is None:
                raise InvalidValueError("usages", None, "one amount per edge with "
                                        "policy='usage'")
            if hasattr(usages, "units"):
                udim = str(usages.dimensionality)
                unit = str(usages.units)
                usage_a = np.asarray(usages.to_base_units().magnitude, dtype=np.float64)
                given = np.asarray(usages.magnitude, dtype=np.float64)
            else:
                udim, unit = "dimensionless", "dimensionless"
                usage_a = given = np.asarray(usages, dtype=np.float64)
            if usage_a.shape != (m,) or not np.all(np.isfinite(usage_a) & (usage_a >= 0)):
                raise InvalidValueError("usages", usages, f"{m} finite amounts >= 0")
        elif usages is not None:
            raise InvalidValueError("usages", "given", "usages only with policy='usage'")
        ix = self._ix
        for field, lst in (("child", ch), ("parent", pa)):
            if not all(type(x) is str and x for x in lst):
                bad = next(x for x in lst if not (type(x) is str and x))
                check_id(bad, field)
        n_before = ix.n
        p_slots = self._slots(pa)
        c_slots = self._slots(ch)
        # the id objects the index holds: networkx then keeps one string per product, not
        # one per edge end (a caller's list, from tolist() say, holds a copy per edge)
        pa, ch = _canonical(ix.ids, p_slots), _canonical(ix.ids, c_slots)
        if np.any(p_slots == c_slots):
            at = int(np.flatnonzero(p_slots == c_slots)[0])
            raise InvalidValueError("parent", pa[at], "a parent other than the child itself")
        key = p_slots * np.int64(ix.n) + c_slots
        sorted_key = np.sort(key)
        if np.any(sorted_key[1:] == sorted_key[:-1]):
            raise InvalidValueError("parents", "duplicate edges", "one edge per (parent, child)")
        if len(ix.ep) - ix.dead_edges:
            old_p, old_c, _ = ix.live_edges()
            old = np.sort(old_p * np.int64(ix.n) + old_c)
            at_ = np.minimum(np.searchsorted(old, key), len(old) - 1)
            clash = old[at_] == key
            del old_p, old_c
            if clash.any():
                at = int(np.flatnonzero(clash)[0])
                raise InvalidValueError("parent", pa[at], f"one edge {pa[at]} -> {ch[at]} "
                                        "(it exists)")
        if udim is not None:
            for p in np.flatnonzero(np.bincount(p_slots)).tolist():
                if self._usage_dim.setdefault(p, udim) != udim:
                    raise UnitMismatchError("usages", udim, "amounts of the dimension of the "
                                            "parent's other usage edges")
        n = ix.n
        out_before = np.frombuffer(ix.out_deg, dtype=np.int64)
        is_parent = np.zeros(n, dtype=bool)
        is_parent[p_slots] = True
        if np.any(out_before[c_slots] > 0) or np.any(is_parent[c_slots]):
            self._unsafe = True
        del out_before
        code = POLICY_CODE[pol]
        e0 = len(ix.ep)
        ix.ep.frombytes(p_slots.tobytes())
        ix.ec.frombytes(c_slots.tobytes())
        ix.pol.frombytes(np.full(m, code, np.int8).tobytes())
        ix.share.frombytes(share_a.tobytes())
        ix.usage.frombytes(usage_a.tobytes())
        ix.alive.extend(b"\x01" * m)
        ix.ekind.frombytes(kind_a.tobytes())
        ix.given.frombytes(given.tobytes())
        ucode = -1 if unit is None else ix.unit_code(unit)
        ix.unit.frombytes(np.full(m, ucode, np.int16).tobytes())
        del kind_a

        def bump(arr: Any, weights: np.ndarray | None, dtype: Any) -> None:
            a = np.frombuffer(arr, dtype=dtype).copy()
            a += np.bincount(p_slots if arr is not ix.in_deg else c_slots, weights=weights,
                             minlength=n).astype(dtype)
            arr[:] = type(arr)(arr.typecode, a.tobytes())

        bump(ix.out_deg, None, np.int64)
        bump(ix.in_deg, None, np.int64)
        if pol is Policy.SHARE:
            bump(ix.s_explicit, share_a, np.float64)
        elif pol is Policy.EQUAL:
            bump(ix.n_equal, None, np.int64)
        elif pol is Policy.USAGE:
            bump(ix.n_usage, None, np.int64)
            bump(ix.u_total, usage_a, np.float64)
        elif pol is Policy.FULL:
            bump(ix.n_full, None, np.int64)
            self._dirty_full.extend(zip(pa, ch, strict=True))
        self._g.add_nodes_from(ix.ids[n_before:])
        self._add_nx_edges(pa, ch, map(ix.edge_attrs, range(e0, e0 + m)))
        self._dirty_nodes.update(p_slots.tolist())
        self._dirty_nodes.update(c_slots.tolist())
        self._dirty_parents.update(np.flatnonzero(np.bincount(p_slots)).tolist())
        self._touch(structure=True)

    @_without_gc
    def add_reported_many(self, products: Sequence[str], carbon: Any, *, phase: str,
                          source: str, provenance: str = "reported",
                          ids: Sequence[str] | None = None) -> None:
        """Attach one reported figure to each of many products at once.

        ``carbon``: an array quantity [gCO2e or any carbon unit], one value per product.
        The records are kept compactly and rebuilt as ``ReportedCarbon`` when read.
        """
        ph = parse(Phase, phase, "phase")
        prov = parse(Provenance, provenance, "provenance").value
        values = magnitude(carbon, "gCO2e", "carbon")
        prods = list(products)
        vals = np.atleast_1d(np.asarray(values, dtype=np.float64))
        if vals.shape != (len(prods),):
            raise InvalidValueError("carbon", vals.shape, f"one value per product "
                                    f"({len(prods)})")
        if not source:
            raise InvalidValueError("source", source, "where the figures come from")
        job_ids = [uuid.uuid4().hex for _ in prods] if ids is None else list(ids)
        if len(job_ids) != len(prods) or len(set(job_ids)) != len(job_ids) or any(
                j in self._jobs for j in job_ids):
            raise InvalidValueError("ids", "duplicates", "one new, distinct job id a product")
        ix = self._ix
        if not all(type(x) is str and x for x in prods):
            check_id(next(x for x in prods if not (type(x) is str and x)), "product")
        n_before = ix.n
        slots = self._slots(prods)
        prods = _canonical(ix.ids, slots)
        self._g.add_nodes_from(ix.ids[n_before:])
        phv = ph.value
        jobs = self._jobs
        by_product = self._by_product
        for jid, pid, c in zip(job_ids, prods, vals.tolist(), strict=True):
            entry = JobEntry(jid, pid, phv, c, prov, source, None)
            jobs[jid] = entry
            lst = by_product.get(pid)
            if lst is None:
                by_product[pid] = [entry]
            else:
                lst.append(entry)
        anyc = np.frombuffer(ix.n_any, dtype=np.int64).copy()
        np.add.at(anyc, slots, 1)
        ix.n_any[:] = array("q", anyc.tobytes())
        if ph is not Phase.RETRAINING:
            own = np.frombuffer(ix.own_g, dtype=np.float64).copy()
            np.add.at(own, slots, vals)
            ix.own_g[:] = array("d", own.tobytes())
            cnt = np.frombuffer(ix.n_jobs, dtype=np.int64).copy()
            np.add.at(cnt, slots, 1)
            ix.n_jobs[:] = array("q", cnt.tobytes())
        self._dirty_nodes.update(slots.tolist())
        self._touch(structure=False)

    def _slots(self, ids: list[str]) -> np.ndarray:
        return self._ix.slots(ids)
