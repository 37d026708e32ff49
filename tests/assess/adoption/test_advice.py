"""advise(): the sum rule against a naive oracle, golden cases, explanations and flips."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assess import (
    BARRIERS,
    CHARACTERISTICS,
    Calibration,
    Characteristics,
    Organisation,
    advise,
    published_calibration,
)
from carbon import UnknownKeyError
from tests.assess.adoption.strategies import characteristics, monotone_calibrations, organisations

GOLDEN = Path(__file__).resolve().parents[3] / "specs" / "golden" / "adoption_cases.yaml"
RAW = published_calibration().to_mapping()
BETTER = {"L": "M", "M": "H"}
WORSE = {"H": "M", "M": "L"}


def oracle(raw: dict[str, Any], org: Organisation, ch: Characteristics) -> int:
    """Naive sum over the raw mapping: matrices[b][c][level(b)][index of level(c)]."""
    total = 0
    for b in BARRIERS:
        for c in CHARACTERISTICS:
            total += raw["matrices"][b][c][getattr(org, b).value]["LMH".index(
                getattr(ch, c).value)]
    return total


def verdict(raw: dict[str, Any], score: int) -> str:
    th = raw["thresholds"]
    return "positive" if score > th["positive_above"] else \
        "negative" if score < th["negative_below"] else "neutral"


def _cases() -> list[dict[str, Any]]:
    return list(yaml.safe_load(GOLDEN.read_text())["cases"])


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c["name"])
def test_golden_cases(case: dict[str, Any]) -> None:
    a = advise(Organisation(**case["organisation"]), Characteristics(**case["characteristics"]))
    assert [c.weight for c in a.contributions] == case["cells"]
    assert (a.score, a.verdict) == (case["score"], case["verdict"])
    if "score_standalone_final" in case:
        s = advise(Organisation(**case["organisation"]),
                   Characteristics(**case["characteristics"]), standalone="final")
        assert s.score == case["score_standalone_final"]


def test_golden_extremes_are_the_score_range() -> None:
    scores = [c["score"] for c in _cases()]
    assert published_calibration().score_range == (min(scores), max(scores))


@settings(max_examples=80)
@given(organisations, characteristics)
@example(Organisation(perceived_benefits="L", environmental_awareness="L", information="L",
                      resources="L"),
         Characteristics(complexity="H", effort="H", disruption="H", energy_reduction="L"))
def test_score_is_sum_of_selected_cells(org: Organisation, ch: Characteristics) -> None:
    a = advise(org, ch)
    assert a.score == oracle(RAW, org, ch)
    assert sum(c.weight for c in a.contributions) == a.score
    assert len(a.contributions) == 16
    assert len({(c.barrier, c.characteristic) for c in a.contributions}) == 16
    assert a.verdict == verdict(RAW, a.score)
    assert not a.standalone_contributions


def _moves(org: Organisation, ch: Characteristics, table: dict[str, str]
           ) -> list[tuple[Organisation, Characteristics, str]]:
    """Each input one level better (BETTER for barriers and energy_reduction, reversed for
    cost characteristics) or worse; naive and independent of the package's helpers."""
    inv = {v: k for k, v in table.items()}
    out = []
    for b in BARRIERS:
        lv = getattr(org, b).value
        if lv in table:
            out.append((org.replace(b, table[lv]), ch, b))
    for c in CHARACTERISTICS:
        lv = getattr(ch, c).value
        step = table if c == "energy_reduction" else inv
        if lv in step:
            out.append((org, ch.replace(c, step[lv]), c))
    return out


@settings(max_examples=40)
@given(monotone_calibrations(), organisations, characteristics)
def test_monotone_calibration_never_drops_on_improvement(raw: dict[str, Any],
                                                         org: Organisation,
                                                         ch: Characteristics) -> None:
    cal = Calibration.from_mapping(raw)
    base = advise(org, ch, cal).score
    assert base == oracle(raw, org, ch)
    for o2, c2, _name in _moves(org, ch, BETTER):
        assert advise(o2, c2, cal).score >= base


def test_published_calibration_total_score_never_drops_despite_cells() -> None:
    """Naive exhaustive oracle: every input, every one-level improvement of every input."""
    cal = published_calibration()
    assert not cal.report.monotone  # cell-level findings exist ...
    drops = 0
    for combo in itertools.product("LMH", repeat=8):
        org = Organisation(**dict(zip(BARRIERS, combo[:4], strict=True)))
        ch = Characteristics(**dict(zip(CHARACTERISTICS, combo[4:], strict=True)))
        base = oracle(RAW, org, ch)
        drops += sum(oracle(RAW, o2, c2) < base for o2, c2, _ in _moves(org, ch, BETTER))
    assert drops == 0  # ... but other cells always compensate in the total score
    assert cal.report.score_monotone


@settings(max_examples=60)
@given(organisations, characteristics)
def test_each_suggested_flip_really_flips_and_none_is_missed(org: Organisation,
                                                             ch: Characteristics) -> None:
    a = advise(org, ch)
    suggested = {(f.name, f.after.value) for f in a.flips}
    for f in a.flips:
        o2 = org.replace(f.name, f.after) if f.kind == "barrier" else org
        c2 = ch.replace(f.name, f.after) if f.kind == "characteristic" else ch
        b = advise(o2, c2)
        assert (b.score, b.verdict) == (f.score, f.verdict)
        assert b.verdict != a.verdict
        assert abs("LMH".index(f.after.value) - "LMH".index(f.before.value)) == 1
    actual = set()
    for table in (BETTER, WORSE):
        for o2, c2, name in _moves(org, ch, table):
            if verdict(RAW, oracle(RAW, o2, c2)) != a.verdict:
                actual.add((name, (o2.level(name) if name in BARRIERS
                                   else c2.level(name)).value))
    assert suggested == actual
    # improvements come first
    dirs = [f.direction for f in a.flips]
    assert dirs == sorted(dirs, key=lambda d: d != "better")


