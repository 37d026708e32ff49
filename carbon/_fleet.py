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
from functools import lru_cache
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


_DENOMINATORS = {"lifetime", "product_lifetime", "concurrent_jobs", "parallel_jobs",
                 "product_requests", "retraining_requests"}


@lru_cache(maxsize=256)
def _factor(unit: str, canonical: str) -> float:
    """Conversion factor from a column's unit to the canonical unit (pint, once per unit)."""
    return float(Q_(1.0, unit).m_as(canonical))


def _raw(df: pd.DataFrame, cols: dict[str, tuple[str, str | None]], name: str) -> np.ndarray:
    col, unit = cols[name]
    a = df[col].to_numpy(dtype=np.float64, copy=False)
    if name in _KIND_UNIT:
        if unit is None:
            raise UnitMismatchError.for_units(f"column {col!r}", col, _KIND_UNIT[name]
                                              + f" (name it '{name} [{_KIND_UNIT[name]}]')")
        try:
            factor = _factor(unit, _KIND_UNIT[name])
        except Exception as e:  # pint raises several types for bad unit strings
            raise UnitMismatchError.for_units(f"column {col!r}", unit, _KIND_UNIT[name]) from e
        if factor != 1.0:
            a = a * factor
    elif unit is not None:
        raise UnitMismatchError(f"column {col!r}", unit, f"no unit: {name} is dimensionless")
    return a


def _locate(df: pd.DataFrame, col: str, a: np.ndarray, lower: float | None, strict: bool,
            upper: float | None) -> None:
    """Slow path, only on error: find the first offending row and raise naming it."""
    bad = ~np.isfinite(a)
    want = "a finite number"
    if not bad.any() and lower is not None:
        bad = (a <= lower) if strict else (a < lower)
        want = f"a value {'>' if strict else '>='} {lower:g}"
    if not bad.any() and upper is not None:
        bad = a > upper
        want = f"a value <= {upper:g}"
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidValueError(f"{col}[{df.index[i]!r}]", float(a[i]), want)


