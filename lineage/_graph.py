"""The provenance graph of products (datasets, models, platforms), their jobs, and EPC.

Edges point from parent to child (``wikipedia -> bert`` for ``trained_on``). The graph lives
in a networkx ``DiGraph`` (``graph.nx``, read it, do not mutate it) and, for the fast paths,
in a compact index of typed arrays kept in step with it (``lineage._index``).
"""

from __future__ import annotations

import math
import uuid
from array import array
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from carbon import (
    InvalidValueError,
    Job,
    Provenance,
    UnitMismatchError,
    asc_e,
    magnitude,
    quantity,
)
from lineage._epc import EPCBreakdown, JobEntry
from lineage._errors import UnknownProductError
from lineage._index import FULL, KIND_CODE, SHARE, Index, Rollup
from lineage._kinds import (
    POLICY_CODE,
    EdgeKind,
    Phase,
    Policy,
    ProductKind,
    parse,
)
from lineage._reported import ReportedCarbon
from lineage._validate import SHARE_TOLERANCE, Problem, ValidationReport

__all__ = ["ProvenanceGraph"]

_PHASE_ORDER = {p.value: i for i, p in enumerate(Phase)}
#: Every product attribute (absent ones read as None).
_NODE_FIELDS = ("kind", "name", "lifetime", "revision", "licence", "task", "source")


def _check_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(field, value, "a non-empty string id")
    return value


def _lifetime(value: Any, field: str, required: bool = False) -> Any:
    if value is None:
        if required:
            raise InvalidValueError(field, None, "a lifetime such as '6 year' (a platform "
                                    "must say how long its EPC is amortised over)")
        return None
    t = magnitude(value, "s", field)
    if t <= 0:
        raise InvalidValueError(field, value, "a lifetime > 0 (a year is 365 days)")
    return quantity(t, "s")


def _share(value: Any) -> float:
    if hasattr(value, "dimensionless"):
        if not value.dimensionless:
            raise UnitMismatchError.for_units("share", f"{value:~P}", "a dimensionless number")
        value = value.m_as("")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise InvalidValueError("share", value, "a number in [0, 1]")
    v = float(value)
    if not (math.isfinite(v) and 0.0 <= v <= 1.0):
        raise InvalidValueError("share", value, "a share in [0, 1] (0.5 carries half the "
                                "parent's EPC)")
    return v


def _usage(value: Any) -> tuple[float, str]:
    """(magnitude in base units, dimensionality) of a usage amount (quantity or count)."""
    if hasattr(value, "magnitude") and hasattr(value, "units"):
        base = value.to_base_units()
        m, dim = float(base.magnitude), str(value.dimensionality)
    elif isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise InvalidValueError("usage", value, "an amount such as '120 GPU-hours' as a "
                                "quantity ('120 h'), or a count (tokens)")
    else:
        m, dim = float(value), "dimensionless"
    if not (math.isfinite(m) and m >= 0):
        raise InvalidValueError("usage", value, "a finite amount >= 0")
    return m, dim


def _job_facts(job: Job | ReportedCarbon) -> tuple[float, str, str | None]:
    if isinstance(job, Job):
        provs = sorted({str(u.provenance) for u in job.energy})
        sources = [u.source for u in job.energy if u.source]
        return asc_e(job).asc_e_g, "+".join(provs), "; ".join(dict.fromkeys(sources)) or None
    if isinstance(job, ReportedCarbon):
        return float(job.carbon.magnitude), str(job.provenance), job.source
    raise InvalidValueError("job", type(job).__name__,
                            "a carbon.Job or a lineage.ReportedCarbon")


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    """An edge's checked allocation: kind, policy, share, usage (given and in base units)."""

    kind: EdgeKind
    policy: Policy
    share_value: float
    usage_given: float | None
    usage_unit: str | None
    usage_base: float
    dim: str | None

    def attrs(self) -> dict[str, Any]:
        """The edge attributes stored in the graph, the JSON and the ledger."""
        out: dict[str, Any] = {"kind": self.kind.value, "policy": self.policy.value}
        if self.policy is Policy.SHARE:
            out["share"] = self.share_value
        if self.usage_given is not None:
            out["usage"] = self.usage_given
            out["usage_unit"] = self.usage_unit
        return out


