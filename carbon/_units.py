"""The one pint registry of modelcarbon, and the conversions at its edges.

Carbon is its own dimension (``[carbon]``): ``gCO2e``, ``kgCO2e``, ``tCO2e``. Adding a gram of
CO2e to a gram of anything else raises a dimensionality error. A ``year`` is 365 days in this
registry (every amortisation in specs/metrics.md uses 365-day years); pass ``julian_year``
(365.25 days) or any other duration to amortise differently.

Importing ``carbon`` leaves pint's application registry alone (a user's own ``year`` stays
365.25 days); :func:`use_as_application_registry` makes ``ureg`` the application registry
on request. A quantity of another registry (a user's ``pint.UnitRegistry()``) is accepted
wherever carbon takes one: it is converted by what its units mean in its own registry (to
root units there, then into ``ureg``), so a user's ``1 year`` is 365.25 days here too. Quantities
of ``ureg`` pickle back into ``ureg`` (pint's default unpickles into the application registry).

pint keeps its parsed definition files in modelcarbon's user cache folder (``~/.cache/modelcarbon/
pint`` on Linux, keyed by the files' content and pint's version): building the registry from
them takes a fifth of the time. Where that folder cannot be written, or a cached file cannot be
read, the registry is built without the cache: the same registry, only slower to make.

>>> (Q_(1, "kgCO2e") + Q_(1, "gCO2e")).to("gCO2e")
<Quantity(1001.0, 'gram_CO2e')>
>>> Q_(1.0, "year").to("day").magnitude
365.0
"""

from __future__ import annotations

import contextlib
import math
import os
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pint

from carbon._errors import InvalidValueError, UnitMismatchError

__all__ = [
    "CANONICAL",
    "Q_",
    "Quantity",
    "adopt",
    "cache_folder",
    "magnitude",
    "quantity",
    "short",
    "shown",
    "ureg",
    "use_as_application_registry",
]



def cache_folder() -> Path | None:
    """The folder pint caches parsed definition files in, or None where it cannot write one.

    >>> folder = cache_folder()
    >>> folder is None or folder.name == "pint"
    True
    """
    import platformdirs

    folder = platformdirs.user_cache_path("modelcarbon", appauthor=False) / "pint"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only home, a file in the way
        return None
    return folder if os.access(folder, os.W_OK | os.X_OK) else None


def _registry(cache: Path | None) -> pint.UnitRegistry:  # type: ignore[type-arg]
    registry: pint.UnitRegistry = pint.UnitRegistry(  # type: ignore[type-arg]
        on_redefinition="ignore", cache_folder=cache
    )
    # specs/metrics.md: "A year is 365 days in every amortisation here". pint's default year is
    # the Julian year (365.25 d); it stays available as ``julian_year``.
    registry.define("julian_year = 365.25 * day")
    registry.define("year = 365 * day = a = yr")
    registry.define("month = year / 12")
    registry.load_definitions(str(resources.files("carbon") / "_data" / "units.txt"))
    registry.formatter.default_format = "~P"
    return registry


def _build() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """The registry, from pint's cache where it can be used, else parsed afresh."""
    cache = cache_folder()
    if cache is not None:
        # a cached file half-written by another process, a full disk, ...: the cache only
        # saves time, and the registry is built without it
        with contextlib.suppress(Exception):
            return _registry(cache)
    return _registry(None)


ureg: pint.UnitRegistry = _build()  # type: ignore[type-arg]

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


def _unpickle_quantity(value: Any, units: Any) -> Any:
    return Q_(value, units)


def _unpickle_unit(units: Any) -> Any:
    return ureg.Unit(units)


# pint's own __reduce__ unpickles into the application registry, which is no longer ours:
# ureg's classes (built for this registry only) unpickle into ureg.
def _reduce_quantity(self: Any) -> tuple[Any, tuple[Any, Any]]:
    return _unpickle_quantity, (self._magnitude, self._units)


def _reduce_unit(self: Any) -> tuple[Any, tuple[Any]]:
    return _unpickle_unit, (self._units,)


setattr(ureg.Quantity, "__reduce__", _reduce_quantity)  # noqa: B010 - mypy forbids the assignment
setattr(ureg.Unit, "__reduce__", _reduce_unit)  # noqa: B010


def use_as_application_registry() -> None:
    """Make ``ureg`` pint's application registry (opt-in; importing carbon does not).

    Afterwards ``pint.Quantity(1, "gCO2e")`` and libraries that use the application registry
    (pint-pandas, pickles of other registries' quantities) speak carbon's units, and a
    ``year`` there is 365 days.
    """
    pint.set_application_registry(ureg)  # type: ignore[no-untyped-call]


