"""The one pint registry of modelcarbon, and the conversions at its edges.

Carbon is its own dimension (``[carbon]``): ``gCO2e``, ``kgCO2e``, ``tCO2e``. Adding a gram of
CO2e to a gram of anything else raises a dimensionality error. A ``year`` is 365 days in this
registry (every amortisation in specs/metrics.md uses 365-day years); pass ``julian_year``
(365.25 days) or any other duration to amortise differently.

>>> (Q_(1, "kgCO2e") + Q_(1, "gCO2e")).to("gCO2e")
<Quantity(1001.0, 'gram_CO2e')>
>>> Q_(1.0, "year").to("day").magnitude
365.0
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import numpy as np
import pint

from carbon._errors import InvalidValueError, UnitMismatchError

__all__ = [
    "CANONICAL",
    "Q_",
    "Quantity",
    "magnitude",
    "quantity",
    "ureg",
]

ureg: pint.UnitRegistry = pint.UnitRegistry(  # type: ignore[type-arg]
    on_redefinition="ignore", cache_folder=None
)
# specs/metrics.md: "A year is 365 days in every amortisation here". pint's default year is the
# Julian year (365.25 d); it stays available as ``julian_year``.
ureg.define("julian_year = 365.25 * day")
ureg.define("year = 365 * day = a = yr")
ureg.define("month = year / 12")
ureg.load_definitions(str(resources.files("carbon") / "_data" / "units.txt"))
ureg.formatter.default_format = "~P"
pint.set_application_registry(ureg)  # type: ignore[no-untyped-call]

Q_ = ureg.Quantity
Quantity = pint.Quantity

#: The canonical unit of each kind of amount: every fast path computes on magnitudes in these.
CANONICAL: dict[str, str] = {
    "energy": "kWh",
    "carbon": "gCO2e",
    "intensity": "gCO2e/kWh",
    "time": "s",
    "rate": "gCO2e/s",
    "power": "W",
}

_UNIT_CACHE: dict[str, Any] = {}


def _unit(name: str) -> Any:
    unit = _UNIT_CACHE.get(name)
    if unit is None:
        unit = _UNIT_CACHE[name] = ureg.Unit(name)
    return unit


def magnitude(value: Any, unit: str, field: str, *, allow_negative: bool = False) -> Any:
    """Strip the unit of ``value`` once, at the edge, returning its magnitude in ``unit``.

    A bare number, a string that is not a quantity, or a quantity of another dimension is an
    error naming ``field`` and the expected unit; NaN, inf and negative amounts are refused.

    >>> magnitude(Q_(3.6, "MJ"), "kWh", "energy")
    1.0
    >>> magnitude(3.6, "kWh", "energy")
    Traceback (most recent call last):
    ...
    carbon._errors.UnitMismatchError: energy=3.6 has the wrong unit: expected a ... to kWh
    """
    if isinstance(value, str):
        try:
            value = Q_(value)
        except Exception as e:  # pint's parser raises many unrelated types (TokenError, ...)
            raise UnitMismatchError.for_units(field, value, unit) from e
    if not isinstance(value, pint.Quantity):
        raise UnitMismatchError.for_units(field, value, unit)
    target = _unit(unit)
    try:
        m = value.magnitude if value.units == target else value.m_as(target)
    except pint.DimensionalityError as e:
        raise UnitMismatchError.for_units(field, f"{value:~P}", unit) from e
    if isinstance(m, np.ndarray):
        if not np.all(np.isfinite(m)):
            raise InvalidValueError(field, value, "finite numbers (no NaN or inf)")
        if not allow_negative and np.any(m < 0):
            raise InvalidValueError(field, value, "amounts >= 0")
        return m
    m = float(m)
    if not math.isfinite(m):
        raise InvalidValueError(field, value, "a finite number (not NaN or inf)")
    if not allow_negative and m < 0:
        raise InvalidValueError(field, value, "an amount >= 0")
    return m


def quantity(value: Any, unit: str) -> Any:
    """Attach ``unit`` to a magnitude (float or array) computed in a fast path.

    >>> quantity(2.5, "gCO2e")
    <Quantity(2.5, 'gram_CO2e')>
    """
    return Q_(value, _unit(unit))