def edge_spec(child: str, parent: str, kind: str, *, share: Any = None,
              policy: str | None = None, usage: Any = None) -> EdgeSpec:
    """Check one edge's arguments as :meth:`ProvenanceGraph.derive` documents them."""
    _check_id(child, "child")
    _check_id(parent, "parent")
    ek = parse(EdgeKind, kind, "kind")
    if child == parent:
        raise InvalidValueError("parent", parent, "a parent other than the child itself "
                                "(the lineage graph is acyclic)")
    if share is not None:
        s = _share(share)
        pol = Policy.SHARE
        if policy is not None and parse(Policy, policy, "policy") is not Policy.SHARE:
            raise InvalidValueError("policy", policy, "no policy when a share is given "
                                    "(or policy='share')")
    else:
        s = 0.0
        if policy is None:
            pol = Policy.CUTOFF if ek is EdgeKind.RUNS_ON else Policy.EQUAL
        else:
            pol = parse(Policy, policy, "policy")
        if pol is Policy.SHARE:
            raise InvalidValueError("share", None, "a share in [0, 1] with policy='share'")
    u, udim = 0.0, None
    if pol is Policy.USAGE:
        if usage is None:
            raise InvalidValueError("usage", None, "a usage amount (e.g. '120 h' of GPU "
                                    "time, or a token count) with policy='usage'")
        u, udim = _usage(usage)
    elif usage is not None:
        raise InvalidValueError("usage", usage, "usage only with policy='usage'")
    unit = None if usage is None else (
        str(usage.units) if hasattr(usage, "units") else "dimensionless")
    given = None if usage is None else float(
        usage.magnitude if hasattr(usage, "magnitude") else usage)
    return EdgeSpec(ek, pol, s, given, unit, u, udim)

