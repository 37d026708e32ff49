"""The techniques' argument validators: exact bounds, NaN, inf, bools and strings refused,
and a message that says what the number is for."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from carbon import InvalidValueError, ModelCarbonError
from compress._checks import count, fraction, half_open_fraction, positive_number

FLOATS = [
    (half_open_fraction, lambda v: 0.0 <= v < 1.0),
    (fraction, lambda v: 0.0 <= v <= 1.0),
    (positive_number, lambda v: v > 0),
]


@pytest.mark.parametrize(("check", "oracle"), FLOATS,
                         ids=[f.__name__ for f, _ in FLOATS])
@given(x=st.floats(allow_nan=True, allow_infinity=True))
@example(x=0.0)
@example(x=1.0)
@example(x=-0.0)
@example(x=float("nan"))
@example(x=float("inf"))
@example(x=5e-324)
@example(x=0.9999999999999999)
def test_bounds_are_exactly_as_documented(check: Any, oracle: Any, x: float) -> None:
    if x == x and abs(x) != float("inf") and oracle(x):
        assert check(x, "field", "what it is") == x
    else:
        with pytest.raises(InvalidValueError) as info:
            check(x, "field", "what it is")
        assert info.value.field == "field" and "what it is" in str(info.value)


@pytest.mark.parametrize("check", [half_open_fraction, fraction, positive_number, count])
@pytest.mark.parametrize("bad", [True, False, "0.5", None, [0.5], b"1"])
def test_not_a_number_is_refused(check: Any, bad: Any) -> None:
    with pytest.raises(InvalidValueError) as info:
        check(bad, "x", "a test value")
    assert info.value.field == "x" and info.value.value is bad
    assert isinstance(info.value, ModelCarbonError)


def test_integers_are_accepted_and_returned_as_floats() -> None:
    assert fraction(1, "alpha", "w") == 1.0 and type(fraction(1, "alpha", "w")) is float
    assert positive_number(4, "temperature", "t") == 4.0


@given(n=st.integers(min_value=-10, max_value=10**6))
def test_count_is_an_integer_at_least_one(n: int) -> None:
    if n >= 1:
        assert count(n, "batch_size", "requests per batch") == n
    else:
        with pytest.raises(InvalidValueError, match="an integer >= 1 \\(requests per batch\\)"):
            count(n, "batch_size", "requests per batch")


def test_count_refuses_a_float_even_when_whole() -> None:
    with pytest.raises(InvalidValueError, match=r"batch_size=2\.0"):
        count(2.0, "batch_size", "requests per batch")


def test_the_message_says_why_one_is_out() -> None:
    with pytest.raises(InvalidValueError) as info:
        half_open_fraction(1.0, "sparsity", "of weights to remove")
    assert str(info.value) == ("sparsity=1.0 is invalid: expected a fraction in [0, 1) of "
                               "weights to remove (0.5 removes half; 1 would remove "
                               "everything)")
