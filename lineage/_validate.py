"""Validation of a provenance graph: the rules EPC relies on, their report and its error.

Problems block EPC: a cycle (with its path), an id used by an edge or a job but never added
(``missing_node``), a share outside [0, 1] (``share_range``), explicit out-shares of a parent
above 1 (``out_shares``, tolerance :data:`SHARE_TOLERANCE`), ``usage`` edges whose parent has
no usage in total (``usage``), ``equal`` and ``usage`` children of one parent
(``mixed_pool``). Warnings do not: ``full`` edges (``double_counting``).

The first check reads the whole index (vectorised); later ones only the slots and parents
changed since, unless a change could have closed a cycle or removed a ``full`` edge.
:meth:`ValidationReport.raise_if_invalid` raises :class:`lineage.InvalidGraphError`
(from :mod:`lineage._errors`, which imports nothing of lineage).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from lineage._errors import InvalidGraphError
from lineage._index import FULL, SHARE
from lineage._rollup import Rollup
from lineage._state import GraphState

__all__ = ["SHARE_TOLERANCE", "Problem", "Validation", "ValidationReport"]

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


class Validation(GraphState):
    """The validation of :class:`lineage.ProvenanceGraph` (a mixin over its state)."""

    _report: tuple[int, ValidationReport] | None = None  # (version, report) of the last check

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
