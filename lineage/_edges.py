"""Argument checks of the graph API and the checked specification of one edge.

Every public method of :class:`lineage.ProvenanceGraph` (and the ledger, which writes the same
rows) checks its arguments here, so that a refused input names its field, value and fix the
same way on every path: product ids, lifetimes, shares, usage amounts, job records, and one
edge's kind, policy, share and usage (:func:`edge_spec`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from carbon import (
    InvalidValueError,
    Job,
    UnitMismatchError,
    asc_e,
    magnitude,
    quantity,
    unit_interval,
)
from lineage._kinds import EdgeKind, Policy, parse
from lineage._reported import ReportedCarbon

__all__ = [
    "EdgeSpec",
    "check_id",
    "check_lifetime",
    "check_share",
    "check_usage",
    "edge_spec",
    "job_facts",
]


def check_id(value: Any, field: str) -> str:
    """A product (or job) id: a non-empty string.

    >>> check_id("bert", "id")
    'bert'
    >>> check_id(" ", "id")
    Traceback (most recent call last):
    ...
    carbon._errors.InvalidValueError: id=' ' is invalid: expected a non-empty string id
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(field, value, "a non-empty string id")
    return value


def check_lifetime(value: Any, field: str, required: bool = False) -> Any:
    """A lifetime > 0 as a quantity in seconds, or None when not given (and not ``required``).

    >>> check_lifetime("1 year", "lifetime")
    <Quantity(31536000.0, 'second')>
    """
    if value is None:
        if required:
            raise InvalidValueError(field, None, "a lifetime such as '6 year' (a platform "
                                    "must say how long its EPC is amortised over)")
        return None
    t = magnitude(value, "s", field)
    if t <= 0:
        raise InvalidValueError(field, value, "a lifetime > 0 (a year is 365 days)")
    return quantity(t, "s")


def check_share(value: Any) -> float:
    """An explicit edge share: a finite number (or dimensionless quantity) in [0, 1].

    >>> check_share(0.25)
    0.25
    >>> check_share(1.5)
    Traceback (most recent call last):
    ...
    carbon._errors.InvalidValueError: share=1.5 is invalid: expected a share in [0, 1] ...
    """
    if hasattr(value, "dimensionless"):
        if not value.dimensionless:
            raise UnitMismatchError.for_units("share", f"{value:~P}", "a dimensionless number")
        value = value.m_as("")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise InvalidValueError("share", value, "a number in [0, 1]")
    return float(unit_interval(value, "share", " (0.5 carries half the parent's EPC)"))


def check_usage(value: Any) -> tuple[float, str]:
    """(magnitude in base units, dimensionality) of a usage amount (quantity or count).

    >>> from carbon import Q_
    >>> check_usage(Q_(2, "h"))
    (7200.0, '[time]')
    >>> check_usage(1000)
    (1000.0, 'dimensionless')
    """
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


def job_facts(job: Job | ReportedCarbon) -> tuple[float, str, str | None, tuple[str, ...]]:
    """(ASC^e [gCO2e], provenance, source, what it leaves out) of a job record.

    The last item lists what the job's ASC^e leaves out (e.g. a system whose embodied carbon
    is unknown): its figure is then a lower bound, never a silent zero.

    >>> job_facts(ReportedCarbon(carbon="2 kgCO2e", source="paper"))
    (2000.0, 'reported', 'paper', ())
    """
    if isinstance(job, Job):
        provs = sorted({str(u.provenance) for u in job.energy})
        sources = [u.source for u in job.energy if u.source]
        b = asc_e(job)
        return (b.asc_e_g, "+".join(provs), "; ".join(dict.fromkeys(sources)) or None,
                b.unknown)
    if isinstance(job, ReportedCarbon):
        return float(job.carbon.magnitude), str(job.provenance), job.source, ()
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
    """Check one edge's arguments as :meth:`ProvenanceGraph.derive` documents them.

    >>> edge_spec("tuned", "base", "fine_tuned_from", share=0.25).attrs()
    {'kind': 'fine_tuned_from', 'policy': 'share', 'share': 0.25}
    >>> edge_spec("m", "k8s", "runs_on").policy
    <Policy.CUTOFF: 'cutoff'>
    """
    check_id(child, "child")
    check_id(parent, "parent")
    ek = parse(EdgeKind, kind, "kind")
    if child == parent:
        raise InvalidValueError("parent", parent, "a parent other than the child itself "
                                "(the lineage graph is acyclic)")
    if share is not None:
        s = check_share(share)
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
        u, udim = check_usage(usage)
    elif usage is not None:
        raise InvalidValueError("usage", usage, "usage only with policy='usage'")
    unit = None if usage is None else (
        str(usage.units) if hasattr(usage, "units") else "dimensionless")
    given = None if usage is None else float(
        usage.magnitude if hasattr(usage, "magnitude") else usage)
    return EdgeSpec(ek, pol, s, given, unit, u, udim)
