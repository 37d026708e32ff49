"""The validation report of a provenance graph: problems that block EPC, and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lineage._errors import InvalidGraphError

__all__ = ["Problem", "ValidationReport"]

#: Out-shares may exceed 1 by this much (float rounding of shares given as decimals).
SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: a code, where (``field``), the value found and the fix.

    ``code`` is one of ``cycle``, ``missing_node``, ``share_range``, ``out_shares``,
    ``usage``, ``mixed_pool`` (problems) or ``double_counting`` (a warning).
    ``path`` lists the product ids of a cycle, first id repeated at the end.
    """

    code: str
    field: str
    value: Any
    expected: str
    path: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        where = f" (cycle {' -> '.join(self.path)})" if self.path else ""
        return f"{self.code}: {self.field}={self.value!r}{where}; expected {self.expected}"


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """What :meth:`lineage.ProvenanceGraph.validate` found.

    >>> r = ValidationReport((Problem("missing_node", "product", "x", "add_model('x', ...)"),))
    >>> r.ok
    False
    >>> print(r)
    1 problem(s):
      missing_node: product='x'; expected add_model('x', ...)
    """

    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when nothing blocks EPC (warnings do not)."""
        return not self.problems

    def __str__(self) -> str:
        if self.ok and not self.warnings:
            return "valid"
        lines = [f"{len(self.problems)} problem(s):"] if self.problems else ["valid"]
        lines += [f"  {p.message}" for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"  ... and {len(self.problems) - 20} more")
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning(s):")
            lines += [f"  {w.message}" for w in self.warnings[:20]]
        return "\n".join(lines)

    def raise_if_invalid(self) -> None:
        """Raise :class:`lineage.InvalidGraphError` carrying this report if it has problems."""
        if self.ok:
            return
        first = self.problems[0]
        raise InvalidGraphError(
            first.field, first.value, first.expected,
            f"the provenance graph is invalid: {self}", report=self,
        )
