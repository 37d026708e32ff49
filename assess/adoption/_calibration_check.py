"""The calibration validator: completeness, shape, integer cells, thresholds, monotonicity.

:func:`validate_calibration` checks a raw mapping (a parsed calibration file) and lists
*every* offending cell as a :class:`CalibrationFinding`. Monotonicity (a better barrier level
or a less costly characteristic level never lowers the score) is reported as a warning: the
published calibration breaks it in several cells and must still load as published.

>>> from assess.adoption import published_calibration
>>> [f.kind for f in validate_calibration(published_calibration().to_mapping()).errors]
[]
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from assess.adoption._framework import BARRIERS, CHARACTERISTICS, COST_CHARACTERISTICS

__all__ = ["CalibrationFinding", "CalibrationReport", "validate_calibration"]

_LEVELS = ("L", "M", "H")
_TOP_KEYS = {"name", "source", "thresholds", "matrices", "standalone_weights", "notes"}
_STANDALONE_SETS = ("final", "pre_evaluation")

Matrix = tuple[tuple[int, int, int], tuple[int, int, int], tuple[int, int, int]]
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class CalibrationFinding:
    """One problem the validator found.

    ``kind`` is one of ``structure``, ``missing``, ``unknown``, ``shape``, ``integer``,
    ``threshold``, ``monotonicity`` (a cell), ``score_monotonicity`` (the total score of some
    input drops on a one-level improvement), ``reachability``. ``severity`` ``error`` blocks use;
    ``warning`` is reported only. For a monotonicity finding ``cell`` is the (barrier level,
    characteristic level) of the offending cell and ``compared_to`` the neighbour it falls
    below although it is the better (or less costly) one.
    """

    kind: str
    severity: Severity
    message: str
    barrier: str | None = None
    characteristic: str | None = None
    cell: tuple[str, str] | None = None
    compared_to: tuple[str, str] | None = None

    def __str__(self) -> str:
        return f"[{self.severity}] {self.message}"


@dataclass(frozen=True)
class CalibrationReport:
    """Every finding of :func:`validate_calibration`; ``ok`` when there are none at all."""

    findings: tuple[CalibrationFinding, ...]

    @property
    def errors(self) -> tuple[CalibrationFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[CalibrationFinding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def monotone(self) -> bool:
        return not any(f.kind == "monotonicity" for f in self.findings)

    @property
    def score_monotone(self) -> bool:
        """No input's total score drops when one input gets one level better (exact)."""
        return not any(f.kind == "score_monotonicity" for f in self.findings)

    @property
    def usable(self) -> bool:
        """No blocking error (warnings such as non-monotone cells allowed)."""
        return not self.errors

    @property
    def ok(self) -> bool:
        """No finding at all: complete, integer, sound thresholds, monotone, reachable."""
        return not self.findings

    def __str__(self) -> str:
        if not self.findings:
            return "calibration OK: complete, integer cells, sound thresholds, monotone"
        return "\n".join(str(f) for f in self.findings)


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _rows(raw: Any, where: str, out: list[CalibrationFinding], barrier: str | None,
          characteristic: str | None) -> list[list[Any]] | None:
    """Rows L, M, H of a matrix given as {L: [...], M: [...], H: [...]} or [[...]] * 3."""
    if isinstance(raw, Mapping):
        keys = [str(k) for k in raw]
        missing = [lv for lv in _LEVELS if lv not in keys]
        extra = [k for k in keys if k not in _LEVELS]
        if missing or extra:
            out.append(CalibrationFinding("shape", "error",
                               f"{where}: rows must be exactly L, M, H (missing {missing}, "
                               f"unexpected {extra})", barrier, characteristic))
            return None
        rows = [raw[lv] for lv in _LEVELS]
    elif isinstance(raw, (list, tuple)):
        if len(raw) != 3:
            out.append(CalibrationFinding("shape", "error",
                               f"{where}: a 3x3 matrix needs 3 rows (barrier L, M, H), "
                               f"got {len(raw)}", barrier, characteristic))
            return None
        rows = list(raw)
    else:
        out.append(CalibrationFinding("shape", "error",
                           f"{where}: expected a 3x3 matrix ({{L: [..], M: [..], H: [..]}}), "
                           f"got {type(raw).__name__}", barrier, characteristic))
        return None
    good = True
    for lv, row in zip(_LEVELS, rows, strict=True):
        if not isinstance(row, (list, tuple)) or len(row) != 3:
            out.append(CalibrationFinding("shape", "error",
                               f"{where} row {lv}: expected 3 cells (characteristic L, M, H), "
                               f"got {row!r}", barrier, characteristic))
            good = False
            continue
        for cl, v in zip(_LEVELS, row, strict=True):
            if not _is_int(v):
                out.append(CalibrationFinding("integer", "error",
                                   f"{where} cell ({lv}, {cl}) = {v!r}: cells are integer "
                                   "weights (each '+' is +1, each '-' is -1)",
                                   barrier, characteristic, (lv, cl)))
                good = False
    return [list(r) for r in rows] if good else None


