"""EPC: the walk over one product's ancestors, the sparse solve over all, and their results.

Embodied Product Cost (specs/lineage.md, "EPC", )::

    EPC(p) = own(p) + sum over ancestors a of W(a -> p) * own(a)
    W(a -> p) = sum over paths a -> ... -> p of the product of the edge weights

``epc(p)`` walks only p's ancestors, once in reverse topological order (no recursion), and
returns an :class:`EPCBreakdown` (by phase, by ancestor, what is unknown, what double-counts);
``epc_all()`` solves ``(I - W^T) EPC = own`` for every product at once with the roll-up of
:mod:`lineage._rollup`. Both refuse an invalid graph (:mod:`lineage._validate`).

Uncertainty (specs/lineage.md, "Uncertainty"): first-order propagation with independent
errors (:func:`carbon.combine`). ``EPC(p)`` is linear in the own costs, so::

    u(own(a)) = sqrt( sum over a's jobs j of u(ASC^e(j))^2 )
    u(EPC(p)) = sqrt( u(own(p))^2 + sum over ancestors a of (W(a -> p) * u(own(a)))^2 )

A job without a stated uncertainty, or a product inside the boundary with no job at all,
makes u(EPC) unknown (None, with the reasons), never zero. Only ``epc(p)`` gives it: the
squared weights do not follow the roll-up's linear solve, so ``epc_all`` has no such column.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from carbon import Uncertainty, combine, quantity
from lineage._index import FULL, KIND_CODE
from lineage._kinds import Phase
from lineage._validate import Validation

__all__ = ["DOUBLE_COUNTING", "EPC", "EPCBreakdown"]

_PHASE_ORDER = {p.value: i for i, p in enumerate(Phase)}
_NOT_COMPUTED = Uncertainty.missing("uncertainty not computed")

#: Label carried by every figure that used a ``full`` (non-conserving) allocation.
DOUBLE_COUNTING = (
    "upper bound: a 'full' allocation gives a parent's whole EPC to more than one child, so "
    "the sum over products double-counts"
)


@dataclass(frozen=True)
class EPCBreakdown:
    """Embodied Product Cost of a product (specs/metrics.md, EPC)::

        EPC(p) = sum of ASC^e of p's own jobs (all phases but re-training)
                 + sum over ancestors a of  W(a -> p) * own(a)

    ``W(a -> p)`` is the sum over every path from ``a`` to ``p`` of the product of the edge
    weights along it, so ``by_ancestor`` adds up without counting a gram twice (a conserving
    policy) and ``own + sum(by_ancestor) == total``. Re-training jobs are kept out of EPC (they
    are amortised over the requests of their interval) and shown as ``retraining``.

    ``unknown`` lists products inside the boundary (the product and every ancestor carried
    with a weight > 0) that have no job recorded: their cost is unknown, not zero, and the
    total is a lower bound (``complete`` is False). ``partial`` lists, for products inside
    the boundary, what their recorded jobs leave out (``"bert: embodied carbon of 64 x V100:
    ..."``): those totals are lower bounds too. ``double_counted`` lists ``full`` edges on the
    way (``conserving`` is False, and ``label`` says so).
    """

    product: str
    total_g: float
    own_g: float
    by_phase_g: dict[str, float]
    by_ancestor_g: dict[str, float]
    weights: dict[str, float]
    retraining_g: float = 0.0
    unknown: tuple[str, ...] = ()
    double_counted: tuple[tuple[str, str], ...] = field(default=())
    partial: tuple[str, ...] = ()
    #: u(EPC) [gCO2e] by root-sum-square of the weighted own uncertainties (module docstring).
    total_u: Uncertainty = _NOT_COMPUTED

    @property
    def uncertainty_g(self) -> float | None:
        """+- on the EPC [gCO2e]; None when unknown (``uncertainty_unknown`` says why)."""
        return self.total_u.g

    @property
    def uncertainty(self) -> Any | None:
        """+- on the EPC [gCO2e quantity]; None when unknown."""
        return self.total_u.quantity

    @property
    def uncertainty_unknown(self) -> tuple[str, ...]:
        """Why the EPC's uncertainty is unknown, one reason each; empty when known."""
        return self.total_u.unknown

    @property
    def total(self) -> Any:
        """EPC [gCO2e quantity]."""
        return quantity(self.total_g, "gCO2e")

    @property
    def own(self) -> Any:
        """The product's own jobs [gCO2e quantity]."""
        return quantity(self.own_g, "gCO2e")

    @property
    def inherited(self) -> Any:
        """What the ancestors contribute [gCO2e quantity]."""
        return quantity(sum(self.by_ancestor_g.values()), "gCO2e")

    @property
    def retraining(self) -> Any:
        """Re-training jobs attached to the product, outside EPC [gCO2e quantity]."""
        return quantity(self.retraining_g, "gCO2e")

    @property
    def by_phase(self) -> dict[str, Any]:
        """Own jobs by phase [gCO2e quantities], phases in canonical order."""
        return {k: quantity(v, "gCO2e") for k, v in self.by_phase_g.items()}

    @property
    def by_ancestor(self) -> dict[str, Any]:
        """Each ancestor's contribution ``W(a -> p) * own(a)`` [gCO2e quantities]."""
        return {k: quantity(v, "gCO2e") for k, v in self.by_ancestor_g.items()}

    @property
    def complete(self) -> bool:
        return not self.unknown and not self.partial

    @property
    def conserving(self) -> bool:
        return not self.double_counted

    @property
    def label(self) -> str:
        """How to read the total: lower bound (unknown costs), upper bound (double counting)."""
        notes = []
        if self.unknown:
            notes.append("lower bound: no job recorded for " + ", ".join(self.unknown))
        if self.partial:
            notes.append("lower bound: " + "; ".join(self.partial))
        if self.double_counted:
            notes.append(DOUBLE_COUNTING)
        return "; ".join(notes) if notes else "complete, conserving"


class EPC(Validation):
    """EPC of :class:`lineage.ProvenanceGraph` (a mixin over its state and validation)."""

    _frame: tuple[int, pd.DataFrame] | None = None  # (version, epc_all frame) of the last solve

    def epc(self, product: str) -> EPCBreakdown:
        """EPC of one product with its split by own phase and by ancestor (specs/metrics.md)::

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
        terms = [self._own_uncertainty(product)]
        terms += [self._own_uncertainty(a).scaled(w) for a, w in weights.items()]
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
        partial = tuple(dict.fromkeys(
            f"{a}: {reason}" for a in boundary if a in self._partial
            for j in self._by_product[a] if j.phase != Phase.RETRAINING.value
            for reason in j.unknown))
        return EPCBreakdown(product, total, own[target], by_phase, by_ancestor, weights,
                            retraining, unknown, tuple(double), partial, combine(terms))

    def _own_uncertainty(self, product: str) -> Uncertainty:
        """u(own(p)): root-sum-square of the product's jobs' (re-training left out, as in
        own); unknown when it has no job (its cost is unknown, so is its uncertainty)."""
        jobs = [j for j in self._by_product.get(product, [])
                if j.phase != Phase.RETRAINING.value]
        if not jobs:
            return Uncertainty.missing(f"{product}: no job recorded")
        return combine(j.uncertainty for j in jobs)

    def epc_all(self) -> pd.DataFrame:
        """EPC of every product, as one sparse triangular solve over a topological order.

        ``(I - W^T) EPC = own`` with ``W[p, c]`` the weight of edge ``p -> c``. Returns a
        DataFrame indexed by product id (insertion order) with columns ``kind``,
        ``epc [gCO2e]``, ``own [gCO2e]``, ``inherited [gCO2e]``, ``complete`` (the product
        and every ancestor carried with a weight > 0 have a job recorded: otherwise the EPC
        is a lower bound) and ``conserving`` (no ``full`` edge upstream: otherwise an upper
        bound that double-counts). Cached until the graph changes.

        >>> from lineage import ProvenanceGraph, ReportedCarbon
        >>> g = ProvenanceGraph()
        >>> g.add_model("a", name="a"); g.add_model("b", name="b")
        >>> g.derive("b", "a", "distilled_from", share=0.5)
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
        if self._partial:  # jobs whose ASC^e is a lower bound make the EPC one too
            rhs[[ix.pos[p] for p in self._partial], 1] = 1.0
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