class ProvenanceGraph:
    """Products, the edges they were made along, their jobs, and their EPC (METRICS.md).

    >>> g = ProvenanceGraph()
    >>> g.add_dataset("wiki", name="English Wikipedia")
    >>> g.add_model("base", name="base model")
    >>> g.add_model("tuned", name="fine-tune")
    >>> g.derive("base", "wiki", "trained_on", share=1.0)
    >>> g.derive("tuned", "base", "fine_tuned_from", share=0.25)
    >>> from lineage import ReportedCarbon
    >>> _ = g.add_job("wiki", ReportedCarbon(carbon="10 kgCO2e", source="ex"), phase="data")
    >>> _ = g.add_job("base", ReportedCarbon(carbon="90 kgCO2e", source="ex"), phase="training")
    >>> _ = g.add_job("tuned", ReportedCarbon(carbon="5 kgCO2e", source="ex"),
    ...               phase="fine_tuning")
    >>> g.epc("tuned").total.to("kgCO2e")
    <Quantity(30.0, 'kilogram_CO2e')>
    >>> {k: round(v.m_as("kgCO2e"), 6) for k, v in g.epc("tuned").by_ancestor.items()}
    {'base': 22.5, 'wiki': 2.5}
    """

    def __init__(self) -> None:
        self._g: nx.DiGraph = nx.DiGraph()
        self._ix = Index()
        self._jobs: dict[str, JobEntry] = {}
        self._by_product: dict[str, list[JobEntry]] = {}
        self._usage_dim: dict[int, str] = {}
        self._version = 0
        self._structure = 0  # bumps when slots or edges change (the roll-up pattern)
        self._rollup: tuple[int, Rollup] | None = None
        self._frame: tuple[int, pd.DataFrame] | None = None
        self._report: tuple[int, ValidationReport] | None = None
        self._dirty_nodes: set[int] = set()
        self._dirty_parents: set[int] = set()
        self._dirty_full: list[tuple[str, str]] = []
        self._unsafe = False

    # ---------------------------------------------------------------------------------
    # products
    @property
    def nx(self) -> nx.DiGraph:
        """The underlying networkx graph (read-only by convention: mutate through methods).

        Node attributes: ``kind, name, lifetime, revision, licence, task, source``; edge
        attributes: ``kind, policy, share, usage, usage_unit`` and the private ``_e``.
        Ids referenced by an edge but never added appear with no attributes.
        """
        return self._g

    def add_dataset(self, id: str, *, name: str, lifetime: Any = None,
                    revision: str | None = None, licence: str | None = None,
                    source: str | None = None) -> None:
        """Add a dataset (``lifetime``: how long it serves, for amortisation [time])."""
        self._add(id, ProductKind.DATASET, name=name, lifetime=_lifetime(lifetime, "lifetime"),
                  revision=revision, licence=licence, task=None, source=source)

    def add_model(self, id: str, *, name: str, lifetime: Any = None, revision: str | None = None,
                  licence: str | None = None, task: str | None = None,
                  source: str | None = None) -> None:
        """Add a model (``lifetime``: its deployment lifetime [time], for per-request shares)."""
        self._add(id, ProductKind.MODEL, name=name, lifetime=_lifetime(lifetime, "lifetime"),
                  revision=revision, licence=licence, task=task, source=source)

    def add_platform(self, id: str, *, name: str, lifetime: Any, revision: str | None = None,
                     licence: str | None = None, source: str | None = None) -> None:
        """Add a platform (a serving stack): ``lifetime`` [time] is required."""
        self._add(id, ProductKind.PLATFORM, name=name,
                  lifetime=_lifetime(lifetime, "lifetime", required=True),
                  revision=revision, licence=licence, task=None, source=source)

    def _add(self, pid: str, kind: ProductKind, **attrs: Any) -> None:
        _check_id(pid, "id")
        if not isinstance(attrs["name"], str):
            raise InvalidValueError("name", attrs["name"], "a name (str)")
        i = self._ix.slot(pid)
        if self._ix.kind[i]:
            raise InvalidValueError("id", pid, "a new product id (this one exists; "
                                    "remove_product first to replace it)")
        self._ix.kind[i] = KIND_CODE[kind.value]
        self._g.add_node(pid)
        self._g.nodes[pid].update(kind=kind.value, **attrs)
        self._dirty_nodes.add(i)
        self._touch(structure=True)

    def remove_product(self, id: str) -> None:
        """Remove a product with its edges and jobs."""
        i = self._declared(id)
        for par in list(self._g.predecessors(id)):
            self.remove_edge(id, par)
        for child in list(self._g.successors(id)):
            self.remove_edge(child, id)
        for entry in list(self._by_product.get(id, [])):
            self.remove_job(entry.id)
        self._ix.kind[i] = 0
        self._g.remove_node(id)
        self._unsafe = True
        self._touch(structure=True)

    def products(self) -> list[str]:
        """Ids of the declared products, in the order they were added."""
        ix = self._ix
        return [pid for pid, k in zip(ix.ids, ix.kind, strict=True) if k]

    def product(self, id: str) -> dict[str, Any]:
        """The attributes of a product (a copy): ``kind, name, lifetime, revision, licence,
        task, source`` (None where not given)."""
        self._declared(id)
        a = self._g.nodes[id]
        return {k: a.get(k) for k in _NODE_FIELDS}

    def __contains__(self, id: object) -> bool:
        i = self._ix.pos.get(id) if isinstance(id, str) else None
        return i is not None and bool(self._ix.kind[i])

    def __len__(self) -> int:
        return sum(1 for k in self._ix.kind if k)

    def _declared(self, pid: Any) -> int:
        i = self._ix.pos.get(pid) if isinstance(pid, str) else None
        if i is None or not self._ix.kind[i]:
            raise UnknownProductError("product", pid, "the id of a product added with "
                                      "add_dataset, add_model or add_platform")
        return i

    # ---------------------------------------------------------------------------------
    # edges
    def derive(self, child: str, parent: str, kind: str, *, share: Any = None,
               policy: str | None = None, usage: Any = None) -> None:
        """Record that ``child`` was made from ``parent`` (an edge parent -> child).

        ``kind``: ``trained_on fine_tuned_from distilled_from pruned_from quantised_from
        derived_from runs_on``. The child carries a share ``w`` of the parent's EPC, set by
        ``share`` (explicit, in [0, 1]) or by ``policy``: ``equal`` (the parent's remainder,
        1 minus its explicit shares, split equally among its ``equal`` children), ``usage``
        (the remainder in proportion to ``usage`` on each edge: a quantity such as GPU-hours
        or a count of tokens), ``cutoff`` (0) or ``full`` (1: an upper bound that
        double-counts). With neither, ``equal``; except ``runs_on``, which defaults to
        ``cutoff`` because a platform's EPC reaches requests by time (``per_request``), not
        through the model's EPC. Either id may be added later (``validate`` reports ids never
        added).
        """
        spec = edge_spec(child, parent, kind, share=share, policy=policy, usage=usage)
        pol, s, u, udim = spec.policy, spec.share_value, spec.usage_base, spec.dim
        if self._g.has_edge(parent, child):
            raise InvalidValueError("parent", parent, f"one edge {parent} -> {child} (it "
                                    "exists; remove_edge first to change it)")
        ix = self._ix
        p = ix.slot(parent)
        c = ix.slot(child)
        if udim is not None:
            known = self._usage_dim.setdefault(p, udim)
            if known != udim:
                raise UnitMismatchError(
                    "usage", usage, f"an amount of {known}, like the parent's other usage edges")
        if ix.out_deg[c] > 0:
            self._unsafe = True  # the new edge may close a cycle: validate everything
        e = ix.add_edge(p, c, POLICY_CODE[pol], s, u)
        self._g.add_edge(parent, child, **spec.attrs(), _e=e)
        self._dirty_nodes.update((p, c))
        self._dirty_parents.add(p)
        if pol is Policy.FULL:
            self._dirty_full.append((parent, child))
        self._touch(structure=True)

    def remove_edge(self, child: str, parent: str) -> None:
        """Remove the edge ``parent -> child``."""
        if not self._g.has_edge(parent, child):
            raise UnknownProductError("edge", (parent, child), "an edge added with derive()")
        d = self._g.edges[parent, child]
        e = d["_e"]
        ix = self._ix
        p = ix.pos[parent]
        ix.remove_edge(e)
        self._g.remove_edge(parent, child)
        ix.recount(p, [self._g.edges[parent, k]["_e"] for k in self._g.successors(parent)])
        if d["policy"] == Policy.FULL.value:
            self._unsafe = True
        for node in (parent, child):  # drop placeholders nothing refers to any more
            i = ix.pos[node]
            if not ix.kind[i] and self._g.degree(node) == 0 and node not in self._by_product:
                self._g.remove_node(node)
        self._dirty_parents.add(p)
        self._touch(structure=True)

    def edges(self) -> list[dict[str, Any]]:
        """Every edge as a dict (``parent, child, kind, policy, share, usage, usage_unit``)."""
        return [
            {"parent": u, "child": v, "kind": d["kind"], "policy": d["policy"],
             "share": d.get("share"), "usage": d.get("usage"), "usage_unit": d.get("usage_unit")}
            for u, v, d in sorted(self._g.edges(data=True), key=lambda t: t[2]["_e"])
        ]

    def weight(self, child: str, parent: str) -> float:
        """The share ``w`` of ``parent``'s EPC that ``child`` carries (policy applied) [1]."""
        if not self._g.has_edge(parent, child):
            raise UnknownProductError("edge", (parent, child), "an edge added with derive()")
        return self._ix.weight(self._g.edges[parent, child]["_e"])

    # ---------------------------------------------------------------------------------
    # jobs
    def add_job(self, product: str, job: Job | ReportedCarbon, *, phase: str) -> JobEntry:
        """Attach a job (a ``carbon.Job`` or a ``ReportedCarbon``) to a product.

        The job counts with its ASC^e (``carbon.asc_e``) in the product's EPC, except in the
        ``retraining`` phase: re-training happens after deployment and is amortised over the
        requests of its interval (``per_request``), never into EPC.
        """
        _check_id(product, "product")
        ph = parse(Phase, phase, "phase")
        carbon_g, prov, source = _job_facts(job)
        if job.id in self._jobs:
            raise InvalidValueError("job.id", job.id, "a job id not yet attached (the same "
                                    "job twice would count its carbon twice)")
        entry = JobEntry(job.id, product, ph.value, carbon_g, prov, source, job)
        ix = self._ix
        i = ix.slot(product)
        self._g.add_node(product)
        self._jobs[job.id] = entry
        self._by_product.setdefault(product, []).append(entry)
        if ph is not Phase.RETRAINING:
            ix.own_g[i] += carbon_g
            ix.n_jobs[i] += 1
        ix.n_any[i] += 1
        self._dirty_nodes.add(i)
        self._touch(structure=False)
        return entry

    def remove_job(self, job_id: str) -> None:
        """Detach a job by its id."""
        entry = self._jobs.pop(job_id, None)
        if entry is None:
            raise UnknownProductError("job_id", job_id, "the id of an attached job")
        jobs = self._by_product[entry.product]
        jobs.remove(entry)
        ix = self._ix
        i = ix.pos[entry.product]
        counted = [j.carbon_g for j in jobs if j.phase != Phase.RETRAINING.value]
        total = 0.0
        for c in counted:
            total += c
        ix.own_g[i] = total
        ix.n_jobs[i] = len(counted)
        ix.n_any[i] = len(jobs)
        if not jobs:
            del self._by_product[entry.product]
            if not ix.kind[i] and self._g.degree(entry.product) == 0:
                self._g.remove_node(entry.product)
        self._dirty_nodes.add(i)
        self._touch(structure=False)

    def jobs(self, product: str | None = None) -> list[JobEntry]:
        """Attached jobs (of one product, or all), in the order they were attached."""
        if product is None:
            return list(self._jobs.values())
        return list(self._by_product.get(product, []))

    # ---------------------------------------------------------------------------------
    # bulk building (hub-scale graphs): the same rules, checked on arrays
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
            _check_id(next(x for x in ids if not (type(x) is str and x)), "id")
        taken = [x for x in ids if x in ix.pos and ix.kind[ix.pos[x]]]
        if taken:
            raise InvalidValueError("id", taken[0], "a new product id (this one exists)")
        slots = ix.slots(ids).tolist()
        kinds = ix.kind
        for i in slots:
            kinds[i] = code
        kv = pk.value  # the other attributes are absent (None): small node dicts at scale
        self._g.add_nodes_from((pid, {"kind": kv, "name": nm}) for pid, nm in zip(ids, names,
                                                                                 strict=True))
        self._dirty_nodes.update(slots)
        self._touch(structure=True)

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
        kind_list = [kinds] * m if isinstance(kinds, str) else list(kinds)
        if len(kind_list) != m:
            raise InvalidValueError("kinds", len(kind_list), f"one kind per edge ({m})")
        for k in set(kind_list):
            parse(EdgeKind, k, "kind")
        pol = parse(Policy, policy, "policy")
        share_a = np.zeros(m)
        usage_a = np.zeros(m)
        udim = None
        if pol is Policy.SHARE:
            if shares is None:
                raise InvalidValueError("shares", None, "one share per edge with policy='share'")
            share_a = np.asarray(shares, dtype=np.float64)
            if share_a.shape != (m,) or not np.all((share_a >= 0) & (share_a <= 1)):
                raise InvalidValueError("shares", shares, f"{m} shares in [0, 1]")
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
                _check_id(bad, field)
        n_before = ix.n
        p_slots = self._slots(pa)
        c_slots = self._slots(ch)
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
        pv = pol.value
        if pol is Policy.SHARE:
            self._g.add_edges_from(
                (u, v, {"kind": k, "policy": pv, "share": s, "_e": e0 + j})
                for j, (u, v, k, s) in enumerate(zip(pa, ch, kind_list, share_a.tolist(),
                                                     strict=True)))
        elif pol is Policy.USAGE:
            self._g.add_edges_from(
                (u, v, {"kind": k, "policy": pv, "usage": us, "usage_unit": unit,
                        "_e": e0 + j})
                for j, (u, v, k, us) in enumerate(zip(pa, ch, kind_list, given.tolist(),
                                                      strict=True)))
        else:
            self._g.add_edges_from(
                (u, v, {"kind": k, "policy": pv, "_e": e0 + j})
                for j, (u, v, k) in enumerate(zip(pa, ch, kind_list, strict=True)))
        self._dirty_nodes.update(p_slots.tolist())
        self._dirty_nodes.update(c_slots.tolist())
        self._dirty_parents.update(np.flatnonzero(np.bincount(p_slots)).tolist())
        self._touch(structure=True)

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
            _check_id(next(x for x in prods if not (type(x) is str and x)), "product")
        n_before = ix.n
        slots = self._slots(prods)
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

    # ---------------------------------------------------------------------------------
    # validation
    def _touch(self, *, structure: bool) -> None:
        self._version += 1
        if structure:
            self._structure += 1

    def validate(self) -> ValidationReport:
        """Check the rules EPC relies on; a report with every problem found.

        Problems: a cycle (with its path), an id used by an edge or a job but never added
        (``missing_node``), a share outside [0, 1], out-shares of a parent above 1,
        ``usage`` edges whose parent has no usage in total, ``equal`` and ``usage`` children
        of one parent (they would both claim its remainder). Warnings: ``full`` edges
        (double counting). After one full check, later calls check only what changed when
        nothing since could have closed a cycle.
        """
        if self._report is not None and self._report[0] == self._version:
            return self._report[1]
        prev = self._report[1] if self._report is not None else None
        if prev is not None and prev.ok and not self._unsafe:
            report = self._validate_incremental(prev)
        else:
            report = self._validate_full()
        self._report = (self._version, report)
        self._dirty_nodes.clear()
        self._dirty_parents.clear()
        self._dirty_full.clear()
        self._unsafe = False
        return report

    def _referenced(self, i: int) -> bool:
        ix = self._ix
        return bool(ix.in_deg[i] or ix.out_deg[i] or ix.n_any[i])

    def _parent_problems(self, p: int) -> list[Problem]:
        ix = self._ix
        pid = ix.ids[p]
        out: list[Problem] = []
        if ix.s_explicit[p] > 1.0 + SHARE_TOLERANCE:
            out.append(Problem("out_shares", f"out-shares of {pid}", ix.s_explicit[p],
                               "explicit shares of a parent's children summing to <= 1 "
                               "(use policy='full' for a deliberate upper bound)"))
        if ix.n_equal[p] and ix.n_usage[p]:
            out.append(Problem("mixed_pool", f"policies of {pid}'s children", "equal+usage",
                               "one pooled policy per parent: all 'equal' or all 'usage'"))
        if ix.n_usage[p] and not ix.u_total[p] > 0:
            out.append(Problem("usage", f"usage of {pid}'s children", ix.u_total[p],
                               "usage amounts with a total > 0"))
        return out

    def _missing(self, i: int) -> Problem:
        pid = self._ix.ids[i]
        return Problem("missing_node", "product", pid,
                       f"add_dataset/add_model/add_platform({pid!r}, ...) (an edge or a job "
                       "refers to it)")

    def _validate_incremental(self, prev: ValidationReport) -> ValidationReport:
        ix = self._ix
        problems = [self._missing(i) for i in sorted(self._dirty_nodes)
                    if not ix.kind[i] and self._referenced(i)]
        for p in sorted(self._dirty_parents):
            problems += self._parent_problems(p)
        warnings = prev.warnings + tuple(self._full_warning(u, v) for u, v in self._dirty_full)
        return ValidationReport(tuple(problems), warnings)

    @staticmethod
    def _full_warning(parent: str, child: str) -> Problem:
        return Problem("double_counting", f"edge {parent} -> {child}", "full",
                       "a conserving policy; 'full' gives the whole parent EPC to this child "
                       "and every figure using it is labelled an upper bound")

    def _validate_full(self) -> ValidationReport:
        ix = self._ix
        n = ix.n
        kind = np.frombuffer(bytes(ix.kind), dtype=np.uint8)
        in_deg = np.frombuffer(ix.in_deg, dtype=np.int64) if n else np.zeros(0, np.int64)
        out_deg = np.frombuffer(ix.out_deg, dtype=np.int64) if n else np.zeros(0, np.int64)
        n_any = np.frombuffer(ix.n_any, dtype=np.int64) if n else np.zeros(0, np.int64)
        referenced = (in_deg > 0) | (out_deg > 0) | (n_any > 0)
        del n_any
        problems = [self._missing(int(i)) for i in np.flatnonzero(referenced & (kind == 0))]
        del in_deg, out_deg
        s_exp = np.frombuffer(ix.s_explicit, dtype=np.float64) if n else np.zeros(0)
        n_eq = np.frombuffer(ix.n_equal, dtype=np.int64) if n else np.zeros(0, np.int64)
        n_us = np.frombuffer(ix.n_usage, dtype=np.int64) if n else np.zeros(0, np.int64)
        u_tot = np.frombuffer(ix.u_total, dtype=np.float64) if n else np.zeros(0)
        suspects = np.flatnonzero((s_exp > 1.0 + SHARE_TOLERANCE) | ((n_eq > 0) & (n_us > 0))
                                  | ((n_us > 0) & ~(u_tot > 0)))
        del s_exp, n_eq, n_us, u_tot
        for p in suspects:
            problems += self._parent_problems(int(p))
        if len(ix.pol):
            shares = np.frombuffer(ix.share, dtype=np.float64)
            bad = np.flatnonzero((np.frombuffer(ix.pol, dtype=np.int8) == SHARE)
                                 & ~((shares >= 0) & (shares <= 1))
                                 & np.frombuffer(bytes(ix.alive), dtype=np.uint8).astype(bool))
            for e in bad.tolist():
                u, v = ix.ids[ix.ep[e]], ix.ids[ix.ec[e]]
                problems.append(Problem("share_range", f"share of {u} -> {v}", ix.share[e],
                                        "a share in [0, 1]"))
            del shares
        roll = self._get_rollup()
        if not roll.acyclic:
            problems.append(self._cycle_problem(roll))
        full: Any = np.flatnonzero(np.frombuffer(ix.pol, dtype=np.int8) == FULL) if len(
            ix.pol) else []
        warnings = tuple(self._full_warning(ix.ids[ix.ep[e]], ix.ids[ix.ec[e]])
                         for e in full if ix.alive[e])
        return ValidationReport(tuple(problems), warnings)

    def _cycle_problem(self, roll: Rollup) -> Problem:
        ix = self._ix
        done = np.zeros(ix.n, dtype=bool)
        done[roll.order] = True
        rest = [ix.ids[i] for i in np.flatnonzero(~done)]
        cycle = nx.find_cycle(self._g.subgraph(rest))
        path = (*(u for u, _ in cycle), cycle[0][0])
        return Problem("cycle", "edges", " -> ".join(path),
                       "an acyclic lineage (remove_edge one of the edges on the path)", path)

    def _get_rollup(self) -> Rollup:
        if self._rollup is None or self._rollup[0] != self._structure:
            p, c, _ = self._ix.live_edges()
            self._rollup = (self._structure, Rollup.build(self._ix.n, p, c))
        return self._rollup[1]

    # ---------------------------------------------------------------------------------
    # EPC
    def epc(self, product: str) -> EPCBreakdown:
        """EPC of one product with its split by own phase and by ancestor (METRICS.md)::

            EPC(p) = own(p) + sum over ancestors a of W(a -> p) * own(a)

        ``own`` is the ASC^e of a product's jobs outside re-training; ``W(a -> p)`` the sum
        over paths from ``a`` to ``p`` of the product of edge weights. Touches only the
        product's ancestors (one pass in reverse topological order, no recursion), so it
        stays fast on a million-product graph after one is added. Refuses an invalid graph
        with the validation report (:class:`lineage.InvalidGraphError`). A product is not its
        own ancestor.
        """
        target = self._declared(product)
        self.validate().raise_if_invalid()
        ix = self._ix
        pred = self._g._pred
        parents: dict[str, list[tuple[str, float, bool]]] = {}
        n_children: dict[str, int] = {product: 0}
        stack = [product]
        while stack:
            node = stack.pop()
            lst = parents[node] = []
            for par, d in pred[node].items():
                e = d["_e"]
                lst.append((par, ix.weight(e), ix.pol[e] == FULL))
                if par in n_children:
                    n_children[par] += 1
                else:
                    n_children[par] = 1
                    stack.append(par)
        pw: dict[str, float] = {product: 1.0}
        double: list[tuple[str, str]] = []
        queue = deque([product])
        while queue:
            node = queue.popleft()
            here = pw[node]
            for par, w, full in parents[node]:
                pw[par] = pw.get(par, 0.0) + here * w
                if full and here > 0:
                    double.append((par, node))
                n_children[par] -= 1
                if n_children[par] == 0:
                    queue.append(par)
        own = ix.own_g
        by_ancestor: dict[str, float] = {}
        weights: dict[str, float] = {}
        total = own[target]
        for a, w in pw.items():
            if a == product or w <= 0:
                continue
            weights[a] = w
            by_ancestor[a] = w * own[ix.pos[a]]
            total += by_ancestor[a]
        by_phase: dict[str, float] = {}
        retraining = 0.0
        for j in self._by_product.get(product, []):
            if j.phase == Phase.RETRAINING.value:
                retraining += j.carbon_g
            else:
                by_phase[j.phase] = by_phase.get(j.phase, 0.0) + j.carbon_g
        by_phase = dict(sorted(by_phase.items(), key=lambda kv: _PHASE_ORDER[kv[0]]))
        boundary = [product, *weights]
        unknown = tuple(a for a in boundary if ix.n_jobs[ix.pos[a]] == 0)
        return EPCBreakdown(product, total, own[target], by_phase, by_ancestor, weights,
                            retraining, unknown, tuple(double))

    def epc_all(self) -> pd.DataFrame:
        """EPC of every product, as one sparse triangular solve over a topological order.

        ``(I - W^T) EPC = own`` with ``W[p, c]`` the weight of edge ``p -> c``. Returns a
        DataFrame indexed by product id (insertion order) with columns ``kind``,
        ``epc [gCO2e]``, ``own [gCO2e]``, ``inherited [gCO2e]``, ``complete`` (the product
        and every ancestor carried with a weight > 0 have a job recorded: otherwise the EPC
        is a lower bound) and ``conserving`` (no ``full`` edge upstream: otherwise an upper
        bound that double-counts). Cached until the graph changes.

        >>> g = ProvenanceGraph()
        >>> g.add_model("a", name="a"); g.add_model("b", name="b")
        >>> g.derive("b", "a", "distilled_from", share=0.5)
        >>> from lineage import ReportedCarbon
        >>> _ = g.add_job("a", ReportedCarbon(carbon="4 gCO2e", source="ex"), phase="training")
        >>> g.epc_all()["epc [gCO2e]"].tolist()
        [4.0, 2.0]
        """
        if self._frame is not None and self._frame[0] == self._version:
            return self._frame[1].copy()
        self.validate().raise_if_invalid()
        ix = self._ix
        roll = self._get_rollup()
        _, c, w = ix.live_edges()
        n = ix.n
        own = np.frombuffer(ix.own_g, dtype=np.float64).copy() if n else np.zeros(0)
        # one solve, three right-hand sides: own costs, "no job recorded", "a full edge in";
        # a flag reaches a descendant along carried edges (w > 0) as a positive value
        rhs = np.zeros((n, 3))
        rhs[:, 0] = own
        rhs[:, 1] = np.frombuffer(ix.n_jobs, dtype=np.int64) == 0 if n else 0
        pol = np.frombuffer(ix.pol, dtype=np.int8) if len(ix.pol) else np.zeros(0, np.int8)
        if ix.dead_edges:
            pol = pol[np.frombuffer(bytes(ix.alive), dtype=np.uint8).astype(bool)]
        rhs[np.unique(c[(pol == FULL)]), 2] = 1.0
        x = roll.solve(w, rhs)
        epc = x[:, 0]
        reach = x[:, 1:]
        kind = np.frombuffer(bytes(ix.kind), dtype=np.uint8)
        keep = np.flatnonzero(kind > 0)
        ids = ix.ids
        index = pd.Index([ids[i] for i in keep] if len(keep) < n else ids, name="product",
                         dtype=object)
        codes = kind[keep].astype(np.int8) - 1
        frame = pd.DataFrame(
            {
                "kind": pd.Categorical.from_codes(codes, categories=pd.Index(list(KIND_CODE))),
                "epc [gCO2e]": epc[keep],
                "own [gCO2e]": own[keep],
                "inherited [gCO2e]": epc[keep] - own[keep],
                "complete": ~(reach[keep, 0] > 0),
                "conserving": ~(reach[keep, 1] > 0),
            },
            index=index,
        )
        self._frame = (self._version, frame)
        return frame.copy()

    # ---------------------------------------------------------------------------------
    # comparison
    def snapshot(self) -> dict[str, Any]:
        """A canonical, JSON-safe description (sorted): equal for graphs with equal content."""
        from lineage._json import snapshot

        return snapshot(self)

    def to_json(self, *, indent: int | None = None) -> str:
        """Node-link JSON in a stable order (see :func:`lineage.to_json`)."""
        from lineage._json import to_json

        return to_json(self, indent=indent)

    @classmethod
    def from_json(cls, text: str) -> ProvenanceGraph:
        """The graph written by :meth:`to_json`."""
        from lineage._json import from_json

        return from_json(text)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProvenanceGraph):
            return NotImplemented
        return self.snapshot() == other.snapshot()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"ProvenanceGraph({len(self)} products, {self._g.number_of_edges()} edges, "
                f"{len(self._jobs)} jobs)")

