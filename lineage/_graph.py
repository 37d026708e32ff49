"""The provenance graph of products (datasets, models, platforms), their edges and jobs.

Edges point from parent to child (``wikipedia -> bert`` for ``trained_on``). This module holds
:class:`ProvenanceGraph` and its single-item API: add and remove products, derive edges, attach
and detach jobs, read them back. Its state is :class:`lineage._state.GraphState`; the other
concerns are mixins in their modules: bulk builders (:mod:`lineage._bulk`), validation
(:mod:`lineage._validate`), EPC (:mod:`lineage._epc`). JSON export lives in
:mod:`lineage._json`, which depends on this module (the methods here import it lazily).
"""

from __future__ import annotations

from typing import Any

from carbon import InvalidValueError, Job, UnitMismatchError
from lineage._bulk import BulkBuild
from lineage._edges import check_id, check_lifetime, edge_spec, job_facts
from lineage._epc import EPC
from lineage._errors import UnknownProductError
from lineage._index import KIND_CODE
from lineage._kinds import EDGE_KIND_CODE, POLICY_CODE, Phase, Policy, ProductKind, parse
from lineage._reported import JobEntry, ReportedCarbon

__all__ = ["ProvenanceGraph"]

#: Every product attribute (absent ones read as None).
_NODE_FIELDS = ("kind", "name", "lifetime", "revision", "licence", "task", "source", "hub_id")


class ProvenanceGraph(EPC, BulkBuild):
    """Products, the edges they were made along, their jobs, and their EPC (specs/metrics.md).

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

    # ---------------------------------------------------------------------------------
    # products
    def add_dataset(self, id: str, *, name: str, lifetime: Any = None,
                    revision: str | None = None, licence: str | None = None,
                    source: str | None = None) -> None:
        """Add a dataset (``lifetime``: how long it serves, for amortisation [time])."""
        self._add(id, ProductKind.DATASET, name=name, lifetime=check_lifetime(lifetime, "lifetime"),
                  revision=revision, licence=licence, task=None, source=source)

    def add_model(self, id: str, *, name: str, lifetime: Any = None, revision: str | None = None,
                  licence: str | None = None, task: str | None = None,
                  source: str | None = None, hub_id: str | None = None) -> None:
        """Add a model (``lifetime``: its deployment lifetime [time], for per-request shares;
        ``hub_id``: its Hugging Face Hub repository id, ``"org/name"``, when it has one: the
        model card's ``base_model`` names only such ids). ``hub_id`` lives in the graph (and
        ``product()``); the ledger and the JSON export do not store it yet."""
        if hub_id is not None and not (isinstance(hub_id, str) and hub_id.strip()
                                       and not any(c.isspace() for c in hub_id)):
            raise InvalidValueError("hub_id", hub_id, "a Hub repository id such as "
                                    "'distilbert/distilbert-base-uncased' (no spaces)")
        self._add(id, ProductKind.MODEL, name=name, lifetime=check_lifetime(lifetime, "lifetime"),
                  revision=revision, licence=licence, task=task, source=source, hub_id=hub_id)

    def add_platform(self, id: str, *, name: str, lifetime: Any, revision: str | None = None,
                     licence: str | None = None, source: str | None = None) -> None:
        """Add a platform (a serving stack): ``lifetime`` [time] is required."""
        self._add(id, ProductKind.PLATFORM, name=name,
                  lifetime=check_lifetime(lifetime, "lifetime", required=True),
                  revision=revision, licence=licence, task=None, source=source)

    def _add(self, pid: str, kind: ProductKind, **attrs: Any) -> None:
        check_id(pid, "id")
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
        task, source, hub_id`` (None where not given)."""
        self._declared(id)
        a = self._g.nodes[id]
        return {k: a.get(k) for k in _NODE_FIELDS}

    def __contains__(self, id: object) -> bool:
        i = self._ix.pos.get(id) if isinstance(id, str) else None
        return i is not None and bool(self._ix.kind[i])

    def __len__(self) -> int:
        return sum(1 for k in self._ix.kind if k)

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
        e = ix.add_edge(p, c, POLICY_CODE[pol], s, u, kind=EDGE_KIND_CODE[spec.kind.value],
                        given=spec.usage_given, unit=spec.usage_unit)
        self._g.add_nodes_from((parent, child))  # new ids become placeholders
        self._add_nx_edges([parent], [child], [ix.edge_attrs(e)])  # attrs: lineage._attrs
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
        """The share ``w`` of ``parent``'s EPC that ``child`` carries (policy applied)
        [dimensionless]."""
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
        check_id(product, "product")
        ph = parse(Phase, phase, "phase")
        carbon_g, prov, source, unknown = job_facts(job)
        if job.id in self._jobs:
            raise InvalidValueError("job.id", job.id, "a job id not yet attached (the same "
                                    "job twice would count its carbon twice)")
        entry = JobEntry(job.id, product, ph.value, carbon_g, prov, source, job, unknown)
        ix = self._ix
        i = ix.slot(product)
        self._g.add_node(product)
        self._jobs[job.id] = entry
        self._by_product.setdefault(product, []).append(entry)
        if ph is not Phase.RETRAINING:
            ix.own_g[i] += carbon_g
            ix.n_jobs[i] += 1
            if unknown:
                self._partial[product] = self._partial.get(product, 0) + 1
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
        if entry.unknown and entry.phase != Phase.RETRAINING.value:
            left = self._partial.pop(entry.product) - 1
            if left:
                self._partial[entry.product] = left
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

