"""Number formatting shared by every renderer: one place decides how an amount is printed.

>>> from carbon import quantity
>>> fmt_carbon(quantity(1234.5, "gCO2e"))
'1.23 kgCO2e'
>>> fmt_carbon(quantity(0.000321, "gCO2e"))
'321 µgCO2e'
>>> fmt_energy(quantity(0.0025, "kWh"))
'2.5 Wh'
>>> fmt_energy(quantity(7.78e-6, "J"))
'7.78 µJ'
>>> fmt_bytes(343_000)
'343 kB'
>>> fmt_count(2.5e9)
'2.5 billion'
>>> carbon_unit(35_000.0)
(1000.0, 'kgCO2e')
>>> fmt_range(quantity(12300, "gCO2e"), quantity(1100, "gCO2e"))
'12.3 kgCO2e ± 1.1 kgCO2e'
>>> fmt_range(quantity(12300, "gCO2e"), None)
'12.3 kgCO2e (uncertainty unknown)'
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "PROVENANCE_ORDER",
    "UNKNOWN_UNCERTAINTY",
    "USER_INPUT",
    "carbon_unit",
    "fmt_bytes",
    "fmt_carbon",
    "fmt_count",
    "fmt_energy",
    "fmt_epc",
    "fmt_epc_range",
    "fmt_figure",
    "fmt_g",
    "fmt_num",
    "fmt_range",
    "fmt_share",
    "fmt_uncertainty",
]

#: Provenance labels from strongest to weakest evidence.
PROVENANCE_ORDER = ("measured", "sampled", "estimated", "reported", "mixed")

_CARBON_STEPS = ((1e6, "tCO2e"), (1e3, "kgCO2e"), (1.0, "gCO2e"), (1e-3, "mgCO2e"),
                 (1e-6, "µgCO2e"), (1e-9, "ngCO2e"))
_J = 1.0 / 3.6e6  # one joule [kWh]
_ENERGY_STEPS = ((1e3, "MWh"), (1.0, "kWh"), (1e-3, "Wh"), (1e3 * _J, "kJ"), (_J, "J"),
                 (1e-3 * _J, "mJ"), (1e-6 * _J, "µJ"), (1e-9 * _J, "nJ"))
_BYTE_STEPS = ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB"), (1.0, "B"))


def fmt_num(x: float, digits: int = 3) -> str:
    """A number with ``digits`` significant digits, no exponent between 1e-4 and 1e9."""
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    mag = math.floor(math.log10(abs(x)))
    if mag < -4 or mag >= 9:
        return f"{x:.{digits - 1}e}"
    decimals = max(digits - 1 - mag, 0)
    text = f"{x:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _scaled(value_canonical: float, steps: tuple[tuple[float, str], ...]) -> str:
    v = abs(value_canonical)
    if not math.isfinite(v):  # NaN fails every comparison: print it in the base unit
        base = next((u for f, u in steps if f == 1.0), steps[-1][1])
        return f"{value_canonical} {base}"
    for factor, unit in steps:
        if v >= factor:
            return f"{fmt_num(value_canonical / factor)} {unit}"
    factor, unit = steps[-1]
    return f"{fmt_num(value_canonical / factor)} {unit}"


def fmt_g(grams: float) -> str:
    """A carbon magnitude in gCO2e, printed in the unit that reads best."""
    if grams == 0:
        return "0 gCO2e"
    return _scaled(grams, _CARBON_STEPS)


def carbon_unit(grams: float) -> tuple[float, str]:
    """(grams per unit, unit) that reads best for a column or an axis whose largest
    magnitude is ``grams`` [gCO2e]: every value of it is then printed in that one unit."""
    v = abs(grams)
    if not math.isfinite(v) or v == 0:
        return 1.0, "gCO2e"
    for factor, unit in _CARBON_STEPS:
        if v >= factor:
            return factor, unit
    return _CARBON_STEPS[-1]


def fmt_carbon(q: Any) -> str:
    """A carbon quantity, printed in the unit that reads best (mgCO2e ... tCO2e)."""
    return fmt_g(float(q.m_as("gCO2e")))


def fmt_energy(q: Any) -> str:
    """An energy quantity, printed in nJ, µJ, mJ, J, kJ, Wh, kWh or MWh."""
    kwh = float(q.m_as("kWh"))
    if kwh == 0:
        return "0 kWh"
    return _scaled(kwh, _ENERGY_STEPS)


def fmt_bytes(n: float) -> str:
    """A size in bytes in B, kB, MB, GB or TB (decimal prefixes, as file sizes are sold)."""
    if n == 0:
        return "0 B"
    return _scaled(n, _BYTE_STEPS)


def fmt_uncertainty(q: Any | None) -> str:
    """``± x`` for a known uncertainty, ``uncertainty unknown`` otherwise (never zero)."""
    return UNKNOWN_UNCERTAINTY if q is None else f"± {fmt_carbon(q)}"


#: How every renderer says that an uncertainty is unknown.
UNKNOWN_UNCERTAINTY = "uncertainty unknown"

#: The source of a figure the user stated (a facility's PUE, ``--lifetime-requests``): not a
#: missing source ("not stated") but the user's own input.
USER_INPUT = "user input"


def fmt_range(value: Any, uncertainty: Any | None, text: str | None = None) -> str:
    """A carbon amount as a range: ``x ± u`` when the uncertainty is known, else
    ``x (uncertainty unknown)``; ``text`` replaces the printed value (``≥ x``)."""
    shown = fmt_carbon(value) if text is None else text
    if uncertainty is None:
        return f"{shown} ({UNKNOWN_UNCERTAINTY})"
    return f"{shown} ± {fmt_carbon(uncertainty)}"


def fmt_figure(fig: Any) -> str:
    """``value ± u (label)`` for a CarbonFigure, ``value (uncertainty unknown) (label)``."""
    if fig.uncertainty is None:
        return f"{fmt_carbon(fig.value)}, {UNKNOWN_UNCERTAINTY} ({fig.provenance})"
    return f"{fmt_range(fig.value, fig.uncertainty)} ({fig.provenance})"


def fmt_epc(epc: Any) -> str:
    """An EPC section's total: ``unknown`` with nothing recorded, ``≥ x`` for a lower bound
    (the bare value, without its range: see :func:`fmt_epc_range`)."""
    if epc.total.provenance == "unknown":
        return "unknown"
    text = fmt_carbon(epc.total.value)
    return text if epc.complete else f"≥ {text}"


def fmt_epc_range(epc: Any) -> str:
    """An EPC section's total as a range (``≥ x (uncertainty unknown)``, ``x ± u``)."""
    text = fmt_epc(epc)
    return text if text == "unknown" else fmt_range(epc.total.value, epc.total.uncertainty, text)


def fmt_share(share: float | None) -> str:
    """A share in [0, 1] as a percentage; None as ``not set``."""
    return "not set" if share is None else f"{fmt_num(100.0 * share)} %"


def fmt_count(n: float) -> str:
    """A large count in words (thousand, million, billion)."""
    for factor, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"),
                         (1e3, "thousand")):
        if abs(n) >= factor:
            return f"{fmt_num(n / factor)} {word}"
    return fmt_num(n)