def adopt(value: Any) -> Any:
    """``value`` as a quantity of ``ureg``; one of another pint registry is converted.

    The conversion happens in ``value``'s own registry, to its root units (metre, second,
    kilogram, ...), which are then read in ``ureg``: a quantity keeps what it meant where it
    was made. Units ``ureg`` does not know by name are an error.

    >>> import pint
    >>> theirs = pint.UnitRegistry()
    >>> adopt(theirs.Quantity(1, "year")).to("day")
    <Quantity(365.25, 'day')>
    """
    if not isinstance(value, pint.Quantity) or value._REGISTRY is ureg:
        return value
    # pint raises many types; a unit without root units keeps its names
    with contextlib.suppress(Exception):
        value = value.to_root_units()
    names = " * ".join(f"{name} ** {power!r}" for name, power in value._units.items())
    try:
        return Q_(value.magnitude, ureg.Unit(names or "dimensionless"))
    except Exception as e:  # pint raises many types (UndefinedUnitError, ValueError, ...)
        raise UnitMismatchError.for_units("value", f"{value}", "units known to carbon") from e


def _unit(name: str) -> Any:
    unit = _UNIT_CACHE.get(name)
    if unit is None:
        unit = _UNIT_CACHE[name] = ureg.Unit(name)
    return unit


def short(value: Any, limit: int = 60) -> str:
    """``value`` as a user reads it in an error: a number or ``"3 kWh"``, never an object dump
    (``np.float64(0.7)`` is ``0.7``; a quantity is ``"3.0 kWh"``), cut at ``limit`` characters.

    >>> short(Q_(3.0, "kWh")), short(np.float64(0.7)), short("x" * 100, 10)
    ('3.0 kWh', '0.7', 'xxxxxxxxx…')
    """
    if isinstance(value, pint.Quantity):
        try:
            text = f"{value.magnitude} {value.units:~P}"
        except Exception:  # a quantity whose units do not format (another registry's)
            text = f"{value.magnitude} {value.units}"
    elif isinstance(value, np.generic):
        text = str(value.item())
    elif isinstance(value, np.ndarray):
        text = f"an array of shape {value.shape}"
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def shown(value: Any) -> Any:
    """The value an error carries: a plain number as itself, anything else :func:`short`."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, (bool, int, float)) and len(repr(value)) <= 60):
        return value
    return short(value)


def magnitude(value: Any, unit: str, field: str, *, allow_negative: bool = False,
              scalar: bool = False) -> Any:
    """Strip the unit of ``value`` once, at the edge, returning its magnitude in ``unit``.

    A bare number, a string that is not a quantity, or a quantity of another dimension is an
    error naming ``field`` and the expected unit; NaN, inf and negative amounts are refused.
    With ``scalar=True`` an array quantity (or a boolean magnitude) is refused as well: a
    record field holds one amount.

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
            raise UnitMismatchError.for_units(field, shown(value), unit) from e
    if not isinstance(value, pint.Quantity):
        raise UnitMismatchError.for_units(field, shown(value), unit)
    if value._REGISTRY is not ureg:
        try:
            value = adopt(value)
        except UnitMismatchError as e:
            raise UnitMismatchError.for_units(field, shown(value), unit) from e
    if scalar:
        raw = value.magnitude
        if isinstance(raw, (bool, np.bool_)) or (
                isinstance(raw, np.ndarray) and raw.dtype == bool):
            raise InvalidValueError(field, shown(value), f"a number of {unit} (not a boolean)")
        if np.ndim(raw) != 0:
            raise InvalidValueError(field, shown(value), f"one amount in {unit} (a scalar, "
                                    "not an array or a list)")
    target = _unit(unit)
    try:
        m = value.magnitude if value.units == target else value.m_as(target)
    except pint.DimensionalityError as e:
        raise UnitMismatchError.for_units(field, shown(value), unit) from e
    except (TypeError, ValueError, OverflowError) as e:  # a magnitude that is not a number
        raise InvalidValueError(field, shown(value), f"a number of {unit}") from e
    if scalar and isinstance(m, np.ndarray):
        m = m.item()  # a 0-d array: one amount
    if isinstance(m, np.ndarray):
        try:
            finite = bool(np.all(np.isfinite(m)))
        except TypeError as e:  # an object or string array
            raise InvalidValueError(field, shown(value), f"numbers of {unit}") from e
        if not finite:
            raise InvalidValueError(field, shown(value), "finite numbers (no NaN or inf)")
        if not allow_negative and np.any(m < 0):
            raise InvalidValueError(field, shown(value), "amounts >= 0")
        return m
    try:
        m = float(m)
    except (TypeError, ValueError, OverflowError) as e:  # Q_("abc", "kWh"), Q_(10**400, ...)
        raise InvalidValueError(field, shown(value), f"a finite number of {unit}") from e
    if not math.isfinite(m):
        raise InvalidValueError(field, shown(value), "a finite number (not NaN or inf)")
    if not allow_negative and m < 0:
        raise InvalidValueError(field, shown(value), "an amount >= 0")
    return m


def quantity(value: Any, unit: str) -> Any:
    """Attach ``unit`` to a magnitude (float or array) computed in a fast path.

    >>> quantity(2.5, "gCO2e")
    <Quantity(2.5, 'gram_CO2e')>

    A quantity (of any registry) is converted to ``unit`` instead.
    """
    if isinstance(value, pint.Quantity):
        return adopt(value).to(_unit(unit))
    return Q_(value, _unit(unit))
