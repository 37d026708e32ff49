"""Column headers that carry their unit: ``name [unit]``, parsed in one place.

Every table of modelcarbon (``carbon.asc_e_frame``, the hourly grid, request logs, device
tables) names a physical column with its unit in brackets, ``"energy [kJ]"``; a
dimensionless column has no brackets, ``"pue"``. The header is parsed once per column and the
unit turned into one conversion factor to the canonical unit (pint, cached per unit).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from carbon._errors import UnitMismatchError
from carbon._units import Q_

__all__ = ["column_factor", "columns_named", "parse_header"]

_HEAD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(.+)\])?\s*$")


def parse_header(col: object) -> tuple[str | None, str | None]:
    """``(name, unit)`` of a header ``name [unit]``; unit None without brackets, and
    ``(None, None)`` for a header of another form.

    >>> parse_header("energy [kJ]"), parse_header(" pue "), parse_header("2 kJ")
    (('energy', 'kJ'), ('pue', None), (None, None))
    """
    m = _HEAD.match(str(col))
    return (m.group(1), m.group(2)) if m else (None, None)


def columns_named(columns: Iterable[object], name: str) -> list[str]:
    """The headers among ``columns`` whose name (unit aside) is ``name``.

    >>> columns_named(["start", "duration [ms]", "energy [J]"], "duration")
    ['duration [ms]']
    """
    return [str(c) for c in columns if parse_header(c)[0] == name]


@lru_cache(maxsize=256)
def _factor(unit: str, canonical: str) -> float:
    return float(Q_(1.0, unit).m_as(canonical))


def column_factor(col: str, canonical: str, *, field: str | None = None) -> float:
    """Factor from the unit in the header ``col`` to ``canonical`` (computed once per unit).

    A header without a unit, or with one not convertible to ``canonical``, is a
    :class:`carbon.UnitMismatchError` naming ``field`` (default: ``column '<col>'``).

    >>> column_factor("duration [min]", "s")
    60.0
    >>> column_factor("duration", "s")
    Traceback (most recent call last):
    ...
    carbon._errors.UnitMismatchError: column 'duration'='duration' has the wrong unit: ...
    """
    name, unit = parse_header(col)
    where = f"column {col!r}" if field is None else field
    if unit is None:
        raise UnitMismatchError.for_units(where, col, f"{canonical} (name it "
                                          f"'{name or col} [{canonical}]')")
    try:
        return _factor(unit, canonical)
    except Exception as e:  # pint raises several types for bad unit strings
        raise UnitMismatchError.for_units(where, unit, canonical) from e
