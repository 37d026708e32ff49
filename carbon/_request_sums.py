"""Request accounting straight to partial sums: the engines' fast path, no per-request frame.

:func:`request_sums` gives what ``partial_sums(request_carbon(log, tables))`` gives,
without building the per-request frame. Every part of
ASC^e is linear in a per-request quantity times a per-(device, model) constant, so the sums of
a group are the formulas applied to the group's sums of per-request quantities:

    sum_j E_j PUE_d CI_j          = PUE_d * sum_j (E_j CI_j)
    sum_j EC_d t_j / LT_d * u_j   = EC_d * sum_j (t_j u_j) / LT_d
    sum_j EPC_m t_j / (LT_m n_m)  = EPC_m * sum_j t_j / (LT_m n_m)     (share by time)
    sum_j EPC_m / N_m             = EPC_m / (N_m / n_group)             (share by requests)
    sum_j R_d t_j s_d             = R_d * sum_j t_j * s_d               (platform tax)
    sum_j cf_rt,i(j) / n_i(j)     = sum_j (cf_rt,i(j) / n_i(j))         (retraining: per row)

The group sums go through :func:`carbon.asc_e_frame` itself, one aggregated row per group
(``energy`` the group's energy, ``intensity`` its energy-weighted mean, ``duration`` its
summed duration, ``fraction`` its duration-weighted mean utilisation, the request counts in the
denominators): the one definition of each formula and of its checks. Per request this path
only parses units, joins the hourly intensity, checks the inputs by min/max reductions and
adds up four or five columns by group (``np.bincount``). Anything it does not cover (no grid,
energy estimated from power, an hour missing from the grid, an unknown key, a bad value) goes
through :func:`carbon.request_carbon`, which names the row or supplies the fallback: the
result is the same either way (tests/carbon/test_request_sums.py, to 1e-9).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carbon._columns import column_factor
from carbon._fleet import asc_e_frame
from carbon._hourly_join import HourJoin, region_codes
from carbon._kernels import retraining_kernel
from carbon._request_tables import RequestTables, key_columns, unit_column
from carbon._requests import PART_COLUMNS, partial_sums, request_carbon
from carbon._utc import DAY_NS, utc_ns

__all__ = ["request_sums"]


def _codes(col: pd.Series, index: pd.Index) -> tuple[np.ndarray, np.ndarray, pd.Index] | None:
    """Category codes of a key column, each category's row in ``index``, and the categories;
    None where the fast path does not apply (a missing value, a key not in the table)."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype("category")
    codes = np.asarray(col.cat.codes.to_numpy())
    cats = pd.Index(col.cat.categories.astype(str))
    where = np.asarray(index.get_indexer(cats), dtype=np.int64)
    if (where < 0).any() or int(codes.min()) < 0:
        return None
    return codes, where, cats


def request_sums(log: pd.DataFrame, tables: RequestTables) -> pd.DataFrame:
    """Partial sums (:data:`carbon.SUM_COLUMNS`) of ``log`` per (model, day, region).

    The figures of ``partial_sums(request_carbon(log, tables))`` (to rounding), computed
    without the per-request frame: sums per (model, day, region, device) of per-request
    quantities through :func:`carbon.asc_e_frame`, then over devices. Falls back to that pair
    where the fast path does not apply (see the module docstring).

    >>> from carbon import Facility, System, device_table, model_table, summarise
    >>> from carbon import read_hourly
    >>> grid = read_hourly(pd.DataFrame({"region": ["DEU"], "intensity [gCO2e/kWh]": [400.0],
    ...     "hour_start": [pd.Timestamp("2026-01-01", tz="UTC")], "source": ["example"],
    ...     "kind": ["average"], "basis": ["lifecycle"]}))
    >>> dc = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    >>> dev = device_table({"box": System(name="box", embodied="10000 gCO2e",
    ...                                   lifetime="3 year", facility=dc)})
    >>> mod = model_table({"m": "0 gCO2e"}, lifetime_requests={"m": 1e6})
    >>> log = pd.DataFrame({"model": ["m", "m"], "device": ["box", "box"],
    ...     "region": ["DEU", "DEU"], "energy [Wh]": [1.0, 3.0], "duration [s]": [60, 60],
    ...     "start": pd.to_datetime(["2026-01-01T00:10Z", "2026-01-01T00:20Z"])})
    >>> s = request_sums(log, RequestTables(dev, mod, grid))
    >>> round(float(s["asc_e [gCO2e]"].sum()), 6), int(s["requests"].sum())
    (1.772684, 2)
    """
    fast = _fast(log, tables)
    if fast is not None:
        return fast
    return partial_sums(request_carbon(log, tables))


