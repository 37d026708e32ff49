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

import importlib
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from carbon._columns import column_factor, parse_header
from carbon._errors import DataError, InvalidValueError, UnitMismatchError
from carbon._kernels import (
    embodied_kernel,
    embodied_rate_kernel,
    jsc_kernel,
    overhead_kernel,
    platform_kernel,
    platform_rate_kernel,
    product_by_requests_kernel,
    product_kernel,
    product_rate_kernel,
    retraining_kernel,
)
from carbon._units import ureg

__all__ = ["BLOCK_ROWS", "asc_e_frame"]

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
        name, unit = parse_header(col)
        if name is None:
            continue
        if name in _KIND_UNIT or name in _DIMENSIONLESS:
            if name in out:
                raise DataError("columns", [out[name][0], col], f"one column for {name!r}")
            out[name] = (str(col), unit)
    return out


_DENOMINATORS = {"lifetime", "product_lifetime", "concurrent_jobs", "parallel_jobs",
                 "product_requests", "retraining_requests"}


def _raw(df: pd.DataFrame, cols: dict[str, tuple[str, str | None]], name: str) -> np.ndarray:
    """A whole column in canonical units (slow paths only: error location)."""
    c = _spec(df, cols, name)
    return c.array * c.factor if c.factor != 1.0 else c.array


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


def _need(cols: dict[str, Any], group: str, names: tuple[str, ...]) -> bool:
    present = [n for n in names if n in cols]
    if present and len(present) != len(names):
        missing = [n for n in names if n not in cols]
        raise DataError("columns", sorted(cols), f"the {group} columns {missing} beside {present}")
    return bool(present)


#: Rows per block of the blocked evaluation: small enough that a block's columns and its one
#: buffer stay in the CPU cache while it is checked and computed (64 Ki rows = 512 KiB/column).
BLOCK_ROWS = 1 << 16


@dataclass(frozen=True, slots=True)
class _Col:
    """A column to read block by block: its array, unit factor and bounds."""

    name: str
    col: str
    array: np.ndarray
    factor: float
    lower: float | None
    strict: bool
    upper: float | None

    @property
    def needs_max(self) -> bool:
        return self.upper is not None or self.name in _DENOMINATORS


def _pint_unit(s: pd.Series) -> str | None:
    """The unit of a pint-pandas column (dtype ``pint[kWh]``); None for any other dtype."""
    if type(s.dtype).__name__ != "PintType":
        return None
    return str(s.dtype.units)  # type: ignore[union-attr]


def _spec(df: pd.DataFrame, cols: dict[str, tuple[str, str | None]], name: str, *,
          lower: float | None = 0.0, strict: bool = False, upper: float | None = None) -> _Col:
    col, unit = cols[name]
    s = df[col]
    in_dtype = _pint_unit(s)
    if in_dtype is not None:  # pint-pandas: magnitudes, and the unit from the dtype
        if unit is not None:
            raise UnitMismatchError(f"column {col!r}", unit, f"one unit: the header's or the "
                                    f"dtype's ({in_dtype}), not both")
        a = np.asarray(s.pint.magnitude.to_numpy(dtype=np.float64, na_value=np.nan))
        canonical = _KIND_UNIT.get(name, "dimensionless")
        factor = column_factor(f"{name} [{in_dtype}]", canonical, field=f"column {col!r}")
        return _Col(name, col, a, factor, lower, strict, upper)
    kind = s.dtype.kind
    if kind == "m":  # a duration column holds durations: exact seconds, whatever the header
        if _KIND_UNIT.get(name) != "s":
            raise InvalidValueError(f"column {col!r}", str(s.dtype),
                                    f"numbers ({name} is not a time)")
        a = s.to_numpy(dtype="timedelta64[ns]").astype(np.int64).astype(np.float64) / 1e9
        a[s.isna().to_numpy()] = np.nan
        return _Col(name, col, a, 1.0, lower, strict, upper)
    if kind not in "iuf":  # bug: datetimes read as ticks, bools as 0/1, complex cut to real
        raise InvalidValueError(f"column {col!r}", str(s.dtype),
                                "real numbers (not bool, complex, datetime or text)"
                                + (": a duration, e.g. end - start" if kind == "M" else ""))
    a = s.to_numpy(dtype=np.float64, copy=False)
    factor = 1.0
    if name in _KIND_UNIT:
        factor = column_factor(col, _KIND_UNIT[name])
    elif unit is not None:
        raise UnitMismatchError(f"column {col!r}", unit, f"no unit: {name} is dimensionless")
    return _Col(name, col, a, factor, lower, strict, upper)


