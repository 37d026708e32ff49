"""The one exception tree of modelcarbon.

Every error derives from :class:`ModelCarbonError` and from the built-in it behaves like, so
``except ValueError`` in caller code keeps working. Each carries the offending ``field``, its
``value`` and what was ``expected`` (the fix), pickles cleanly, and prints all three.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DataError",
    "InvalidValueError",
    "ModelCarbonError",
    "UnitMismatchError",
    "UnknownKeyError",
]


class ModelCarbonError(Exception):
    """Base of every error raised by modelcarbon.

    >>> err = InvalidValueError("pue", 0.9, "a number >= 1 (1.08 means 8 % overhead)")
    >>> print(err)
    pue=0.9 is invalid: expected a number >= 1 (1.08 means 8 % overhead)
    >>> isinstance(err, ValueError) and isinstance(err, ModelCarbonError)
    True
    """

    def __init__(self, field: str, value: Any, expected: str, message: str | None = None):
        self.field = field
        self.value = value
        self.expected = expected
        self.message = message or f"{field}={value!r} is invalid: expected {expected}"
        super().__init__(field, value, expected, self.message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.value, self.expected, self.message))


class InvalidValueError(ModelCarbonError, ValueError):
    """A value outside its allowed range (negative energy, PUE < 1, a share outside [0, 1], NaN)."""


class UnitMismatchError(ModelCarbonError, TypeError):
    """A quantity of the wrong dimension, or a bare number where a unit is required.

    >>> err = UnitMismatchError.for_units("energy", "3 gram", "kWh")
    >>> print(err)
    energy='3 gram' has the wrong unit: expected a quantity convertible to kWh
    """

    @classmethod
    def for_units(cls, field: str, value: Any, expected_unit: str) -> UnitMismatchError:
        return cls(
            field,
            value,
            f"a quantity convertible to {expected_unit}",
            f"{field}={value!r} has the wrong unit: expected a quantity convertible to "
            f"{expected_unit}",
        )


class UnknownKeyError(ModelCarbonError, LookupError):
    """A name that is not in a shipped table (an unknown country, source, unit or system)."""


class DataError(ModelCarbonError, ValueError):
    """Input data that is structurally wrong (a gap in a time series, a malformed table)."""