def column_values(df: pd.DataFrame, cols: dict[str, tuple[str, str | None]], name: str,
                  *, lower: float | None = 0.0, strict: bool = False,
                  upper: float | None = None) -> np.ndarray:
    """One column as float64 magnitudes in the canonical unit; units stripped once.

    Checked with one ``min`` reduction (it propagates NaN, so NaN and values below ``lower``
    fail it) and, for bounded or denominator columns, one ``max``; +inf in other columns makes
    the total non-finite, which :func:`asc_e_frame` checks once at the end. Only on failure does
    a slow pass find the row to name.
    """
    a = _raw(df, cols, name)
    if len(a) == 0:
        return a
    col = cols[name][0]
    lo = a.min()
    ok = (lo > lower if strict else lo >= lower) if lower is not None else bool(np.isfinite(lo))
    if ok and (upper is not None or name in _DENOMINATORS):
        hi = a.max()
        ok = bool(np.isfinite(hi)) and (upper is None or hi <= upper)
    if not ok:
        _locate(df, col, a, lower, strict, upper)
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
    ``"asc [gCO2e]"``, ``"jsc_e [gCO2e]"`` and ``"asc_e [gCO2e]"``; otherwise the ASC^e Series
    (computed in place in two buffers: the fleet-scale fast path).

    >>> df = pd.DataFrame({"energy [kJ]": [1.0, 2.0], "pue": [1.08, 1.08],
    ...                    "intensity [gCO2e/kWh]": [665.6, 665.6], "duration [min]": [5, 5],
    ...                    "embodied [gCO2e]": [1e4, 1e4], "lifetime [year]": [3, 3]})
    >>> asc_e_frame(df)["asc [gCO2e]"].round(4).tolist()
    [0.2314, 0.431]
    """
    cols = _columns(df)
    if "energy" not in cols:
        raise DataError("columns", list(df.columns),
                        "'energy [unit]', 'pue', 'intensity [unit]' and 'duration [unit]'")
    _need(cols, "operational", ("energy", "pue", "intensity", "duration"))
    n = len(df)
    e = column_values(df, cols, "energy")
    pue = column_values(df, cols, "pue", lower=1.0)
    ci = column_values(df, cols, "intensity")
    t = column_values(df, cols, "duration")
    terms = ["operational", "overhead"]
    inputs: dict[str, tuple[Any, ...]] = {}

    if _need(cols, "embodied", ("embodied", "lifetime")):
        frac = (column_values(df, cols, "fraction", upper=1.0) if "fraction" in cols else 1.0)
        inputs["embodied"] = (embodied_kernel, column_values(df, cols, "embodied"), t,
                              column_values(df, cols, "lifetime", strict=True), frac)
    if "platform_rate" in cols:
        if ("concurrent_jobs" in cols) == ("platform_share" in cols):
            raise DataError("columns", sorted(cols),
                            "exactly one of 'concurrent_jobs' or 'platform_share' beside "
                            "'platform_rate'")
        rate = column_values(df, cols, "platform_rate")
        if "concurrent_jobs" in cols:
            n_conc = column_values(df, cols, "concurrent_jobs", lower=1.0)
            inputs["platform"] = (_equal_split_kernel, rate, t, n_conc)
        else:
            inputs["platform"] = (platform_kernel, rate, t,
                                  column_values(df, cols, "platform_share", upper=1.0))
    elif "concurrent_jobs" in cols or "platform_share" in cols:
        raise DataError("columns", sorted(cols), "'platform_rate [C/T]' beside the platform split")
    if "epc" in cols:
        epc = column_values(df, cols, "epc")
        if ("product_lifetime" in cols) == ("product_requests" in cols):
            raise DataError("columns", sorted(cols),
                            "exactly one of 'product_lifetime [T]' or 'product_requests' "
                            "beside 'epc'")
        if "product_lifetime" in cols:
            npar = (column_values(df, cols, "parallel_jobs", lower=1.0)
                    if "parallel_jobs" in cols else 1.0)
            inputs["products"] = (product_kernel, epc, t,
                                  column_values(df, cols, "product_lifetime", strict=True), npar)
        else:
            inputs["products"] = (product_by_requests_kernel, epc,
                                  column_values(df, cols, "product_requests", strict=True))
    elif "product_lifetime" in cols or "product_requests" in cols:
        raise DataError("columns", sorted(cols), "'epc [C]' beside the product columns")
    if _need(cols, "retraining", ("retraining", "retraining_requests")):
        inputs["retraining"] = (retraining_kernel, column_values(df, cols, "retraining"),
                                column_values(df, cols, "retraining_requests", strict=True))
    terms += list(inputs)

    if not breakdown:
        total = jsc_kernel(e, pue, ci, out=np.empty(n))
        buf = np.empty(n)
        for kernel, *args in inputs.values():
            total += kernel(*args, out=buf)
        _finite(df, cols, total)
        s = pd.Series(total, index=df.index, name="asc_e [gCO2e]")
        s.attrs["terms"] = terms
        return s

    parts = {"operational": np.multiply(e, ci), "overhead": overhead_kernel(e, pue, ci,
                                                                            out=np.empty(n))}
    for name, (kernel, *args) in inputs.items():
        parts[name] = kernel(*args, out=np.empty(n))
    zeros = np.zeros(n)
    out = pd.DataFrame({f"{p} [gCO2e]": parts.get(p, zeros) for p in _PARTS}, index=df.index)
    jsc_v = parts["operational"] + parts["overhead"]
    out["jsc [gCO2e]"] = jsc_v
    out["asc [gCO2e]"] = jsc_v + parts.get("embodied", zeros)
    out["jsc_e [gCO2e]"] = jsc_v + parts.get("platform", zeros)
    total = jsc_v.copy()
    for name in inputs:
        total += parts[name]
    _finite(df, cols, total)
    out["asc_e [gCO2e]"] = total
    out.attrs["terms"] = terms
    return out


_PARTS = ("operational", "overhead", "embodied", "platform", "products", "retraining")


def _equal_split_kernel(rate: np.ndarray, t: np.ndarray, n_conc: np.ndarray,
                        out: np.ndarray) -> np.ndarray:
    """Platform tax with an equal split: R * t / n_concurrent (platform_kernel, share = 1/n)."""
    np.multiply(rate, t, out=out)
    out /= n_conc
    return out


def _finite(df: pd.DataFrame, cols: dict[str, tuple[str, str | None]], total: np.ndarray) -> None:
    """One reduction: a non-finite total means an inf (or overflow) in some input column."""
    if len(total) and not np.isfinite(total.sum()):
        for name in cols:
            a = _raw(df, cols, name)
            _locate(df, cols[name][0], a, None, False, None)
        i = int(np.flatnonzero(~np.isfinite(total))[0])
        raise InvalidValueError(f"asc_e[{df.index[i]!r}]", float(total[i]),
                                "a finite result (the inputs overflow float64)")