_min, _max = np.minimum.reduce, np.maximum.reduce
_MAX_FLOAT = float(np.finfo(np.float64).max)


def _block(df: pd.DataFrame, c: _Col, hi: float | None, scratch: np.ndarray | None,
           start: int, stop: int) -> np.ndarray:
    """One block of a column in canonical units, checked by one or two reductions (cache-hot).

    ``min`` propagates NaN, so NaN and values below the bound fail it; bounded and denominator
    columns also check ``max`` against ``hi`` (an +inf denominator would silently give 0). An
    +inf elsewhere makes the block's total non-finite, checked once per block. A column with a
    unit factor is scaled into ``scratch`` (no temporary a block). Only on failure does a slow
    pass over the whole column find the row to name.
    """
    b = c.array[start:stop]
    if scratch is not None:
        b = np.multiply(b, c.factor, out=scratch[: stop - start])
    lo = _min(b)  # the ufunc's reduce itself: ndarray.min adds a Python wrapper per call
    ok = np.isfinite(lo) if c.lower is None else (lo > c.lower if c.strict else lo >= c.lower)
    if ok and hi is not None:
        ok = _max(b) <= hi
    if not ok:
        _locate(df, c.col, c.array * c.factor if c.factor != 1.0 else c.array,
                c.lower, c.strict, c.upper)
    return b


