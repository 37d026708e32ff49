"""The closed vocabularies of the lineage graph: product kinds, edge kinds, phases, policies."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from carbon import UnknownKeyError

__all__ = ["EDGE_KINDS", "EDGE_KIND_CODE", "PHASES", "POLICY_CODE", "EdgeKind", "Phase",
           "Policy", "ProductKind", "parse"]


class ProductKind(StrEnum):
    """What a product is."""

    DATASET = "dataset"
    MODEL = "model"
    PLATFORM = "platform"


class EdgeKind(StrEnum):
    """How a child product was made from a parent (edges point parent -> child)."""

    TRAINED_ON = "trained_on"
    FINE_TUNED_FROM = "fine_tuned_from"
    DISTILLED_FROM = "distilled_from"
    PRUNED_FROM = "pruned_from"
    QUANTISED_FROM = "quantised_from"
    DERIVED_FROM = "derived_from"
    RUNS_ON = "runs_on"


class Phase(StrEnum):
    """The phase of a product's life a job belongs to (specs/metrics.md, EPC)."""

    DATA = "data"
    DEVELOPMENT = "development"
    EXPERIMENT = "experiment"
    TRAINING = "training"
    FINE_TUNING = "fine_tuning"
    DISTILLATION = "distillation"
    COMPRESSION = "compression"
    RETRAINING = "retraining"


class Policy(StrEnum):
    """How a parent's EPC is allocated to a child (LCA allocation practice).

    - ``share``: an explicit fraction in [0, 1] given on the edge.
    - ``equal``: the parent's remainder (1 minus its explicit shares) split equally among
      its ``equal`` children.
    - ``usage``: the remainder split in proportion to a usage amount on each edge
      (GPU-hours, tokens, requests).
    - ``cutoff``: share 0 (nothing of the parent is carried).
    - ``full``: the whole parent EPC to this child: an upper bound that double-counts, and
      every figure that uses it says so.
    """

    SHARE = "share"
    EQUAL = "equal"
    USAGE = "usage"
    CUTOFF = "cutoff"
    FULL = "full"


EDGE_KINDS: tuple[str, ...] = tuple(k.value for k in EdgeKind)
PHASES: tuple[str, ...] = tuple(p.value for p in Phase)

#: Integer codes of the edge kinds in the fast arrays (``Index.ekind``), by value.
EDGE_KIND_CODE: dict[str, int] = {k: i for i, k in enumerate(EDGE_KINDS)}

#: Integer codes of the policies in the fast arrays (stable: stored nowhere but memory).
POLICY_CODE: dict[Policy, int] = {p: i for i, p in enumerate(Policy)}


E = TypeVar("E", bound=StrEnum)


def parse(enum: type[E], value: Any, field: str) -> E:
    """``value`` as a member of ``enum``, or an error listing the allowed values.

    >>> parse(Phase, "training", "phase")
    <Phase.TRAINING: 'training'>
    >>> parse(Phase, "trianing", "phase")
    Traceback (most recent call last):
    ...
    carbon._errors.UnknownKeyError: phase='trianing' is invalid: expected one of data, ...
    """
    try:
        return enum(value)
    except ValueError as e:
        allowed = ", ".join(m.value for m in enum)
        raise UnknownKeyError(field, value, f"one of {allowed}") from e