def _fast(log: pd.DataFrame, tables: RequestTables) -> pd.DataFrame | None:
    grid = tables.grid
    cols = log.columns
    if grid is None or any(c not in cols for c in ("model", "start", "device", "region")):
        return None
    e_col = unit_column(log, "energy", "kWh", required=False)
    d_col = unit_column(log, "duration", "s", required=False)
    if e_col is None or d_col is None or not len(log):
        return None
    mod = _codes(log["model"], tables.models.index)
    dev = _codes(log["device"], tables.devices.index)
    if mod is None or dev is None:
        return None
    reg = log["region"]
    if not isinstance(reg.dtype, pd.CategoricalDtype):
        reg = reg.astype("category")
    r_codes, extra = region_codes(reg, grid.regions)
    if extra:
        return None
    energy = log[e_col].to_numpy(dtype=np.float64) * column_factor(e_col, "kWh")
    dur_s = log[d_col].to_numpy(dtype=np.float64) * column_factor(d_col, "s")
    lo_e, lo_d = energy.min(), dur_s.min()
    if not (lo_e >= 0 and lo_d >= 0 and np.isfinite(energy.max())
            and np.isfinite(dur_s.max())):
        return None
    t0 = utc_ns(log["start"], "start")
    t1 = t0 + np.rint(dur_s * 1e9).astype(np.int64)
    join = HourJoin(grid.dense, r_codes, t0, t1)
    if not join.complete():
        return None
    ci = join.means(np.full(len(grid.regions), np.nan))

    # group id per row: (model code, day, region code, device code), dense
    day_ns = t0 // DAY_NS
    d0 = int(day_ns.min())
    day_i = day_ns - d0
    n_m, n_r, n_v = len(mod[1]), len(grid.regions), len(dev[1])
    n_d = int(day_i.max()) + 1
    gid = ((mod[0].astype(np.int64) * n_d + day_i) * n_r + r_codes) * n_v + dev[0]
    size = n_m * n_d * n_r * n_v
    if size > 4 * len(log) + 1024:  # sparse keys: number the groups present
        present, gid = np.unique(gid, return_inverse=True)
        size = len(present)
    else:
        present = np.arange(size)

    def total(w: np.ndarray | None) -> np.ndarray:
        return np.bincount(gid, weights=w, minlength=size)

    count = total(None)
    keep = np.flatnonzero(count)
    g, n = present[keep], count[keep]
    e_sum = total(energy)[keep]
    t_sum = total(dur_s)[keep]
    eci = total(np.multiply(energy, ci, out=ci))[keep]
    frac: np.ndarray | None = None
    if "fraction" in cols:
        u = log["fraction"].to_numpy(dtype=np.float64)
        if not (u.min() >= 0 and u.max() <= 1):
            return None
        frac = total(u * dur_s)[keep]
    estimated = np.zeros(len(keep))
    if "energy_provenance" in cols:
        prov = log["energy_provenance"].astype("category")
        is_est = np.append(np.asarray(prov.cat.categories.astype(str) == "estimated",
                                      dtype=bool), False)
        est = is_est[np.asarray(prov.cat.codes.to_numpy(), dtype=np.int64)]
        estimated = np.bincount(gid[est], minlength=size)[keep].astype(np.float64)
    retraining = None
    if tables.retraining is not None:
        c_rt, n_rt = tables.retraining.lookup(log["model"], t0, log.index)
        retraining = total(retraining_kernel(c_rt, n_rt, out=c_rt))[keep]

    g_dev = dev[1][g % n_v]
    g_mod = mod[1][g // (n_v * n_r * n_d)]
    with np.errstate(invalid="ignore", divide="ignore"):
        agg: dict[str, Any] = {
            "energy [kWh]": e_sum,
            "intensity [gCO2e/kWh]": np.where(e_sum > 0, eci / e_sum, 0.0),
            "duration [s]": t_sum,
        }
        if frac is not None:
            agg["fraction"] = np.where(t_sum > 0, frac / t_sum, 1.0)
    agg.update(key_columns(tables, g_dev, g_mod, n))
    if retraining is not None:
        agg["retraining [gCO2e]"] = retraining
        agg["retraining_requests"] = np.ones(len(keep))
    parts = asc_e_frame(pd.DataFrame(agg, copy=False))
    assert isinstance(parts, pd.DataFrame)
    # the groups' sums, added up over devices: per (model, day, region) as partial_sums
    key, inv = np.unique(g // n_v, return_inverse=True)

    def per_key(v: np.ndarray) -> np.ndarray:
        return np.bincount(inv, weights=v, minlength=len(key))

    out: dict[str, Any] = {
        "model": pd.Categorical.from_codes(key // (n_r * n_d), categories=mod[2]),
        "day": pd.DatetimeIndex((d0 + key // n_r % n_d) * DAY_NS, tz="UTC").as_unit("ns"),
        "region": pd.Categorical.from_codes(key % n_r, categories=pd.Index(grid.regions)),
        "requests": per_key(n).astype(np.int64),
        "fallback_requests": np.zeros(len(key), dtype=np.int64),
        "estimated_requests": per_key(estimated).astype(np.int64),
        "energy [kWh]": per_key(e_sum), "duration [s]": per_key(t_sum),
        **{c: per_key(parts[c].to_numpy()) for c in PART_COLUMNS},
    }
    return pd.DataFrame(out)