def asc_e_frame(df: pd.DataFrame, *, breakdown: bool = True,
                units: Literal["names", "pint"] = "names") -> pd.DataFrame | pd.Series:
    """ASC^e of every row (job or request) of ``df`` [gCO2e], vectorised; same formulas as
    :func:`carbon.asc_e`.

    A column's unit is in its header (``"energy [kJ]"``) or in its pint-pandas dtype (a column
    ``"energy"`` of dtype ``"pint[kJ]"``), not both. ``units="pint"`` returns pint-pandas
    columns of dtype ``pint[gCO2e]`` named without brackets (``"asc_e"``); it needs
    pint-pandas (the ``scale`` extra) and carbon's registry as pint's application registry
    (:func:`carbon.use_as_application_registry`) wherever those columns are combined.

    With ``breakdown=True`` returns a DataFrame with one column per part, ``"jsc [gCO2e]"``,
    ``"asc [gCO2e]"``, ``"jsc_e [gCO2e]"`` and ``"asc_e [gCO2e]"``; otherwise the ASC^e Series.
    Rows are checked and computed in blocks of :data:`BLOCK_ROWS` so that each block is read
    from memory once and stays in cache for its checks and its arithmetic (the fleet-scale
    fast path: validation costs almost nothing beyond the formula itself).

    >>> df = pd.DataFrame({"energy [kJ]": [1.0, 2.0], "pue": [1.08, 1.08],
    ...                    "intensity [gCO2e/kWh]": [665.6, 665.6], "duration [min]": [5, 5],
    ...                    "embodied [gCO2e]": [1e4, 1e4], "lifetime [year]": [3, 3]})
    >>> asc_e_frame(df)["asc [gCO2e]"].round(4).tolist()
    [0.2314, 0.431]
    """
    if units not in ("names", "pint"):
        raise InvalidValueError("units", units, "'names' (units in the headers) or 'pint'")
    cols = _columns(df)
    if "energy" not in cols:
        raise DataError("columns", list(df.columns),
                        "'energy [unit]', 'pue', 'intensity [unit]' and 'duration [unit]'")
    _need(cols, "operational", ("energy", "pue", "intensity", "duration"))
    specs = {"energy": _spec(df, cols, "energy"), "pue": _spec(df, cols, "pue", lower=1.0),
             "intensity": _spec(df, cols, "intensity"), "duration": _spec(df, cols, "duration")}
    # each term: (part, kernel, arguments: a column key (str) or a constant (float))
    terms: list[tuple[str, Any, tuple[str | float, ...]]] = []
    # the parts proportional to the duration, as rates (kernel, arguments): a sum only adds
    # them and multiplies by the duration once
    rates: dict[str, tuple[Any, tuple[str | float, ...]]] = {}

    if _need(cols, "embodied", ("embodied", "lifetime")):
        specs["embodied"] = _spec(df, cols, "embodied")
        specs["lifetime"] = _spec(df, cols, "lifetime", strict=True)
        frac: str | float = 1.0
        if "fraction" in cols:
            specs["fraction"] = _spec(df, cols, "fraction", upper=1.0)
            frac = "fraction"
        terms.append(("embodied", embodied_kernel, ("embodied", "duration", "lifetime", frac)))
        rates["embodied"] = (embodied_rate_kernel, ("embodied", "lifetime", frac))
    if "platform_rate" in cols:
        if ("concurrent_jobs" in cols) == ("platform_share" in cols):
            raise DataError("columns", sorted(cols),
                            "exactly one of 'concurrent_jobs' or 'platform_share' beside "
                            "'platform_rate'")
        specs["platform_rate"] = _spec(df, cols, "platform_rate")
        if "concurrent_jobs" in cols:
            specs["concurrent_jobs"] = _spec(df, cols, "concurrent_jobs", lower=1.0)
            terms.append(("platform", _equal_split_kernel,
                          ("platform_rate", "duration", "concurrent_jobs")))
            rates["platform"] = (np.divide, ("platform_rate", "concurrent_jobs"))
        else:
            specs["platform_share"] = _spec(df, cols, "platform_share", upper=1.0)
            terms.append(("platform", platform_kernel,
                          ("platform_rate", "duration", "platform_share")))
            rates["platform"] = (platform_rate_kernel, ("platform_rate", "platform_share"))
    elif "concurrent_jobs" in cols or "platform_share" in cols:
        raise DataError("columns", sorted(cols), "'platform_rate [C/T]' beside the platform split")
    if "epc" in cols:
        if ("product_lifetime" in cols) == ("product_requests" in cols):
            raise DataError("columns", sorted(cols),
                            "exactly one of 'product_lifetime [T]' or 'product_requests' "
                            "beside 'epc'")
        specs["epc"] = _spec(df, cols, "epc")
        if "product_lifetime" in cols:
            specs["product_lifetime"] = _spec(df, cols, "product_lifetime", strict=True)
            npar: str | float = 1.0
            if "parallel_jobs" in cols:
                specs["parallel_jobs"] = _spec(df, cols, "parallel_jobs", lower=1.0)
                npar = "parallel_jobs"
            terms.append(("products", product_kernel,
                          ("epc", "duration", "product_lifetime", npar)))
            rates["products"] = (product_rate_kernel, ("epc", "product_lifetime", npar))
        else:
            specs["product_requests"] = _spec(df, cols, "product_requests", strict=True)
            terms.append(("products", product_by_requests_kernel, ("epc", "product_requests")))
    elif "product_lifetime" in cols or "product_requests" in cols:
        raise DataError("columns", sorted(cols), "'epc [C]' beside the product columns")
    if _need(cols, "retraining", ("retraining", "retraining_requests")):
        specs["retraining"] = _spec(df, cols, "retraining")
        specs["retraining_requests"] = _spec(df, cols, "retraining_requests", strict=True)
        terms.append(("retraining", retraining_kernel, ("retraining", "retraining_requests")))

    n = len(df)
    total = np.empty(n)
    parts = ({p: np.empty(n) for p in ("operational", "overhead", *(t[0] for t in terms))}
             if breakdown else {})
    rows = min(n, BLOCK_ROWS)
    buf = np.empty(rows)
    # per column: its spec, the max bound to check (None: none) and a buffer when scaled
    checks = [(c, (_MAX_FLOAT if c.upper is None else c.upper) if c.needs_max else None,
               np.empty(rows) if c.factor != 1.0 else None) for c in specs.values()]
    # each term's arguments as positions in ``vals``: each column's block, then the constants
    consts = [a for args in [t[2] for t in terms] + [r[1] for r in rates.values()]
              for a in args if not isinstance(a, str)]
    at = {k: j for j, k in enumerate(specs)}
    vals: list[Any] = [None] * len(specs) + consts

    def where(args: tuple[str | float, ...]) -> tuple[int, ...]:
        return tuple(at[a] if isinstance(a, str) else len(specs) + consts.index(a) for a in args)

    if breakdown or len(rates) < 2:  # every part on its own
        plan = [(kernel, where(args), parts.get(part)) for part, kernel, args in terms]
        per_s: list[tuple[Any, tuple[int, ...]]] = []
    else:  # the sum: the rates added, times the duration once (the same formulas)
        plan = [(kernel, where(args), None) for part, kernel, args in terms
                if part not in rates]
        per_s = [(kernel, where(args)) for kernel, args in rates.values()]
        rate = np.empty(rows)
    energy, pue, intensity, duration = (at[k] for k in ("energy", "pue", "intensity",
                                                        "duration"))
    for start in range(0, n, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n)
        for j, (c, hi, scratch) in enumerate(checks):
            vals[j] = _block(df, c, hi, scratch, start, stop)
        tot = total[start:stop]
        if breakdown:
            op = np.multiply(vals[energy], vals[intensity], out=parts["operational"][start:stop])
            ov = overhead_kernel(vals[energy], vals[pue], vals[intensity],
                                 out=parts["overhead"][start:stop])
            np.add(op, ov, out=tot)
        else:
            jsc_kernel(vals[energy], vals[pue], vals[intensity], out=tot)
        for kernel, pos, whole in plan:
            out = buf[: stop - start] if whole is None else whole[start:stop]
            tot += kernel(*map(vals.__getitem__, pos), out=out)
        if per_s:  # the rates summed into ``r``, times the duration once
            r = per_s[0][0](*map(vals.__getitem__, per_s[0][1]), out=rate[: stop - start])
            for kernel, pos in per_s[1:]:
                r += kernel(*map(vals.__getitem__, pos), out=buf[: stop - start])
            tot += np.multiply(r, vals[duration], out=r)
        # max propagates NaN; an +inf fails the bound too (the total is a sum of parts >= 0)
        if not _max(tot) <= _MAX_FLOAT:
            _finite(df, cols, total, slice(start, stop))

    names = ["operational", "overhead", *(t[0] for t in terms)]
    if not breakdown:
        s = pd.Series(total, index=df.index, name="asc_e [gCO2e]", copy=False)
        s.attrs["terms"] = names
        return _as_pint(s) if units == "pint" else s
    zeros = np.zeros(n)
    out_df = pd.DataFrame({f"{p} [gCO2e]": parts.get(p, zeros) for p in _PARTS},
                          index=df.index, copy=False)
    jsc_v = parts["operational"] + parts["overhead"]
    out_df["jsc [gCO2e]"] = jsc_v
    out_df["asc [gCO2e]"] = jsc_v + parts.get("embodied", zeros)
    out_df["jsc_e [gCO2e]"] = jsc_v + parts.get("platform", zeros)
    out_df["asc_e [gCO2e]"] = total
    out_df.attrs["terms"] = names
    return _as_pint(out_df) if units == "pint" else out_df