@settings(max_examples=25)
@given(organisations, characteristics, st.sampled_from(["positive", "neutral", "negative"]),
       st.sampled_from([None, "barriers", "characteristics"]))
def test_path_to_is_verified_and_minimal(org: Organisation, ch: Characteristics,
                                         target: str, only: Any) -> None:
    a = advise(org, ch)
    path = a.path_to(target, only=only)  # type: ignore[arg-type]
    up = ["negative", "neutral", "positive"].index(target) > \
        ["negative", "neutral", "positive"].index(a.verdict)
    names = [*BARRIERS, *CHARACTERISTICS]
    ranks = [getattr(org, n).rank for n in BARRIERS] + [getattr(ch, n).rank
                                                        for n in CHARACTERISTICS]
    # naive oracle: the fewest steps over every allowed combination
    best = None
    for combo in itertools.product(range(3), repeat=8):
        if any(c != r and ((only == "barriers" and k >= 4)
                           or (only == "characteristics" and k < 4))
               for k, (c, r) in enumerate(zip(combo, ranks, strict=True))):
            continue
        ok_dir = all(
            c == r or (((c > r) == up) if names[k] not in
                       ("complexity", "effort", "disruption") else ((c < r) == up))
            for k, (c, r) in enumerate(zip(combo, ranks, strict=True)))
        if not ok_dir:
            continue
        o2 = Organisation(**{b: "LMH"[combo[i]] for i, b in enumerate(BARRIERS)})
        c2 = Characteristics(**{c: "LMH"[combo[4 + j]] for j, c in enumerate(CHARACTERISTICS)})
        if verdict(RAW, oracle(RAW, o2, c2)) == target:
            steps = sum(abs(c - r) for c, r in zip(combo, ranks, strict=True))
            best = steps if best is None else min(best, steps)
    if target == a.verdict:
        assert path == ()  # already there: nothing to change
    elif best is None:
        assert path is None  # no allowed combination reaches the target
    else:
        assert path is not None
        assert sum(abs(p.after.rank - p.before.rank) for p in path) == best
        o2, c2 = org, ch
        for p in path:
            if p.kind == "barrier":
                o2 = o2.replace(p.name, p.after)
            else:
                c2 = c2.replace(p.name, p.after)
        assert advise(o2, c2).verdict == target == path[0].verdict


def test_explanation_orders_and_labels() -> None:
    org = Organisation(perceived_benefits="M", environmental_awareness="M", information="L",
                       resources="M")
    ch = Characteristics(complexity="L", effort="L", disruption="L", energy_reduction="M")
    a = advise(org, ch, technique="t")
    ups, downs = a.pushed_up(16), a.pushed_down(16)
    assert [c.weight for c in ups] == sorted((c.weight for c in ups), reverse=True)
    assert [c.weight for c in downs] == sorted(c.weight for c in downs)
    assert all(c.weight > 0 for c in ups) and all(c.weight < 0 for c in downs)
    assert sum(c.weight for c in ups) + sum(c.weight for c in downs) == a.score
    text = a.explain()
    assert "energy_reduction = M: rated" in text and str(a.flips[0]) in text
    d = a.to_dict()
    assert d["score"] == a.score and len(d["contributions"]) == 16 and d["technique"] == "t"


def test_no_single_flip_is_said_so() -> None:
    worst = advise(Organisation(perceived_benefits="L", environmental_awareness="L",
                                information="L", resources="L"),
                   Characteristics(complexity="H", effort="H", disruption="H",
                                   energy_reduction="L"))
    assert worst.flips == ()
    assert "no single one-level change" in worst.explain()
    path = worst.path_to("neutral")
    assert path is not None and len(path) > 1


def test_standalone_is_off_by_default_and_explicit() -> None:
    org = Organisation(perceived_benefits="M", environmental_awareness="M", information="M",
                       resources="M")
    ch = Characteristics(complexity="H", effort="L", disruption="M", energy_reduction="H")
    plain = advise(org, ch)
    for name, expected in (("final", -1 + 2 + 0 + 1), ("pre_evaluation", -1 + 1 - 1 + 1)):
        s = advise(org, ch, standalone=name)  # type: ignore[arg-type]
        assert s.score - plain.score == expected
        assert sum(c.weight for c in s.contributions) + \
            sum(c.weight for c in s.standalone_contributions) == s.score
        assert "standalone" in s.explain()
    with pytest.raises(UnknownKeyError, match="standalone"):
        advise(org, ch, standalone="draft")  # type: ignore[arg-type]


def test_advise_refuses_wrong_types() -> None:
    org = Organisation(perceived_benefits="M", environmental_awareness="M", information="M",
                       resources="M")
    with pytest.raises(UnknownKeyError):
        advise({"perceived_benefits": "M"}, org)  # type: ignore[arg-type]
    ch = Characteristics(complexity="L", effort="L", disruption="L", energy_reduction="L")
    with pytest.raises(UnknownKeyError):
        advise(org, ch).path_to("great")  # type: ignore[arg-type]
    with pytest.raises(UnknownKeyError):
        advise(org, ch).path_to("positive", only="both")  # type: ignore[arg-type]
