"""Errors of the lineage package, in the modelcarbon exception tree.

Each names the field, the value and the fix, pickles cleanly and behaves like the built-in
it subclasses (``except ValueError`` still works).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carbon import DataError, InvalidValueError, UnknownKeyError

if TYPE_CHECKING:
    from lineage._validate import ValidationReport

__all__ = [
    "InvalidGraphError",
    "LedgerError",
    "SchemaVersionError",
    "UnknownProductError",
]


class UnknownProductError(UnknownKeyError):
    """A product id that is not in the graph (or the ledger).

    >>> print(UnknownProductError("product", "bert", "the id of a product added to the graph"))
    product='bert' is invalid: expected the id of a product added to the graph
    """


class InvalidGraphError(InvalidValueError):
    """The graph breaks a rule (cycle, missing node, out-shares above 1, share outside [0, 1]).

    ``report`` holds the whole :class:`lineage.ValidationReport` (``None`` after unpickling).
    """

    def __init__(self, field: str, value: Any, expected: str, message: str | None = None,
                 report: ValidationReport | None = None):
        super().__init__(field, value, expected, message)
        self.report = report


class LedgerError(DataError):
    """The ledger cannot do what was asked (a database error, a missing row, bad content)."""


class SchemaVersionError(LedgerError):
    """The ledger's schema is newer than this code knows (upgrade modelcarbon to open it)."""
