"""The statistics of comparisons: against scipy called directly, and naive oracles."""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from carbon import Q_, InvalidValueError, UnitMismatchError
from measure import (
    cv,
    eta_squared_h,
    groups,
    ratio_interval,
    two_sample_test,
    widen_ratio_interval,
)
from measure._stats import rng_kw


def _rng(seed: int) -> dict[str, Any]:
    return rng_kw(seed)


def _naive_h(samples: list[list[float]]) -> float:
    """Kruskal-Wallis H from its definition (no ties): 12/(n(n+1)) sum R_i^2/n_i - 3(n+1)."""
    every = sorted(v for s in samples for v in s)
    rank = {v: i + 1 for i, v in enumerate(every)}
    n = len(every)
    return 12.0 / (n * (n + 1)) * sum(sum(rank[v] for v in s) ** 2 / len(s)
                                      for s in samples) - 3.0 * (n + 1)


# --- cv ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("values", [[1.0, 2.0, 3.0], [10.0, 10.0], [0.5, 7.0, 2.25, 1e-3]])
def test_cv_against_scipy_and_naive(values: list[float]) -> None:
    assert cv(values) == pytest.approx(stats.variation(values, ddof=1))
    assert cv(values) == pytest.approx(statistics.stdev(values) / statistics.mean(values))


@pytest.mark.parametrize("values", [[], [1.0], [0.0, 0.0], [-1.0, 1.0], [1.0, math.nan],
                                    [1.0, math.inf], [[1.0, 2.0]], ["a", "b"]])
def test_cv_refuses(values: object) -> None:
    with pytest.raises(InvalidValueError, match="values"):
        cv(values)  # type: ignore[arg-type]


# --- ratio interval ------------------------------------------------------------------------------
A = [10.0, 11.0, 9.5, 10.2, 10.8, 9.9]
B = [20.5, 21.0, 19.0, 20.9, 22.0, 19.4]


@pytest.mark.parametrize("paired", [True, False])
@pytest.mark.parametrize("method", ["BCa", "percentile", "basic"])
def test_ratio_interval_is_scipy_bootstrap(paired: bool, method: str) -> None:
    r = ratio_interval(A, B, paired=paired, method=method, seed=7,  # type: ignore[arg-type]
                       n_resamples=999, level=0.9)
    ref = stats.bootstrap((np.array(A), np.array(B)),
                          lambda x, y, axis=-1: np.mean(y, axis=axis) / np.mean(x, axis=axis),
                          paired=paired, vectorized=True, n_resamples=999, method=method,
                          confidence_level=0.9, **_rng(7))
    assert r.ratio == pytest.approx(sum(B) / sum(A))
    assert (r.low, r.high) == pytest.approx((ref.confidence_interval.low,
                                             ref.confidence_interval.high))
    assert r.method.startswith("paired" if paired else "independent") and method in r.method
    assert r.rel_half_width == pytest.approx((r.high - r.low) / 2 / r.ratio)


def test_ratio_interval_without_spread_is_the_point() -> None:
    r = ratio_interval([5.0] * 4, [7.5] * 4)
    assert (r.ratio, r.low, r.high) == (1.5, 1.5, 1.5)
    assert "percentile (BCa undefined" in r.method and r.rel_half_width == 0.0


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"baseline": [1.0]}, "baseline"),
    ({"baseline": [0.0, 0.0]}, "baseline"),
    ({"candidate": [1.0, 2.0, 3.0]}, "candidate"),  # unpaired lengths
    ({"level": 1.0}, "level"),
    ({"level": 0.0}, "level"),
    ({"n_resamples": 10}, "n_resamples"),
    ({"baseline": [1.0, math.nan]}, "baseline"),
])
def test_ratio_interval_refuses(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"baseline": [1.0, 2.0], "candidate": [2.0, 4.0], **kwargs}
    with pytest.raises(InvalidValueError) as info:
        ratio_interval(**args)  # type: ignore[arg-type]
    assert info.value.field == field


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.5, 2.0), min_size=4, max_size=12),
       st.floats(0.1, 10.0), st.integers(0, 2**16))
@example([1.0, 1.1, 0.9, 1.05], 2.0, 0)
@example([1.7844661082773237, 1.7844661082773237, 1.4124869503726598, 1.5], 1.5, 0)  # ties
def test_ratio_interval_scales_with_the_candidate(noise: list[float], scale: float,
                                                  seed: int) -> None:
    """Multiplying the candidate by c multiplies the ratio and both percentile bounds by c
    (the same resamples are drawn; the ratio of means is equivariant). BCa is left out: its
    bias correction counts resamples *below* the estimate, and ties with it (repeated values)
    fall either way after rounding."""
    base = [1.0 + 0.1 * math.sin(i) for i in range(len(noise))]
    kw = {"seed": seed, "n_resamples": 199, "method": "percentile"}
    r1 = ratio_interval(base, noise, **kw)  # type: ignore[arg-type]
    r2 = ratio_interval(base, [scale * x for x in noise], **kw)  # type: ignore[arg-type]
    assert r2.ratio == pytest.approx(scale * r1.ratio)
    assert (r2.low, r2.high) == pytest.approx((scale * r1.low, scale * r1.high), rel=1e-6)


