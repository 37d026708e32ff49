"""The uncertainty of a carbon figure, and its one propagation rule (first order, independent).

Every figure built from others (the ASC^e breakdown of a job, a product's EPC, the carbon of
one request) carries an absolute uncertainty ``u`` [gCO2e] found by first-order propagation
with independent errors: for ``y = sum_i w_i * x_i``::

    u(y) = sqrt( sum_i (w_i * u(x_i))^2 )          (root-sum-square of weighted terms)

Each ``u(x_i)`` is what its source states: a standard uncertainty measured from repeated
trials, or the stated bound of a probe (propagated as if it were one: a root-sum-square of
bounds is not itself a bound; the worst case would be the linear sum). Errors of different
inputs are taken as independent; within one input (an energy figure multiplied by PUE and
grid intensity) they are fully correlated, which the caller expresses by weighting that one
input once. An uncertainty that is not stated is unknown, never zero: one unknown term makes
the result unknown, with every reason kept.

References
----------
[1] JCGM 100:2008, "Evaluation of measurement data: Guide to the expression of uncertainty
    in measurement" (GUM), section 5.1.2, eq. (10): the law of propagation of uncertainty
    for uncorrelated input quantities.

>>> a, b = Uncertainty.known(3.0), Uncertainty.known(4.0)
>>> combine([a, b]).g
5.0
>>> combine([a.scaled(2.0), Uncertainty.missing("grid intensity: no stated range")])
Uncertainty(g=None, unknown=('grid intensity: no stated range',))
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from carbon._errors import InvalidValueError
from carbon._units import quantity

__all__ = ["Uncertainty", "combine", "root_sum_square"]


def root_sum_square(terms: Iterable[float]) -> float:
    """``sqrt(sum_i t_i^2)`` of weighted absolute uncertainties ``t_i = w_i * u_i`` [gCO2e].

    The first-order law of propagation for uncorrelated inputs (JCGM 100:2008, eq. 10);
    ``math.hypot`` keeps it exact for tiny and huge terms alike.

    >>> root_sum_square([3.0, 4.0, 12.0])
    13.0
    >>> root_sum_square([])
    0.0
    """
    return math.hypot(*terms)


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """An absolute +- on a carbon figure [gCO2e], or unknown with the reasons why.

    ``g`` is None exactly when the uncertainty is unknown; ``unknown`` then names each input
    whose uncertainty was not stated (never empty: unknown is said, never silent).
    """

    g: float | None
    unknown: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.g is None:
            if not self.unknown:
                raise InvalidValueError("unknown", self.unknown,
                                        "a reason when the uncertainty is unknown")
        elif not (math.isfinite(self.g) and self.g >= 0):
            raise InvalidValueError("g", self.g, "an uncertainty >= 0, finite [gCO2e]")

    @classmethod
    def known(cls, g: float) -> Uncertainty:
        """A stated absolute uncertainty ``g`` >= 0 [gCO2e]."""
        return cls(float(g))

    @classmethod
    def missing(cls, reason: str) -> Uncertainty:
        """An unknown uncertainty, and why (``"embodied carbon of V100: not stated"``)."""
        return cls(None, (reason,))

    @property
    def is_known(self) -> bool:
        return self.g is not None

    @property
    def quantity(self) -> Any | None:
        """The uncertainty [gCO2e quantity]; None when unknown."""
        return None if self.g is None else quantity(self.g, "gCO2e")

    @property
    def reason(self) -> str | None:
        """Why it is unknown (the reasons joined), None when known."""
        return None if self.g is not None else "; ".join(self.unknown)

    def scaled(self, weight: float) -> Uncertainty:
        """The uncertainty of ``weight * x``: ``|w| * u(x)`` (linear in the weight)."""
        return self if self.g is None else Uncertainty(abs(weight) * self.g)


def combine(parts: Iterable[Uncertainty]) -> Uncertainty:
    """The uncertainty of a sum of independent figures: the root-sum-square of theirs.

    ``u(sum) = sqrt(sum_i u_i^2)``; unknown (every reason kept, in order, once) when one
    part is unknown. An empty sum is exactly known: 0 (nothing was added, so nothing is
    uncertain).

    >>> combine([Uncertainty.known(0.6), Uncertainty.known(0.8)]).g
    1.0
    >>> combine([]).g
    0.0
    """
    known: list[float] = []
    reasons: list[str] = []
    for p in parts:
        if p.g is None:
            reasons.extend(r for r in p.unknown if r not in reasons)
        else:
            known.append(p.g)
    if reasons:
        return Uncertainty(None, tuple(reasons))
    return Uncertainty(root_sum_square(known))
