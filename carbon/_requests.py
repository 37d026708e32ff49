"""Request-log accounting: ASC^e per request and its sums, functions of one pandas frame.

One implementation, :func:`request_carbon`, a function of one pandas frame of requests (the
schema is section 3 of ``specs/hourly_schema.md``): it looks up each request's device and model
in small tables (:class:`carbon.RequestTables`, broadcast once to every worker of an engine),
joins the hourly grid intensity of its region and window (:class:`carbon.HourlyGrid`), and
hands the columns to :func:`carbon.asc_e_frame`, the vectorised ASC^e path (units in column
names). The aggregates are one more function of a pandas frame, :func:`partial_sums`, summed
again by :func:`summarise`: partial sums of any split of the requests add up to those of the
whole, so an engine (``assess.fleet``: pandas, Parquet pieces, Dask) runs the pair per
partition and moves only the small per-(model, day, region) sums.

ASC^e of request j on model m (specs/metrics.md):

    ASC^e(j) = E_j * PUE_d * CI(region, [start, end)) + EC_d * t_j / LT_d * u_j
               + EPC(m) * t_j / (LT_m * n_par(m))            (share by time)
          or   + EPC(m) / N_lifetime(m)                      (share by expected requests)
               + R_d * t_j * s_d                  (platform tax, if the devices table has one)
               + cf_rt,i / n_i       (retraining interval i of model m that served j, if any)

EPC(m) and LT_m come from the lineage ledger once per model
(``lineage.model_table_from_ledger``), never recomputed per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from carbon._columns import column_factor
from carbon._errors import DataError, UnknownKeyError
from carbon._fleet import asc_e_frame
from carbon._request_tables import RequestTables, key_columns, unit_column
from carbon._units import Q_
from carbon._utc import DAY_NS, utc_ns

__all__ = [
    "PART_COLUMNS",
    "SUM_COLUMNS",
    "RequestReport",
    "partial_sums",
    "request_carbon",
    "summarise",
]

#: The parts :func:`request_carbon` adds to each request [gCO2e] (named as carbon.asc_e_frame does).
PART_COLUMNS = ("operational [gCO2e]", "overhead [gCO2e]", "embodied [gCO2e]",
                "platform [gCO2e]", "products [gCO2e]", "retraining [gCO2e]", "jsc [gCO2e]",
                "asc [gCO2e]", "jsc_e [gCO2e]", "asc_e [gCO2e]")
#: What :func:`partial_sums` adds up per (model, day, region).
SUM_COLUMNS = ("requests", "fallback_requests", "estimated_requests", "energy [kWh]",
               "duration [s]", *PART_COLUMNS)
KEYS = ("model", "day", "region")
#: Joules in a kilowatt hour, from the registry (W * s = J).
_J_PER_KWH = float(Q_(1.0, "kWh").m_as("J"))


def _as_category(col: pd.Series, name: str) -> pd.Series:
    """The column as a categorical: each distinct value hashed once (pyarrow dictionary
    encoding for string columns), the rows held as integer codes from here on."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cat = col
    else:
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        cat = pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniques)),
                        index=col.index, name=col.name)
    if (cat.cat.codes.to_numpy() < 0).any():
        raise DataError(name, "a missing value (NaN)", f"a {name} in every row")
    return cat


def _lookup(col: pd.Series, index: pd.Index, name: str, fix: str) -> np.ndarray:
    """Row of ``index`` for each row of the categorical ``col`` (categories looked up once)."""
    cats = pd.Index(col.cat.categories.astype(str))
    where = np.asarray(index.get_indexer(cats), dtype=np.int64)
    codes = np.asarray(col.cat.codes.to_numpy(), dtype=np.int64)
    if (where < 0).any():
        used = np.zeros(len(cats), dtype=bool)
        used[np.unique(codes)] = True
        bad = [str(c) for c, w, u in zip(cats, where, used, strict=True) if w < 0 and u]
        if bad:
            raise UnknownKeyError(name, bad[0] if len(bad) == 1 else bad,
                                  f"one of {list(index)[:20]} ({fix})")
    out: np.ndarray = where[codes]
    return out