# --- two-sample tests ----------------------------------------------------------------------------
def test_mann_whitney_is_scipy() -> None:
    t = two_sample_test(A, B)
    ref = stats.mannwhitneyu(A, B, alternative="two-sided")
    assert (t.name, t.statistic, t.p_value) == ("Mann-Whitney", ref.statistic, ref.pvalue)
    ties = two_sample_test([3.0, 3.0, 4.0, 4.0], [3.0, 4.0, 4.0, 5.0])
    assert ties.p_value == stats.mannwhitneyu([3.0, 3.0, 4.0, 4.0], [3.0, 4.0, 4.0, 5.0],
                                              alternative="two-sided").pvalue


def test_paired_permutation_is_scipy() -> None:
    t = two_sample_test(A, B, test="permutation", seed=3, n_resamples=999)
    ref = stats.permutation_test(
        (np.array(A), np.array(B)),
        lambda x, y, axis=-1: np.log(np.mean(y, axis=axis) / np.mean(x, axis=axis)),
        permutation_type="samples", vectorized=True, n_resamples=999, **_rng(3))
    assert t.name == "paired permutation"
    assert (t.statistic, t.p_value) == pytest.approx((ref.statistic, ref.pvalue))
    # 6 pairs: every one of the 2^6 sign patterns is enumerated; only the two extremes are
    # as far from 0 as the data
    assert t.p_value == pytest.approx(2 / 64)


def test_two_sample_test_refuses() -> None:
    with pytest.raises(InvalidValueError, match="test"):
        two_sample_test(A, B, test="t-test")  # type: ignore[arg-type]
    with pytest.raises(InvalidValueError, match="candidate"):
        two_sample_test(A, B[:3], test="permutation")
    with pytest.raises(InvalidValueError, match="baseline"):
        two_sample_test([1.0], B)


# --- eta squared and groups ----------------------------------------------------------------------
@pytest.mark.parametrize(("h", "k", "n", "expected"), [
    (12.0, 3, 30, (12.0 - 2) / 27),
    (0.0, 2, 10, -1 / 8),  # H below k - 1: slightly negative, not clipped
    (9.0, 4, 44, 6.0 / 40),
])
def test_eta_squared_golden(h: float, k: int, n: int, expected: float) -> None:
    assert eta_squared_h(h, k, n) == pytest.approx(expected)