def _monotonicity(m: list[list[int]], where: str, barrier: str | None,
                  characteristic: str) -> list[CalibrationFinding]:
    """Adjacent-pair check: rows rise with a better barrier; columns rise towards the less
    costly characteristic level (lower for cost characteristics, higher for energy)."""
    out: list[CalibrationFinding] = []
    cost = characteristic in COST_CHARACTERISTICS
    if barrier is not None:
        for c in range(3):
            for r in range(2):
                lo, hi = m[r][c], m[r + 1][c]
                if hi < lo:
                    out.append(CalibrationFinding(
                        "monotonicity", "warning",
                        f"{where}: cell ({_LEVELS[r + 1]}, {_LEVELS[c]}) = {hi:+d} is below "
                        f"cell ({_LEVELS[r]}, {_LEVELS[c]}) = {lo:+d}: a better {barrier} "
                        f"lowers the score by {lo - hi} when {characteristic} is {_LEVELS[c]}",
                        barrier, characteristic, (_LEVELS[r + 1], _LEVELS[c]),
                        (_LEVELS[r], _LEVELS[c])))
    for r in range(len(m)):
        row = m[r]
        for c in range(2):
            # (better, worse) column indices of the adjacent pair
            better, worse = (c, c + 1) if cost else (c + 1, c)
            if row[better] < row[worse]:
                rl = _LEVELS[r]
                cell = (rl, _LEVELS[better])
                other = (rl, _LEVELS[worse])
                what = "less costly" if cost else "larger"
                ctx = f" when {barrier} is {rl}" if barrier is not None else ""
                label = f"cell ({rl}, {_LEVELS[better]})" if barrier else f"{_LEVELS[better]}"
                olabel = f"cell ({rl}, {_LEVELS[worse]})" if barrier else f"{_LEVELS[worse]}"
                out.append(CalibrationFinding(
                    "monotonicity", "warning",
                    f"{where}: {label} = {row[better]:+d} is below {olabel} = "
                    f"{row[worse]:+d}: a {what} {characteristic} lowers the score by "
                    f"{row[worse] - row[better]}{ctx}",
                    barrier, characteristic, cell if barrier else None,
                    other if barrier else None))
    return out


