"""The small validators for dimensionless inputs: bounds, NaN and inf, bools and strings
refused, dimensionless quantities read as numbers, arrays checked element-wise."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from carbon import Q_, InvalidValueError, UnitMismatchError
from carbon._checks import at_least, positive, unit_interval

VALIDATORS = [
    lambda v: at_least(v, 1.0, "x"),
    lambda v: positive(v, "x"),
    lambda v: unit_interval(v, "x"),
]


@pytest.mark.parametrize("check", VALIDATORS)
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), True, "0.5", None,
                                 [0.5], np.array([0.5, np.nan])])
def test_every_validator_refuses_what_is_not_a_finite_number(check: Any, bad: Any) -> None:
    with pytest.raises(InvalidValueError) as info:
        check(bad)
    assert info.value.field == "x"


@pytest.mark.parametrize("check", VALIDATORS)
def test_a_dimensioned_quantity_is_a_unit_error(check: Any) -> None:
    with pytest.raises(UnitMismatchError, match="dimensionless"):
        check(Q_(0.5, "kWh"))


def test_a_dimensionless_quantity_is_its_number() -> None:
    assert unit_interval(Q_(25, "percent"), "fraction") == pytest.approx(0.25)
    assert at_least(Q_(108, "percent"), 1.0, "pue") == pytest.approx(1.08)


@given(x=st.floats(allow_nan=False, allow_infinity=False))
@example(x=0.0)
@example(x=1.0)
@example(x=-0.0)
@example(x=5e-324)
def test_bounds_are_exactly_as_named(x: float) -> None:
    def ok(check: Any) -> bool:
        try:
            assert check(x) == x
        except InvalidValueError:
            return False
        return True

    assert ok(lambda v: at_least(v, 1.0, "x")) == (x >= 1.0)
    assert ok(lambda v: positive(v, "x")) == (x > 0)
    assert ok(lambda v: unit_interval(v, "x")) == (0.0 <= x <= 1.0)


def test_integers_and_numpy_scalars_become_floats() -> None:
    for v in (3, np.int64(3), np.float32(3.0)):
        got = at_least(v, 1.0, "n")
        assert type(got) is float and got == 3.0


def test_arrays_are_checked_element_wise_and_returned_as_float64() -> None:
    got = unit_interval(np.array([0, 1], dtype=np.int32), "share")
    assert got.dtype == np.float64 and list(got) == [0.0, 1.0]
    with pytest.raises(InvalidValueError, match="a share in"):
        unit_interval(np.array([0.5, 1.5]), "share")
    with pytest.raises(InvalidValueError, match="> 0"):
        positive(np.array([1.0, 0.0]), "requests")


def test_the_hint_follows_the_bound_in_the_message() -> None:
    with pytest.raises(InvalidValueError) as info:
        at_least(0.9, 1.0, "pue", " (1.08 means 8 % overhead)")
    assert str(info.value) == "pue=0.9 is invalid: expected a number >= 1 (1.08 means 8 % overhead)"