def _as_pint(out: Any) -> Any:
    """The result's ``name [gCO2e]`` columns as pint-pandas columns ``name`` of dtype
    ``pint[gCO2e]`` (of carbon's registry)."""
    try:
        pint_pandas: Any = importlib.import_module("pint_pandas")
    except ImportError as e:
        raise InvalidValueError("units", "pint", "pint-pandas installed (pip install "
                                "'modelcarbon[scale]'), or units='names'") from e
    dtype = pint_pandas.PintType(ureg.Unit("gCO2e"))

    def col(v: pd.Series) -> pd.Series:
        return pd.Series(pint_pandas.PintArray(v.to_numpy(), dtype=dtype), index=v.index,
                         name=parse_header(v.name)[0])

    res: Any
    if isinstance(out, pd.Series):
        res = col(out)
    else:
        res = pd.DataFrame({parse_header(c)[0]: col(out[c]) for c in out.columns},
                           index=out.index)
    res.attrs["terms"] = out.attrs["terms"]
    return res


_PARTS = ("operational", "overhead", "idle", "embodied", "platform", "products", "retraining")


def _equal_split_kernel(rate: np.ndarray, t: np.ndarray, n_conc: np.ndarray,
                        out: np.ndarray) -> np.ndarray:
    """Platform tax with an equal split: R * t / n_concurrent (platform_kernel, share = 1/n)."""
    np.multiply(rate, t, out=out)
    out /= n_conc
    return out


def _finite(df: pd.DataFrame, cols: dict[str, tuple[str, str | None]], total: np.ndarray,
            sl: slice) -> None:
    """A non-finite block total: name the input column with an inf, else the overflowing row."""
    for name in cols:
        _locate(df, cols[name][0], _raw(df, cols, name), None, False, None)
    block = total[sl]
    i = sl.start + int(np.flatnonzero(~np.isfinite(block))[0])
    raise InvalidValueError(f"asc_e[{df.index[i]!r}]", float(total[i]),
                            "a finite result (the inputs overflow float64)")