def validate_calibration(data: Any) -> CalibrationReport:
    """Check a raw calibration mapping (as read from YAML) and list every finding.

    Checks: a mapping with known top-level keys; ``thresholds`` with integer ``positive_above``
    and ``negative_below`` (negative_below <= positive_above, so no score is both); every one
    of the 4 x 4 (barrier, characteristic) matrices present and no unknown ones; each 3x3
    (rows barrier L, M, H; columns characteristic L, M, H) with integer cells; optional
    ``standalone_weights`` (``final``, ``pre_evaluation``: 3 integers per characteristic).
    Warnings: monotonicity (a better barrier level, i.e. higher, or a less costly
    characteristic level, i.e. lower complexity/effort/disruption or higher energy_reduction,
    must never lower a cell; every offending adjacent pair is listed); when cells break it,
    whether the *total* score of some input actually drops on a one-level improvement
    (``score_monotonicity``, exact over all 3^8 inputs: other cells can compensate, as they
    do in the published calibration); and thresholds that make a verdict unreachable.

    >>> from assess.adoption import published_calibration
    >>> report = validate_calibration(published_calibration().to_mapping())
    >>> report.usable, report.monotone
    (True, False)
    >>> validate_calibration({"thresholds": {"positive_above": 2}}).errors[0].message
    "thresholds: 'negative_below' is missing (an integer; score < it is negative)"
    """
    out: list[CalibrationFinding] = []
    if not isinstance(data, Mapping):
        got = type(data).__name__
        return CalibrationReport(
            (CalibrationFinding("structure", "error", f"a calibration is a mapping, got {got}"),))
    for k in sorted(set(map(str, data)) - _TOP_KEYS):
        out.append(CalibrationFinding("unknown", "error",
                           f"unknown top-level key {k!r} (expected {sorted(_TOP_KEYS)})"))
    _check_thresholds(data.get("thresholds"), out)
    matrices = data.get("matrices")
    parsed: dict[tuple[str, str], list[list[int]]] = {}
    if not isinstance(matrices, Mapping):
        out.append(CalibrationFinding("missing", "error",
                           "matrices: missing (a mapping barrier -> characteristic -> 3x3)"))
    else:
        for b in sorted(set(map(str, matrices)) - set(BARRIERS)):
            out.append(CalibrationFinding("unknown", "error",
                               f"matrices: unknown barrier {b!r} (expected {list(BARRIERS)})", b))
        for b in BARRIERS:
            per = matrices.get(b)
            if not isinstance(per, Mapping):
                out.append(CalibrationFinding("missing", "error",
                                   f"matrices.{b}: missing (4 matrices, one per characteristic)",
                                   b))
                continue
            for c in sorted(set(map(str, per)) - set(CHARACTERISTICS)):
                out.append(CalibrationFinding("unknown", "error",
                                   f"matrices.{b}: unknown characteristic {c!r} "
                                   f"(expected {list(CHARACTERISTICS)})", b, c))
            for c in CHARACTERISTICS:
                if c not in per:
                    out.append(CalibrationFinding("missing", "error",
                                       f"matrices.{b}.{c}: missing 3x3 matrix", b, c))
                    continue
                rows = _rows(per[c], f"matrices.{b}.{c}", out, b, c)
                if rows is not None:
                    parsed[(b, c)] = rows
        for (b, c), m in parsed.items():
            out.extend(_monotonicity(m, f"{b} x {c}", b, c))
    sw = data.get("standalone_weights")
    if sw is not None:
        _check_standalone(sw, out)
    if len(parsed) == 16 and not any(f.kind == "threshold" for f in out):
        _check_reachability(parsed, data["thresholds"], out)
    if len(parsed) == 16 and any(f.kind == "monotonicity" and f.barrier for f in out):
        _check_score_drops(parsed, out)
    return CalibrationReport(tuple(out))


def _check_thresholds(th: Any, out: list[CalibrationFinding]) -> None:
    if not isinstance(th, Mapping):
        out.append(CalibrationFinding("threshold", "error",
                           "thresholds: missing (positive_above and negative_below, integers)"))
        return
    for k in sorted(set(map(str, th)) - {"positive_above", "negative_below"}):
        out.append(CalibrationFinding("threshold", "error", f"thresholds: unknown key {k!r}"))
    ok = True
    for k, meaning in (("positive_above", "score > it is positive"),
                       ("negative_below", "score < it is negative")):
        if k not in th:
            out.append(CalibrationFinding("threshold", "error",
                               f"thresholds: {k!r} is missing (an integer; {meaning})"))
            ok = False
        elif not _is_int(th[k]):
            out.append(CalibrationFinding("threshold", "error",
                               f"thresholds.{k} = {th[k]!r}: expected an integer ({meaning})"))
            ok = False
    if ok and th["negative_below"] > th["positive_above"]:
        out.append(CalibrationFinding("threshold", "error",
                           f"thresholds: negative_below ({th['negative_below']}) > positive_above "
                           f"({th['positive_above']}): a score could be positive and negative"))


