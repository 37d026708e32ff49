"""Errors of the lineage package, in the modelcarbon exception tree.

Each names the field, the value and the fix, pickles cleanly and behaves like the built-in
it subclasses (``except ValueError`` still works). This module imports nothing of lineage:
the validation report an :class:`InvalidGraphError` carries is built in
:mod:`lineage._validate`, which imports this module (never the reverse).
"""

from __future__ import annotations

from typing import Any

from carbon import DataError, InvalidValueError, UnknownKeyError

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

    ``report`` holds the whole :class:`lineage.ValidationReport` (``None`` after unpickling,
    or when raised without one).

    >>> print(InvalidGraphError("edges", "a -> b -> a", "an acyclic lineage"))
    edges='a -> b -> a' is invalid: expected an acyclic lineage
    """

    def __init__(self, field: str, value: Any, expected: str, message: str | None = None,
                 report: Any = None):
        super().__init__(field, value, expected, message)
        self.report = report


class LedgerError(DataError):
    """The ledger cannot do what was asked (a database error, a missing row, bad content)."""


class SchemaVersionError(LedgerError):
    """The ledger's schema is newer than this code knows (upgrade modelcarbon to open it)."""
