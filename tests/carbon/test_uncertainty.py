"""Uncertainty and its propagation rule: root-sum-square against a naive oracle, unknown
stays unknown with its reasons, linear in a weight, edge cases (zero, tiny, huge)."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from carbon import InvalidValueError, Uncertainty, combine, root_sum_square

_g = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(us=st.lists(_g, max_size=20))
@example(us=[3.0, 4.0])
@example(us=[1e-200, 1e-200])  # squares underflow in a naive sum; hypot does not
def test_combine_is_the_root_sum_square(us: list[float]) -> None:
    oracle = math.sqrt(math.fsum(u * u for u in us)) if all(u > 1e-150 for u in us) else None
    got = combine(Uncertainty.known(u) for u in us).g
    assert got is not None
    if oracle is not None:
        assert got == pytest.approx(oracle, rel=1e-12, abs=1e-300)
    assert got >= max(us, default=0.0) and got <= math.fsum(us) * (1 + 1e-12) + 1e-300


@given(us=st.lists(_g, max_size=5), at=st.integers(min_value=0, max_value=5))
def test_one_unknown_term_makes_the_sum_unknown(us: list[float], at: int) -> None:
    parts = [Uncertainty.known(u) for u in us]
    parts.insert(min(at, len(parts)), Uncertainty.missing("grid intensity: no range"))
    out = combine(parts)
    assert out.g is None and out.quantity is None
    assert out.unknown == ("grid intensity: no range",)


def test_reasons_are_kept_once_in_order() -> None:
    out = combine([Uncertainty.missing("a"), Uncertainty.missing("b"), Uncertainty.missing("a")])
    assert out.unknown == ("a", "b") and out.reason == "a; b"


@given(u=_g, w=st.floats(min_value=-1e6, max_value=1e6))
def test_scaled_is_linear_in_the_weight(u: float, w: float) -> None:
    assert Uncertainty.known(u).scaled(w).g == pytest.approx(abs(w) * u, rel=1e-12)
    assert Uncertainty.missing("x").scaled(w).g is None


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_a_negative_or_non_finite_uncertainty_is_refused(bad: float) -> None:
    with pytest.raises(InvalidValueError, match="uncertainty >= 0"):
        Uncertainty.known(bad)


def test_unknown_needs_a_reason() -> None:
    with pytest.raises(InvalidValueError, match="reason"):
        Uncertainty(None)


def test_empty_sum_and_root_sum_square() -> None:
    assert combine([]).g == 0.0 and root_sum_square([5.0]) == 5.0
    assert Uncertainty.known(2.0).quantity.m_as("gCO2e") == 2.0
