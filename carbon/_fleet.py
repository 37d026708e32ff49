"""The metrics over a pandas DataFrame: one row per job or request, vectorised.

Columns carry their units in their names, ``"energy [kJ]"``, ``"intensity [gCO2e/kWh]"``:
each column's unit is parsed once, turned into one conversion factor to the canonical unit,
and the kernels of ``carbon._kernels`` run on float64 arrays (the same formulas as the scalar
path). Which terms are computed is explicit: a term's columns are present or the term is not
in the result (``result.attrs["terms"]`` lists those included). A term with some but not all
of its columns is an error. Dimensionless columns (``pue``, ``fraction``, ``concurrent_jobs``,
``parallel_jobs``, ``requests``...) carry no unit.

Columns
-------
operational (required): ``energy [E]``, ``pue``, ``intensity [gCO2e/kWh-like]``,
    ``duration [T]``
embodied: ``embodied [C]``, ``lifetime [T]``, optional ``fraction``
platform: ``platform_rate [C/T]``, and ``concurrent_jobs`` or ``platform_share``
products by time: ``epc [C]``, ``product_lifetime [T]``, optional ``parallel_jobs``
products by requests: ``epc [C]``, ``product_requests``
retraining: ``retraining [C]``, ``retraining_requests``
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from carbon._errors import DataError, InvalidValueError, UnitMismatchError
from carbon._kernels import (
    embodied_kernel,
    jsc_kernel,
    overhead_kernel,
    platform_kernel,
    product_by_requests_kernel,
    product_kernel,
    retraining_kernel,
)
from carbon._units import Q_

__all__ = ["asc_e_frame", "column_values"]

_HEAD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(.+)\])?\s*$")

_KIND_UNIT = {
    "energy": "kWh", "intensity": "gCO2e/kWh", "duration": "s", "embodied": "gCO2e",
    "lifetime": "s", "platform_rate": "gCO2e/s", "epc": "gCO2e", "product_lifetime": "s",
    "retraining": "gCO2e",
}
_DIMENSIONLESS = {
    "pue", "fraction", "concurrent_jobs", "platform_share", "parallel_jobs",
    "product_requests", "retraining_requests",
}


def _columns(df: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for col in df.columns:
        m = _HEAD.match(str(col))
        if not m:
            continue
        name, unit = m.group(1), m.group(2)
        if name in _KIND_UNIT or name in _DIMENSIONLESS:
            if name in out:
                raise DataError("columns", [out[name][0], col], f"one column for {name!r}")
            out[name] = (str(col), unit)
    return out


def column_values(df: pd.DataFrame, cols: dict[str, tuple[str, str | None]], name: str,
                  *, lower: float | None = 0.0, strict: bool = False,
                  upper: float | None = None) -> np.ndarray:
    """One column as float64 magnitudes in the canonical unit, checked; units stripped once."""
    col, unit = cols[name]
    a = df[col].to_numpy(dtype=np.float64, copy=False)
    if name in _KIND_UNIT:
        if unit is None:
            raise UnitMismatchError.for_units(f"column {col!r}", col, _KIND_UNIT[name]
                                              + f" (name it '{name} [{_KIND_UNIT[name]}]')")
        try:
            factor = Q_(1.0, unit).m_as(_KIND_UNIT[name])
        except Exception as e:  # pint raises several types for bad unit strings
            raise UnitMismatchError.for_units(f"column {col!r}", unit, _KIND_UNIT[name]) from e
        if factor != 1.0:
            a = a * factor
    elif unit is not None:
        raise UnitMismatchError(f"column {col!r}", unit, f"no unit: {name} is dimensionless")
    if not np.isfinite(a).all():
        bad = int(np.flatnonzero(~np.isfinite(a))[0])
        raise InvalidValueError(f"{col}[{df.index[bad]!r}]", a[bad], "a finite number")
    if lower is not None:
        low = (a <= lower) if strict else (a < lower)
        if low.any():
            bad = int(np.flatnonzero(low)[0])
            op = ">" if strict else ">="
            raise InvalidValueError(f"{col}[{df.index[bad]!r}]", a[bad], f"a value {op} {lower:g}")
    if upper is not None and (a > upper).any():
        bad = int(np.flatnonzero(a > upper)[0])
        raise InvalidValueError(f"{col}[{df.index[bad]!r}]", a[bad], f"a value <= {upper:g}")
    return a


def _need(cols: dict[str, Any], group: str, names: tuple[str, ...]) -> bool:
    present = [n for n in names if n in cols]
    if present and len(present) != len(names):
        missing = [n for n in names if n not in cols]
        raise DataError("columns", sorted(cols), f"the {group} columns {missing} beside {present}")
    return bool(present)


def asc_e_frame(df: pd.DataFrame, *, breakdown: bool = True) -> pd.DataFrame | pd.Series:
    """ASC^e of every row (job or request) of ``df`` [gCO2e], vectorised; same formulas as
    :func:`carbon.asc_e`.

    With ``breakdown=True`` returns a DataFrame with one column per part, ``"jsc [gCO2e]"``,
    ``"asc [gCO2e]"``, ``"jsc_e [gCO2e]"`` and ``"asc_e [gCO2e]"``; otherwise the ASC^e Series.

    >>> df = pd.DataFrame({"energy [kJ]": [1.0, 2.0], "pue": [1.08, 1.08],
    ...                    "intensity [gCO2e/kWh]": [665.6, 665.6], "duration [min]": [5, 5],
    ...                    "embodied [gCO2e]": [1e4, 1e4], "lifetime [year]": [3, 3]})
    >>> asc_e_frame(df)["asc [gCO2e]"].round(4).tolist()
    [0.2314, 0.431]
    """
    cols = _columns(df)
    _need(cols, "operational", ("energy", "pue", "intensity", "duration"))
    if "energy" not in cols:
        raise DataError("columns", list(df.columns),
                        "'energy [unit]', 'pue', 'intensity [unit]' and 'duration [unit]'")
    e = column_values(df, cols, "energy")
    pue = column_values(df, cols, "pue", lower=1.0)
    ci = column_values(df, cols, "intensity")
    t = column_values(df, cols, "duration")
    terms = ["operational", "overhead"]
    zeros = None

    total = jsc_kernel(e, pue, ci)
    parts: dict[str, np.ndarray] = {}
    if breakdown:
        parts["operational"] = e * ci
        parts["overhead"] = overhead_kernel(e, pue, ci)

    if _need(cols, "embodied", ("embodied", "lifetime")):
        frac = (column_values(df, cols, "fraction", upper=1.0) if "fraction" in cols else 1.0)
        lt = column_values(df, cols, "lifetime", strict=True)
        emb = embodied_kernel(column_values(df, cols, "embodied"), t, lt, frac)
        total += emb
        parts["embodied"] = emb
        terms.append("embodied")
    if "platform_rate" in cols:
        if ("concurrent_jobs" in cols) == ("platform_share" in cols):
            raise DataError("columns", sorted(cols),
                            "exactly one of 'concurrent_jobs' or 'platform_share' beside "
                            "'platform_rate'")
        share = (1.0 / column_values(df, cols, "concurrent_jobs", lower=1.0)
                 if "concurrent_jobs" in cols
                 else column_values(df, cols, "platform_share", upper=1.0))
        plat = platform_kernel(column_values(df, cols, "platform_rate"), t, share)
        total += plat
        parts["platform"] = plat
        terms.append("platform")
    if "epc" in cols:
        epc = column_values(df, cols, "epc")
        if ("product_lifetime" in cols) == ("product_requests" in cols):
            raise DataError("columns", sorted(cols),
                            "exactly one of 'product_lifetime [T]' or 'product_requests' "
                            "beside 'epc'")
        if "product_lifetime" in cols:
            npar = (column_values(df, cols, "parallel_jobs", lower=1.0)
                    if "parallel_jobs" in cols else 1.0)
            prod = product_kernel(epc, t, column_values(df, cols, "product_lifetime",
                                                        strict=True), npar)
        else:
            prod = product_by_requests_kernel(
                epc, column_values(df, cols, "product_requests", strict=True))
        total += prod
        parts["products"] = prod
        terms.append("products")
    if _need(cols, "retraining", ("retraining", "retraining_requests")):
        rt = retraining_kernel(column_values(df, cols, "retraining"),
                               column_values(df, cols, "retraining_requests", strict=True))
        total += rt
        parts["retraining"] = rt
        terms.append("retraining")

    if not breakdown:
        s = pd.Series(total, index=df.index, name="asc_e [gCO2e]")
        s.attrs["terms"] = terms
        return s
    zeros = np.zeros(len(df))
    out = pd.DataFrame(
        {f"{p} [gCO2e]": parts.get(p, zeros)
         for p in ("operational", "overhead", "embodied", "platform", "products", "retraining")},
        index=df.index,
    )
    jsc_v = parts["operational"] + parts["overhead"]
    out["jsc [gCO2e]"] = jsc_v
    out["asc [gCO2e]"] = jsc_v + parts.get("embodied", zeros)
    out["jsc_e [gCO2e]"] = jsc_v + parts.get("platform", zeros)
    out["asc_e [gCO2e]"] = total
    out.attrs["terms"] = terms
    return out
