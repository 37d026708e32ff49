"""Small named validators for the techniques' arguments (fractions, counts, temperatures)."""

from __future__ import annotations

import math
from typing import Any

from carbon import InvalidValueError, unit_interval

__all__ = ["count", "fraction", "half_open_fraction", "positive_number"]


def _finite(value: Any, field: str, expected: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValueError(field, value, expected)
    v = float(value)
    if not math.isfinite(v):
        raise InvalidValueError(field, value, expected)
    return v


def half_open_fraction(value: Any, field: str, what: str) -> float:
    """A number in [0, 1): e.g. a sparsity (1 would remove every weight).

    >>> half_open_fraction(1.0, "sparsity", "of weights to remove")
    Traceback (most recent call last):
    ...
    carbon._errors.InvalidValueError: sparsity=1.0 is invalid: expected a fraction in [0, 1) ...
    """
    expected = f"a fraction in [0, 1) {what} (0.5 removes half; 1 would remove everything)"
    v = _finite(value, field, expected)
    if not 0.0 <= v < 1.0:
        raise InvalidValueError(field, value, expected)
    return v


def fraction(value: Any, field: str, what: str) -> float:
    """A number in [0, 1] (not a bool): :func:`carbon.unit_interval` with the argument's role.

    >>> fraction(0.25, "alpha", "weight of the soft-target loss")
    0.25
    """
    v = _finite(value, field, f"a fraction in [0, 1] ({what})")
    return float(unit_interval(v, field, f" ({what})"))


def positive_number(value: Any, field: str, what: str) -> float:
    """A finite number > 0.

    >>> positive_number(0, "temperature", "softening of the logits, e.g. 4")
    Traceback (most recent call last):
    ...
    carbon._errors.InvalidValueError: temperature=0 is invalid: expected a number > 0 ...
    """
    expected = f"a number > 0 ({what})"
    v = _finite(value, field, expected)
    if v <= 0:
        raise InvalidValueError(field, value, expected)
    return v


def count(value: Any, field: str, what: str) -> int:
    """An integer >= 1.

    >>> count(32, "batch_size", "requests per batch")
    32
    """
    expected = f"an integer >= 1 ({what})"
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValueError(field, value, expected)
    return value
