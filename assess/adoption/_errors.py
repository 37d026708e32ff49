"""Errors of the assess package, in the one modelcarbon exception tree.

Each names the field, the value and the fix, like every modelcarbon error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from carbon import DataError

if TYPE_CHECKING:
    from assess.adoption._calibration_check import CalibrationFinding

__all__ = ["CalibrationError"]


class CalibrationError(DataError):
    """A calibration that cannot be used: every blocking finding is listed, not only the first.

    ``findings`` holds the validator's findings (see :func:`assess.validate_calibration`).

    >>> err = CalibrationError("calibration", "mine.yaml", "a complete calibration")
    >>> isinstance(err, ValueError)
    True
    """

    def __init__(
        self,
        field: str,
        value: Any,
        expected: str,
        message: str | None = None,
        findings: Sequence[CalibrationFinding] = (),
    ):
        super().__init__(field, value, expected, message)
        self.findings = tuple(findings)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.field, self.value, self.expected, self.message,
                             self.findings))