def _check_standalone(sw: Any, out: list[CalibrationFinding]) -> None:
    if not isinstance(sw, Mapping):
        out.append(CalibrationFinding("structure", "error",
            "standalone_weights: expected a mapping"))
        return
    for k in sorted(set(map(str, sw)) - set(_STANDALONE_SETS) - {"note"}):
        out.append(CalibrationFinding("unknown", "error", f"standalone_weights: unknown set {k!r}"))
    for name in _STANDALONE_SETS:
        ws = sw.get(name)
        if ws is None:
            continue
        if not isinstance(ws, Mapping):
            out.append(CalibrationFinding("structure", "error",
                f"standalone_weights.{name}: a mapping"))
            continue
        for c in CHARACTERISTICS:
            row = ws.get(c)
            where = f"standalone_weights.{name}.{c}"
            if not isinstance(row, (list, tuple)) or len(row) != 3:
                out.append(CalibrationFinding("shape", "error",
                    f"{where}: expected 3 integers (L, M, H)",
                                   None, c))
            elif not all(_is_int(v) for v in row):
                out.append(CalibrationFinding("integer", "error",
                    f"{where} = {row!r}: integers only",
                                   None, c))
            else:
                out.extend(_monotonicity([list(row)], where, None, c))


def _score_range(parsed: Mapping[tuple[str, str], list[list[int]]]) -> tuple[int, int]:
    """Exact min and max score over all 3^8 level combinations (vectorised enumeration)."""
    combos = np.array(list(itertools.product(range(3), repeat=8)), dtype=np.int64)
    total = np.zeros(len(combos), dtype=np.int64)
    for i, b in enumerate(BARRIERS):
        for j, c in enumerate(CHARACTERISTICS):
            m = np.asarray(parsed[(b, c)], dtype=np.int64)
            total += m[combos[:, i], combos[:, 4 + j]]
    return int(total.min()), int(total.max())


def _check_score_drops(parsed: Mapping[tuple[str, str], list[list[int]]],
                       out: list[CalibrationFinding]) -> None:
    """Whether non-monotone cells make the *total* score drop for some input (exact: every
    one of the 3^8 inputs and each one-level improvement). Reported once per input dimension
    with the largest drop and an input where it happens."""
    combos = np.array(list(itertools.product(range(3), repeat=8)), dtype=np.int64)
    w = {k: np.asarray(v, dtype=np.int64) for k, v in parsed.items()}

    def score(c: np.ndarray) -> np.ndarray:
        total = np.zeros(len(c), dtype=np.int64)
        for i, b in enumerate(BARRIERS):
            for j, ch in enumerate(CHARACTERISTICS):
                total += w[(b, ch)][c[:, i], c[:, 4 + j]]
        return total

    base = score(combos)
    names = (*BARRIERS, *CHARACTERISTICS)
    for k, name in enumerate(names):
        step = -1 if name in COST_CHARACTERISTICS else +1
        ok = (combos[:, k] + step >= 0) & (combos[:, k] + step <= 2)
        moved = combos[ok].copy()
        moved[:, k] += step
        delta = score(moved) - base[ok]
        if delta.min() < 0:
            at = int(delta.argmin())
            src = combos[ok][at]
            lv = " ".join(f"{n}={_LEVELS[int(src[i])]}" for i, n in enumerate(names))
            out.append(CalibrationFinding(
                "score_monotonicity", "warning",
                f"the score drops by up to {-int(delta.min())} when {name} gets one level "
                f"better ({int((delta < 0).sum())} inputs), e.g. from {lv}",
                name if name in BARRIERS else None,
                name if name in CHARACTERISTICS else None))


def _check_reachability(parsed: Mapping[tuple[str, str], list[list[int]]],
                        th: Mapping[str, int], out: list[CalibrationFinding]) -> None:
    lo, hi = _score_range(parsed)
    if hi <= th["positive_above"]:
        out.append(CalibrationFinding("reachability", "warning",
                           f"no input is positive: the highest score is {hi}, not above "
                           f"positive_above={th['positive_above']}"))
    if lo >= th["negative_below"]:
        out.append(CalibrationFinding("reachability", "warning",
                           f"no input is negative: the lowest score is {lo}, not below "
                           f"negative_below={th['negative_below']}"))