def request_carbon(log: pd.DataFrame, tables: RequestTables) -> pd.DataFrame:
    """ASC^e and its parts for every request of ``log`` [gCO2e], vectorised.

    The one implementation for pandas and Dask (applied to each partition). Looks each
    request's device and model up in ``tables`` (distinct keys hashed once), joins the hourly
    intensity of its region and window, and computes with :func:`carbon.asc_e_frame`.

    Returns a frame on ``log``'s index: ``model``, ``device``, ``region`` (as given), ``day``
    (UTC midnight of ``start``), ``energy [kWh]``, ``energy_provenance``, ``duration [s]``,
    ``intensity [gCO2e/kWh]``, ``intensity_source``, ``intensity_fallback`` and the parts of
    :data:`PART_COLUMNS`.

    >>> from carbon import Facility, RequestTables, System, device_table, model_table
    >>> dc = Facility(name="dc", pue=1.08, mix="665.6 gCO2e/kWh")
    >>> dev = device_table({"box": System(name="box", embodied="10000 gCO2e", lifetime="3 year",
    ...                                   facility=dc)})
    >>> mod = model_table({"m": "0 gCO2e"}, lifetime_requests={"m": 1e6})
    >>> log = pd.DataFrame({"model": ["m"], "start": [pd.Timestamp("2026-01-01", tz="UTC")],
    ...                     "duration [min]": [5.0], "device": ["box"], "region": ["-"],
    ...                     "energy [kJ]": [1.0]})
    >>> round(float(request_carbon(log, RequestTables(dev, mod))["asc_e [gCO2e]"].iloc[0]), 4)
    0.2314
    """
    for c in ("model", "start", "device", "region"):
        if c not in log.columns:
            raise DataError("columns", list(map(str, log.columns)),
                            f"the request-log columns model, start, duration [unit], device, "
                            f"region (missing {c!r})")
    dur_col = unit_column(log, "duration", "s", required=True)
    assert dur_col is not None
    dur_s = log[dur_col].to_numpy(dtype=np.float64) * column_factor(dur_col, "s")
    start_ns = utc_ns(log["start"], "start")
    keys = {k: _as_category(log[k], k) for k in ("model", "device", "region")}
    dev = _lookup(keys["device"], tables.devices.index, "device",
                  "add the device to the devices table")
    mod = _lookup(keys["model"], tables.models.index, "model",
                  "add the model to the lineage ledger")
    devices = tables.devices

    # intensity: the hourly grid by region and window, else the facility's constant mix
    if tables.grid is not None:
        dur_name = "duration [s]"
        joined = tables.grid.join(
            pd.DataFrame({"region": keys["region"], "start": log["start"], dur_name: dur_s},
                         index=log.index, copy=False),
            duration=dur_name, fallback=tables.fallback)
        ci = joined["intensity [gCO2e/kWh]"].to_numpy()
        src: Any = joined["intensity_source"]
        fb = joined["intensity_fallback"].to_numpy()
    else:
        dci = devices["intensity [gCO2e/kWh]"].to_numpy(dtype=np.float64) \
            if "intensity [gCO2e/kWh]" in devices.columns else np.full(len(devices), np.nan)
        ci = dci[dev]
        if np.isnan(ci).any():
            name = devices.index[dev[np.flatnonzero(np.isnan(ci))[0]]]
            raise DataError("intensity", f"device {name!r} has no constant intensity",
                            "an hourly grid (its facility mix is hourly) or a constant mix")
        src = pd.Categorical.from_codes(dev, categories=pd.Index(
            [f"{d}: facility mix" for d in devices.index]))
        fb = np.zeros(len(log), dtype=bool)

    # energy: logged, else estimated from the device's power draw
    e_col = unit_column(log, "energy", "kWh", required=False)
    if e_col is not None:
        energy = log[e_col].to_numpy(dtype=np.float64) * column_factor(e_col, "kWh")
        prov: Any
        if "energy_provenance" in log.columns:
            prov = log["energy_provenance"].astype("category")
            # compare the few categories, then gather by code (no per-row strings); the
            # trailing False is what code -1 (a missing provenance) picks
            is_est = np.append(np.asarray(prov.cat.categories.astype(str) == "estimated",
                                          dtype=bool), False)
            estimated = is_est[np.asarray(prov.cat.codes.to_numpy(), dtype=np.int64)]
        else:
            prov = pd.Categorical.from_codes(np.zeros(len(log), np.int8),
                                             categories=pd.Index(["reported"]))
            estimated = np.zeros(len(log), dtype=bool)
    else:
        if "power [W]" not in devices.columns:
            raise DataError("columns", list(map(str, log.columns)),
                            "an 'energy [unit]' column, or a 'power [W]' per device to estimate")
        p = devices["power [W]"].to_numpy(dtype=np.float64)[dev]
        if np.isnan(p).any():
            name = devices.index[dev[np.flatnonzero(np.isnan(p))[0]]]
            raise DataError("energy", f"device {name!r} has no power to estimate from",
                            "an 'energy [unit]' column in the log or a power for the device")
        energy = p * dur_s / _J_PER_KWH  # W * s = J
        prov = pd.Categorical.from_codes(np.zeros(len(log), np.int8),
                                         categories=pd.Index(["estimated"]))
        estimated = np.ones(len(log), dtype=bool)

    cols: dict[str, Any] = {"energy [kWh]": energy, "intensity [gCO2e/kWh]": ci,
                            "duration [s]": dur_s, **key_columns(tables, dev, mod)}
    if "fraction" in log.columns:
        cols["fraction"] = log["fraction"].to_numpy(dtype=np.float64)
    if tables.retraining is not None:
        cols["retraining [gCO2e]"], cols["retraining_requests"] = tables.retraining.lookup(
            keys["model"], start_ns, log.index)
    frame = pd.DataFrame(cols, index=log.index, copy=False)
    parts = asc_e_frame(frame)
    assert isinstance(parts, pd.DataFrame)

    day = pd.DatetimeIndex((start_ns // DAY_NS) * DAY_NS, tz="UTC").as_unit("ns")
    out = pd.DataFrame({
        "model": keys["model"], "device": keys["device"], "region": keys["region"],
        "start": log["start"], "day": day.array, "energy [kWh]": energy,
        "energy_provenance": prov, "estimated": estimated,
        "duration [s]": dur_s, "intensity [gCO2e/kWh]": ci,
        "intensity_source": src, "intensity_fallback": fb,
        **{c: parts[c].to_numpy() for c in PART_COLUMNS},
    }, index=log.index, copy=False)
    return out


# ------------------------------------------------------------------ aggregates
def partial_sums(per_request: pd.DataFrame) -> pd.DataFrame:
    """Sums per (model, day, region) of one frame of :func:`request_carbon` output.

    Partial sums of any split of the requests add up (:func:`summarise`) to those of the
    whole: this is what each Dask partition returns.
    """
    n = len(per_request)
    values = {
        "requests": None,
        "fallback_requests": per_request["intensity_fallback"].to_numpy(dtype=np.float64),
        "estimated_requests": per_request["estimated"].to_numpy(dtype=np.float64),
        "energy [kWh]": per_request["energy [kWh]"].to_numpy(dtype=np.float64),
        "duration [s]": per_request["duration [s]"].to_numpy(dtype=np.float64),
        **{c: per_request[c].to_numpy(dtype=np.float64) for c in PART_COLUMNS},
    }
    # one integer group id per row from the key codes, then one bincount per column
    cats, codes = [], []
    for k in ("model", "region"):
        col = per_request[k]
        c = col if isinstance(col.dtype, pd.CategoricalDtype) else _as_category(col, k)
        cats.append(c.cat.categories)
        codes.append(np.asarray(c.cat.codes.to_numpy(), dtype=np.int64))
    day_ns = utc_ns(per_request["day"], "day") if n else np.zeros(0, np.int64)
    d0 = int(day_ns.min()) if n else 0
    day_i = (day_ns - d0) // DAY_NS
    n_m, n_r = len(cats[0]), len(cats[1])
    n_d = int(day_i.max()) + 1 if n else 1
    gid = (codes[0] * n_d + day_i) * n_r + codes[1]
    size = n_m * n_d * n_r
    if size > 4 * n + 1024:  # sparse keys: number the groups present instead
        present, gid = np.unique(gid, return_inverse=True)
        size = len(present)
    else:
        present = np.arange(size)
    counts = np.bincount(gid, minlength=size)
    keep = np.flatnonzero(counts)
    g = present[keep]
    out = {
        "model": pd.Categorical.from_codes(g // (n_d * n_r), categories=cats[0]),
        "day": pd.DatetimeIndex(d0 + (g // n_r % n_d) * DAY_NS, tz="UTC").as_unit("ns"),
        "region": pd.Categorical.from_codes(g % n_r, categories=cats[1]),
    }
    for name, v in values.items():
        out[name] = (counts[keep] if v is None
                     else np.bincount(gid, weights=v, minlength=size)[keep])
    frame = pd.DataFrame(out)
    return frame.astype({c: np.int64 for c in ("requests", "fallback_requests",
                                               "estimated_requests")})


@dataclass(frozen=True)
class RequestReport:
    """Per-request figures (pandas, or a lazy Dask frame) and aggregates.

    ``by_key`` holds the sums per (model, day, region); ``by_model``, ``by_day`` and
    ``by_region`` roll them up, each with ``requests``, energy, every part [gCO2e] and the mean
    ASC^e per request ``asc_e per request [gCO2e]``.
    """

    per_request: Any
    by_key: pd.DataFrame
    by_model: pd.DataFrame
    by_day: pd.DataFrame
    by_region: pd.DataFrame

    @property
    def total(self) -> Any:
        """Total ASC^e of every request [gCO2e quantity]."""
        return Q_(float(self.by_key["asc_e [gCO2e]"].sum()), "gCO2e")

    @property
    def requests(self) -> int:
        return int(self.by_key["requests"].sum())


def summarise(partials: pd.DataFrame | Iterable[pd.DataFrame],
              per_request: Any = None) -> RequestReport:
    """Add up partial sums (:func:`partial_sums` of any split) into the report's aggregates."""
    frame = partials if isinstance(partials, pd.DataFrame) else pd.concat(list(partials))
    frame = frame.astype({"model": str, "region": str})
    by_key = (frame.groupby(list(KEYS), sort=True)[list(SUM_COLUMNS)].sum().reset_index())

    def roll(key: str) -> pd.DataFrame:
        r = by_key.groupby(key, sort=True)[list(SUM_COLUMNS)].sum()
        r["asc_e per request [gCO2e]"] = r["asc_e [gCO2e]"] / r["requests"]
        return r

    return RequestReport(per_request, by_key, roll("model"), roll("day"), roll("region"))