@pytest.mark.parametrize(("args", "field"), [
    ((1.0, 1, 10), "k"), ((1.0, 3, 3), "n"), ((-1.0, 3, 10), "h"), ((math.nan, 3, 10), "h"),
    ((1.0, 2.0, 10), "k"),
])
def test_eta_squared_refuses(args: tuple[float, int, int], field: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        eta_squared_h(*args)
    assert info.value.field == field


_GROUPS = st.lists(st.lists(st.floats(0.0, 100.0, allow_nan=False), min_size=3, max_size=9),
                   min_size=2, max_size=5)


@settings(max_examples=40, deadline=None)
@given(_GROUPS)
@example([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
@example([[1.0, 5.0, 9.0], [2.0, 6.0, 10.0], [3.0, 7.0, 11.0]])
def test_groups_against_scipy_and_naive(samples: list[list[float]]) -> None:
    every = [v for s in samples for v in s]
    if len(set(every)) < len(every):  # the naive H has no tie correction
        samples = [[v + 1e-3 * (i * 10 + j) for j, v in enumerate(s)]
                   for i, s in enumerate(samples)]
        every = [v for s in samples for v in s]
        if len(set(every)) < len(every):
            return
    g = groups({f"g{i}": s for i, s in enumerate(samples)})
    ref = stats.kruskal(*samples)
    assert g.h == pytest.approx(ref.statistic) and g.p_value == pytest.approx(ref.pvalue)
    k, n = len(samples), len(every)
    assert g.h == pytest.approx(_naive_h(samples), abs=1e-9)
    assert g.eta_squared == pytest.approx((_naive_h(samples) - k + 1) / (n - k), abs=1e-9)
    assert g.conclusive == (ref.pvalue < 0.05)
    for s, gs in zip(samples, g.groups, strict=True):
        assert gs.n == len(s)
        assert gs.mean.m_as("J") == pytest.approx(statistics.mean(s))
        assert gs.median.m_as("J") == pytest.approx(statistics.median(s))
        if statistics.mean(s) > 0:
            assert gs.cv == pytest.approx(statistics.stdev(s) / statistics.mean(s))
        w, p = stats.shapiro(s)
        assert (gs.shapiro_w, gs.shapiro_p) == pytest.approx((w, p))


def test_groups_with_quantities_short_and_flat_groups() -> None:
    g = groups({"a": [Q_(1.0, "kJ"), Q_(1.2, "kJ")], "b": [Q_(5.0, "J")] * 3,
                "c": ["3 kJ", "3.1 kJ", "2.9 kJ"]})
    a, b, _ = g.groups
    assert a.mean.m_as("J") == pytest.approx(1100.0) and a.shapiro_w is None
    assert a.shapiro_note == "fewer than 3 values"
    assert b.cv == 0.0 and b.shapiro_note == "all values equal"
    assert g.samples["a"][0] == Q_(1000.0, "J")
    text = g.summary()
    assert "Kruskal-Wallis H=" in text and "eta²=" in text and "a: n=2" in text
    assert "Shapiro-Wilk: fewer than 3 values" in text


@pytest.mark.parametrize(("samples", "err", "field"), [
    ({"a": [1.0, 2.0]}, InvalidValueError, "samples"),
    ({"a": [1.0, 1.0], "b": [1.0, 1.0]}, InvalidValueError, "samples"),  # every value ties
    ({"a": [1.0], "b": [2.0]}, InvalidValueError, "samples"),  # n <= k
    ({"a": [1.0, 2.0], "b": [Q_(2.0, "s")]}, UnitMismatchError, "samples['b']"),
    ({"a": [1.0, math.nan], "b": [2.0, 3.0]}, InvalidValueError, "samples['a']"),
])
def test_groups_refuses(samples: dict[str, list[object]], err: type[Exception],
                        field: str) -> None:
    with pytest.raises(err) as info:
        groups(samples)
    assert info.value.field == field  # type: ignore[attr-defined]
    with pytest.raises(InvalidValueError, match="level"):
        groups({"a": [1.0, 2.0], "b": [3.0, 4.0]}, level=95)


# --- widen_ratio_interval -------------------------------------------------------------------------
def _naive_widen(r: float, lo: float, hi: float, sd: float, level: float) -> tuple[float, float]:
    """The same sum in quadrature on the log scale, written out from the GUM's rule."""
    z = stats.norm.ppf((1 + level) / 2)
    lo_half = math.log(r) - math.log(lo)
    hi_half = math.log(hi) - math.log(r)
    return (math.exp(math.log(r) - math.hypot(lo_half, z * sd)),
            math.exp(math.log(r) + math.hypot(hi_half, z * sd)))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.05, 20.0), st.floats(0.0, 0.5), st.floats(0.0, 0.5), st.floats(0.0, 1.0),
       st.floats(0.5, 0.999))
@example(1.0, 0.0, 0.0, 0.1, 0.95)  # a one-point interval gains exactly z * sd each side
@example(0.66, 0.03, 0.03, 0.0, 0.99)  # sd = 0: unchanged
def test_widening_against_the_naive_rule(r: float, down: float, up: float, sd: float,
                                         level: float) -> None:
    lo, hi = r * math.exp(-down), r * math.exp(up)
    got = widen_ratio_interval(r, lo, hi, between_runs_sd=sd, level=level)
    want = _naive_widen(r, lo, hi, sd, level)
    assert got == pytest.approx(want, rel=1e-12)
    assert got[0] <= lo * (1 + 1e-12) and got[1] >= hi * (1 - 1e-12)  # never narrower
    bigger = widen_ratio_interval(r, lo, hi, between_runs_sd=sd + 0.1, level=level)
    assert bigger[0] < got[0] and bigger[1] > got[1]  # monotone in the SD


@pytest.mark.parametrize(("args", "field"), [
    ((1.0, 0.9, 1.1, -0.1, 0.95), "between_runs_sd"),
    ((1.0, 0.9, 1.1, math.inf, 0.95), "between_runs_sd"),
    ((1.0, 1.1, 1.2, 0.1, 0.95), "ci"),
    ((1.0, 0.0, 1.2, 0.1, 0.95), "ci"),
    ((1.0, 0.9, 1.1, 0.1, 1.0), "level"),
])
def test_widening_refuses_bad_input(args: tuple[float, ...], field: str) -> None:
    r, lo, hi, sd, level = args
    with pytest.raises(InvalidValueError) as info:
        widen_ratio_interval(r, lo, hi, between_runs_sd=sd, level=level)
    assert info.value.field == field
