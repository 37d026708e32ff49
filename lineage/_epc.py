"""The EPC of one product, split by its own phases and by each ancestor's contribution."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carbon import quantity

__all__ = ["EPCBreakdown", "JobEntry"]

#: Label carried by every figure that used a ``full`` (non-conserving) allocation.
DOUBLE_COUNTING = (
    "upper bound: a 'full' allocation gives a parent's whole EPC to more than one child, so "
    "the sum over products double-counts"
)


@dataclass(frozen=True, slots=True)
class JobEntry:
    """A job attached to a product: its phase, its ASC^e [gCO2e], how it was obtained."""

    id: str
    product: str
    phase: str
    carbon_g: float
    provenance: str
    source: str | None
    stored: Any  # carbon.Job or lineage.ReportedCarbon; None for a bulk reported figure

    @property
    def record(self) -> Any:
        """The job record (a bulk reported figure is rebuilt as a ``ReportedCarbon``)."""
        if self.stored is not None:
            return self.stored
        from lineage._reported import ReportedCarbon

        return ReportedCarbon(carbon=quantity(self.carbon_g, "gCO2e"),
                              provenance=self.provenance, source=self.source, id=self.id)

    @property
    def carbon(self) -> Any:
        """ASC^e of the job [gCO2e quantity]."""
        return quantity(self.carbon_g, "gCO2e")


@dataclass(frozen=True)
class EPCBreakdown:
    """Embodied Product Cost of a product (METRICS.md, EPC)::

        EPC(p) = sum of ASC^e of p's own jobs (all phases but re-training)
                 + sum over ancestors a of  W(a -> p) * own(a)

    ``W(a -> p)`` is the sum over every path from ``a`` to ``p`` of the product of the edge
    weights along it, so ``by_ancestor`` adds up without counting a gram twice (a conserving
    policy) and ``own + sum(by_ancestor) == total``. Re-training jobs are kept out of EPC (they
    are amortised over the requests of their interval) and shown as ``retraining``.

    ``unknown`` lists products inside the boundary (the product and every ancestor carried
    with a weight > 0) that have no job recorded: their cost is unknown, not zero, and the
    total is a lower bound (``complete`` is False). ``double_counted`` lists ``full`` edges
    on the way (``conserving`` is False, and ``label`` says so).
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
        return not self.unknown

    @property
    def conserving(self) -> bool:
        return not self.double_counted

    @property
    def label(self) -> str:
        """How to read the total: lower bound (unknown costs), upper bound (double counting)."""
        notes = []
        if self.unknown:
            notes.append("lower bound: no job recorded for " + ", ".join(self.unknown))
        if self.double_counted:
            notes.append(DOUBLE_COUNTING)
        return "; ".join(notes) if notes else "complete, conserving"
