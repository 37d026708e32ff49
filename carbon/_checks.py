"""Small named validators for dimensionless inputs (PUE, shares, counts)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from carbon._errors import InvalidValueError, UnitMismatchError

__all__ = ["at_least", "positive", "unit_interval"]


def _number(value: Any, field: str) -> Any:
    if hasattr(value, "magnitude") and hasattr(value, "units"):
        if not value.dimensionless:
            raise UnitMismatchError.for_units(field, f"{value:~P}", "a dimensionless number")
        value = value.to("").magnitude
    if isinstance(value, bool) or not isinstance(value, (int, float, np.ndarray, np.number)):
        raise InvalidValueError(field, value, "a number")
    if isinstance(value, np.ndarray):
        value = value.astype(np.float64, copy=False)
        if not np.all(np.isfinite(value)):
            raise InvalidValueError(field, value, "finite numbers (no NaN or inf)")
        return value
    v = float(value)
    if not math.isfinite(v):
        raise InvalidValueError(field, value, "a finite number (not NaN or inf)")
    return v


def at_least(value: Any, lower: float, field: str, hint: str = "") -> Any:
    """A finite number (or array) >= ``lower``.

    >>> at_least(0.9, 1.0, "pue")
    Traceback (most recent call last):
    ...
    carbon._errors.InvalidValueError: pue=0.9 is invalid: expected a number >= 1
    """
    v = _number(value, field)
    if np.any(np.asarray(v) < lower):
        raise InvalidValueError(field, value, f"a number >= {lower:g}{hint}")
    return v


def positive(value: Any, field: str) -> Any:
    """A finite number (or array) > 0."""
    v = _number(value, field)
    if np.any(np.asarray(v) <= 0):
        raise InvalidValueError(field, value, "a number > 0")
    return v


def unit_interval(value: Any, field: str, hint: str = "") -> Any:
    """A finite number (or array) in [0, 1]: the one check of a share or a fraction.

    >>> unit_interval(1.5, "share", " (0.5 carries half)")
    Traceback (most recent call last):
    ...
    carbon._errors.InvalidValueError: share=1.5 is invalid: expected a share in [0, 1] (0.5 ...
    """
    v = _number(value, field)
    a = np.asarray(v)
    if np.any(a < 0) or np.any(a > 1):
        raise InvalidValueError(field, value, f"a share in [0, 1]{hint}")
    return v
