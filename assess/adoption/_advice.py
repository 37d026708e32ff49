"""Advice on one technique for one organisation: the sum rule, the verdict, and explanations.

    score   = sum over barriers b and characteristics c of  W[b, c][level(b), level(c)]
    verdict = positive if score > positive_above; negative if score < negative_below;
              neutral otherwise                       (published: > 2, < -2)

(specs/adoption.md.) The advice keeps the 16 selected cells
(its contributions, which sum to the score), the cells that pushed it most in each direction,
and every one-level change (one barrier or one characteristic one level better or worse)
re-scored, so that the changes that flip the verdict are known and verified. The study's
standalone characteristic weights are added only when ``standalone=`` names a set.

>>> org = Organisation(perceived_benefits="M", environmental_awareness="M",
...                    information="L", resources="M")
>>> tech = Characteristics(complexity="L", effort="L", disruption="L", energy_reduction="M")
>>> a = advise(org, tech)
>>> a.score, a.verdict
(-6, 'negative')
>>> sum(c.weight for c in a.contributions) == a.score
True
>>> str(a.flips[0])
'resources M -> H (better): score -6 -> 7, negative -> positive'
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from assess.adoption._calibration import Calibration, published_calibration
from assess.adoption._framework import (
    BARRIERS,
    CHARACTERISTICS,
    Characteristics,
    Level,
    Organisation,
    better_level,
    worse_level,
)
from carbon import UnknownKeyError

__all__ = ["Advice", "Change", "Contribution", "StandaloneContribution", "Verdict", "advise"]

Verdict = Literal["positive", "neutral", "negative"]
_VERDICT_RANK: dict[str, int] = {"negative": 0, "neutral": 1, "positive": 2}
_LEVELS = (Level.L, Level.M, Level.H)
_ONLY = {"barriers": "barrier", "characteristics": "characteristic"}


@dataclass(frozen=True)
class Contribution:
    """One of the 16 selected cells: the pair, both levels and the weight it adds."""

    barrier: str
    characteristic: str
    barrier_level: Level
    characteristic_level: Level
    weight: int

    def __str__(self) -> str:
        return (f"{self.barrier}={self.barrier_level} x "
                f"{self.characteristic}={self.characteristic_level}: {self.weight:+d}")


@dataclass(frozen=True)
class StandaloneContribution:
    """A standalone characteristic weight, added only when asked for (``standalone=``)."""

    weight_set: str
    characteristic: str
    level: Level
    weight: int

    def __str__(self) -> str:
        return f"standalone[{self.weight_set}] {self.characteristic}={self.level}: {self.weight:+d}"


@dataclass(frozen=True)
class Change:
    """A change of one barrier or characteristic (one level unless built by ``path_to``),
    with the score and verdict it leads to, computed by re-scoring the changed input."""

    kind: Literal["barrier", "characteristic"]
    name: str
    before: Level
    after: Level
    direction: Literal["better", "worse"]
    score_before: int
    score: int
    verdict_before: Verdict
    verdict: Verdict

    @property
    def flips(self) -> bool:
        return self.verdict != self.verdict_before

    @property
    def delta(self) -> int:
        return self.score - self.score_before

    def __str__(self) -> str:
        return (f"{self.name} {self.before} -> {self.after} ({self.direction}): score "
                f"{self.score_before} -> {self.score}, {self.verdict_before} -> {self.verdict}")


def _weights(cal: Calibration) -> np.ndarray:
    """W[i, j, r, c]: barrier i, characteristic j, barrier rank r, characteristic rank c."""
    return cal.weight_array


def _standalone_weights(cal: Calibration, standalone: str | None) -> np.ndarray:
    if standalone is None:
        return np.zeros((4, 3), dtype=np.int64)
    if standalone not in cal.standalone_weights:
        raise UnknownKeyError("standalone", standalone,
                              f"None (the published 16-cell score) or a weight set of "
                              f"calibration {cal.name!r}: {sorted(cal.standalone_weights)}")
    ws = cal.standalone_weights[standalone]
    return np.array([ws[c] for c in CHARACTERISTICS], dtype=np.int64)


def _score(w: np.ndarray, s: np.ndarray, b: tuple[int, ...], c: tuple[int, ...]) -> int:
    total = sum(int(w[i, j, b[i], c[j]]) for i in range(4) for j in range(4))
    return total + sum(int(s[j, c[j]]) for j in range(4))


@dataclass(frozen=True)
class Advice:
    """The advice for one technique: ``score``, ``verdict``, the 16 ``contributions``, the
    optional ``standalone_contributions``, and every one-level ``changes`` re-scored.

    Use :func:`advise` to build one.
    """

    organisation: Organisation
    characteristics: Characteristics
    calibration: Calibration
    score: int
    verdict: Verdict
    contributions: tuple[Contribution, ...]
    standalone: str | None
    standalone_contributions: tuple[StandaloneContribution, ...]
    changes: tuple[Change, ...]
    technique: str | None = None

    @property
    def overridden(self) -> str | None:
        """Why the verdict is not the matrices' (a measured energy increase), or None."""
        return self.characteristics.energy_increase

    @property
    def flips(self) -> tuple[Change, ...]:
        """The one-level changes that change the verdict: what to work on first.

        Ordered improvements first (``better``), then by how far they move the score.
        Empty when no single one-level change flips it (see :meth:`path_to`).
        """
        flips = [ch for ch in self.changes if ch.flips]
        return tuple(sorted(flips, key=lambda ch: (ch.direction != "better", -abs(ch.delta))))

    def pushed_up(self, n: int = 3) -> tuple[Contribution, ...]:
        """The ``n`` cells with the largest positive weight (ties in table order)."""
        pos = [c for c in self.contributions if c.weight > 0]
        return tuple(sorted(pos, key=lambda c: -c.weight)[:n])

    def pushed_down(self, n: int = 3) -> tuple[Contribution, ...]:
        """The ``n`` cells with the most negative weight (ties in table order)."""
        neg = [c for c in self.contributions if c.weight < 0]
        return tuple(sorted(neg, key=lambda c: c.weight)[:n])

    @property
    def measured(self) -> tuple[str, ...]:
        """Characteristics whose level was derived from a measurement."""
        return tuple(c for c in CHARACTERISTICS
                     if self.characteristics.basis[c].label == "measured")

    def path_to(self, verdict: Verdict, *,
                only: Literal["barriers", "characteristics"] | None = None
                ) -> tuple[Change, ...] | None:
        """The fewest one-level steps (all in the needed direction) that reach ``verdict``.

        Exhaustive over every combination of levels (3^8); among the fewest steps the one with
        the best (for an improvement) or worst score wins. Returns ``()`` when the verdict is
        already ``verdict`` and ``None`` when no combination reaches it. ``only`` restricts the
        steps to the barriers (what the organisation can work on) or the characteristics.
        Each returned change carries the final score and verdict of the whole path.
        """
        if verdict not in _VERDICT_RANK:
            raise UnknownKeyError("verdict", verdict, "positive, neutral or negative")
        if only is not None and only not in _ONLY:
            raise UnknownKeyError("only", only, "None, 'barriers' or 'characteristics'")
        if verdict == self.verdict:
            return ()
        up = _VERDICT_RANK[verdict] > _VERDICT_RANK[self.verdict]
        names = _names()
        start = self._ranks()
        w = _weights(self.calibration)
        s = _standalone_weights(self.calibration, self.standalone)
        options: list[list[int]] = []
        for k, (kind, name) in enumerate(names):
            r = start[k]
            if only is not None and kind != _ONLY[only]:
                options.append([r])
                continue
            step_up = better_level if up else worse_level
            reach = [r]
            nxt = step_up(name, _LEVELS[r])
            while nxt is not None:
                reach.append(nxt.rank)
                nxt = step_up(name, nxt)
            options.append(reach)
        best: tuple[int, int, tuple[int, ...]] | None = None
        for combo in itertools.product(*options):
            steps = sum(abs(a - b) for a, b in zip(combo, start, strict=True))
            sc = _score(w, s, combo[:4], combo[4:])
            if self.calibration.verdict(sc) != verdict:
                continue
            key = (steps, -sc if up else sc, combo)
            if best is None or key[:2] < best[:2]:
                best = key
        if best is None:
            return None
        combo = best[2]
        sc = _score(w, s, combo[:4], combo[4:])
        return tuple(
            Change(kind, name, _LEVELS[start[k]], _LEVELS[combo[k]],
                   "better" if up else "worse", self.score, sc, self.verdict,
                   self.calibration.verdict(sc))
            for k, (kind, name) in enumerate(names) if combo[k] != start[k])

    def _ranks(self) -> tuple[int, ...]:
        return (tuple(self.organisation.level(b).rank for b in BARRIERS)
                + tuple(self.characteristics.level(c).rank for c in CHARACTERISTICS))

    def explain(self, n: int = 3) -> str:
        """A short text: verdict, top cells each way, the basis of each level, flips."""
        lines = [f"score {self.score} -> {self.verdict} (calibration {self.calibration.name!r}: "
                 f"positive > {self.calibration.positive_above}, negative < "
                 f"{self.calibration.negative_below})"]
        if self.standalone:
            lines.append(f"includes the standalone weights {self.standalone!r} (not part of "
                         "the published 16-cell score)")
        lines.append("pushed up:   " + ("; ".join(map(str, self.pushed_up(n))) or "nothing"))
        lines.append("pushed down: " + ("; ".join(map(str, self.pushed_down(n))) or "nothing"))
        for c in CHARACTERISTICS:
            basis = self.characteristics.basis[c]
            detail = f" ({basis.detail})" if basis.detail else ""
            lines.append(f"{c} = {self.characteristics.level(c)}: {basis.label}{detail}")
        flips = self.flips
        if flips:
            lines.append("one-level changes that change the verdict:")
            lines.extend(f"  {ch}" for ch in flips)
        else:
            lines.append("no single one-level change changes the verdict")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (levels as strings)."""
        return {
            "technique": self.technique,
            "calibration": self.calibration.name,
            "score": self.score,
            "verdict": self.verdict,
            "standalone": self.standalone,
            "organisation": {b: str(self.organisation.level(b)) for b in BARRIERS},
            "characteristics": {
                c: {"level": str(self.characteristics.level(c)),
                    "basis": self.characteristics.basis[c].label,
                    "detail": self.characteristics.basis[c].detail}
                for c in CHARACTERISTICS},
            "contributions": [
                {"barrier": x.barrier, "characteristic": x.characteristic,
                 "barrier_level": str(x.barrier_level),
                 "characteristic_level": str(x.characteristic_level), "weight": x.weight}
                for x in self.contributions],
            "standalone_contributions": [
                {"characteristic": x.characteristic, "level": str(x.level), "weight": x.weight}
                for x in self.standalone_contributions],
            "pushed_up": [str(x) for x in self.pushed_up()],
            "pushed_down": [str(x) for x in self.pushed_down()],
            "flips": [{"kind": ch.kind, "name": ch.name, "from": str(ch.before),
                       "to": str(ch.after), "direction": ch.direction, "score": ch.score,
                       "verdict": ch.verdict} for ch in self.flips],
        }


def _names() -> list[tuple[Literal["barrier", "characteristic"], str]]:
    return ([("barrier", b) for b in BARRIERS]
            + [("characteristic", c) for c in CHARACTERISTICS])


def advise(organisation: Organisation, characteristics: Characteristics,
           calibration: Calibration | None = None, *,
           standalone: Literal["final", "pre_evaluation"] | None = None,
           technique: str | None = None) -> Advice:
    """Score a technique for an organisation with the sum rule and give the verdict.

    Parameters
    ----------
    organisation : the four barriers (L/M/H, high is good).
    characteristics : the technique's four characteristics (L/M/H) and their basis.
    calibration : matrices and thresholds; None = the published calibration, unchanged.
    standalone : None (default, the published 16-cell score) or ``"final"`` /
        ``"pre_evaluation"``: also add the study's standalone characteristic weights of that
        set. An explicit extension: it changes the score and is shown in the advice.
    technique : an optional name carried into the advice and its reports.

    Examples
    --------
    >>> org = Organisation(perceived_benefits="H", environmental_awareness="H",
    ...                    information="H", resources="H")
    >>> easy = Characteristics(complexity="L", effort="L", disruption="L", energy_reduction="H")
    >>> advise(org, easy).score, advise(org, easy, standalone="final").score
    (40, 45)
    >>> costly = easy.model_copy(update={"energy_increase": "measured +50 %, conclusive"})
    >>> advise(org, costly).verdict, advise(org, costly).overridden
    ('negative', 'measured +50 %, conclusive')
    """
    cal = calibration if calibration is not None else published_calibration()
    if not isinstance(organisation, Organisation):
        raise UnknownKeyError("organisation", organisation, "an assess.Organisation")
    if not isinstance(characteristics, Characteristics):
        raise UnknownKeyError("characteristics", characteristics, "an assess.Characteristics")
    w = _weights(cal)
    s = _standalone_weights(cal, standalone)
    bl = tuple(organisation.level(b) for b in BARRIERS)
    cl = tuple(characteristics.level(c) for c in CHARACTERISTICS)
    contributions = tuple(
        Contribution(b, c, bl[i], cl[j], int(w[i, j, bl[i].rank, cl[j].rank]))
        for i, b in enumerate(BARRIERS) for j, c in enumerate(CHARACTERISTICS))
    extra = tuple(
        StandaloneContribution(standalone, c, cl[j], int(s[j, cl[j].rank]))
        for j, c in enumerate(CHARACTERISTICS)) if standalone is not None else ()
    score = sum(x.weight for x in contributions) + sum(x.weight for x in extra)
    # A conclusive measured energy increase: not an energy reduction, whatever the score
    # (and no one-level change of the ratings can flip that).
    override = characteristics.energy_increase is not None

    def judge(sc: int) -> Verdict:
        return "negative" if override else cal.verdict(sc)

    verdict = judge(score)
    ranks = [lv.rank for lv in bl + cl]
    changes: list[Change] = []
    for k, (kind, name) in enumerate(_names()):
        now = _LEVELS[ranks[k]]
        for direction, step in (("better", better_level), ("worse", worse_level)):
            to = step(name, now)
            if to is None:
                continue
            moved = list(ranks)
            moved[k] = to.rank
            sc = _score(w, s, tuple(moved[:4]), tuple(moved[4:]))
            changes.append(Change(kind, name, now, to, direction,  # type: ignore[arg-type]
                                  score, sc, verdict, judge(sc)))
    return Advice(organisation, characteristics, cal, score, verdict, contributions,
                  standalone, extra, tuple(changes), technique)
