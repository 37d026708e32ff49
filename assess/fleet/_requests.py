"""Request-log accounting at fleet scale: ASC^e per request on pandas and on Dask alike.

One implementation, :func:`request_carbon`, a function of one pandas frame of requests (the
schema is section 3 of ``specs/hourly_schema.md``): it looks up each request's device and model
in small tables (:class:`RequestTables`, broadcast once to every worker), joins the hourly
grid intensity of its region and window (:mod:`carbon._hourly`), and hands the columns to
:func:`carbon.asc_e_frame`, the vectorised ASC^e path (units in column names). The aggregates
are one more function of a pandas frame, :func:`partial_sums`, summed again by
:func:`summarise`. :func:`account_requests` runs the pair on a pandas frame directly, or on a
Dask DataFrame (read from Parquet partitioned by day) with ``map_partitions``: the same two
functions per partition; only the small per-(model, day, region) sums leave the workers.

ASC^e of request j on model m (METRICS.md):

    ASC^e(j) = E_j * PUE_d * CI(region, [start, end)) + EC_d * t_j / LT_d * u_j
               + EPC(m) * t_j / (LT_m * n_par(m))            (share by time)
          or   + EPC(m) / N_lifetime(m)                      (share by expected requests)

EPC(m) and LT_m come from the lineage ledger, once per model (:func:`model_table_from_ledger`),
never recomputed per row. Dask is imported lazily: pandas users need not install it.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import importlib
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from carbon import (
    Q_,
    ConstantIntensity,
    DataError,
    InvalidValueError,
    SourceMix,
    System,
    UnitMismatchError,
    UnknownKeyError,
    asc_e_frame,
    magnitude,
)
from carbon._hourly import HOUR_NS, Fallback, HourlyGrid, utc_ns

__all__ = [
    "PART_COLUMNS",
    "RequestReport",
    "RequestTables",
    "account_requests",
    "device_table",
    "model_table",
    "model_table_from_ledger",
    "partial_sums",
    "read_devices",
    "request_carbon",
    "summarise",
]

DAY_NS = 24 * HOUR_NS
_HEAD = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[(.+)\])?\s*$")
#: The parts :func:`request_carbon` adds to each request [gCO2e] (named as carbon.asc_e_frame does).
PART_COLUMNS = ("operational [gCO2e]", "overhead [gCO2e]", "embodied [gCO2e]",
                "platform [gCO2e]", "products [gCO2e]", "retraining [gCO2e]", "jsc [gCO2e]",
                "asc [gCO2e]", "jsc_e [gCO2e]", "asc_e [gCO2e]")
#: What :func:`partial_sums` adds up per (model, day, region).
SUM_COLUMNS = ("requests", "fallback_requests", "estimated_requests", "energy [kWh]",
               "duration [s]", *PART_COLUMNS)
KEYS = ("model", "day", "region")


# ------------------------------------------------------------------ the small tables
def device_table(systems: Mapping[str, System], *,
                 power: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The devices table from :class:`carbon.System` records, keyed by the log's device names.

    Columns: ``pue``, ``embodied [gCO2e]``, ``lifetime [s]``, ``intensity [gCO2e/kWh]`` (the
    facility's constant mix, used only when no hourly grid is given; NaN for an hourly mix)
    and ``power [W]`` (the draw used to estimate energy when the log has none; NaN where not
    given: such a device needs logged energy).

    >>> from carbon import Facility
    >>> dc = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    >>> t = device_table({"h100": System(name="H100 card", embodied="1.5 tCO2e",
    ...                                  lifetime="4 year", facility=dc)}, power={"h100": "700 W"})
    >>> t.loc["h100", ["pue", "embodied [gCO2e]", "power [W]"]].tolist()
    [1.1, 1500000.0, 700.0]
    """
    rows = {}
    for name, s in systems.items():
        mix = s.facility.mix
        ci = (mix.gco2e_per_kwh if isinstance(mix, (ConstantIntensity, SourceMix))
              else np.nan)
        p = np.nan
        if power is not None and name in power:
            p = float(magnitude(power[name], "W", f"power[{name!r}]"))
        rows[name] = {"pue": s.facility.pue, "embodied [gCO2e]": s.embodied.m_as("gCO2e"),
                      "lifetime [s]": s.lifetime.m_as("s"), "intensity [gCO2e/kWh]": ci,
                      "power [W]": p}
    if power is not None and (extra := sorted(set(power) - set(systems))):
        raise UnknownKeyError("power", extra, f"devices among {sorted(systems)}")
    if not rows:
        raise DataError("systems", {}, "at least one device")
    return pd.DataFrame.from_dict(rows, orient="index")


_DEVICE_UNITS = {"embodied": "gCO2e", "lifetime": "s", "power": "W",
                 "intensity": "gCO2e/kWh"}


def read_devices(source: Any) -> pd.DataFrame:
    """The devices table from a CSV file (or a DataFrame): one row per device.

    Columns: ``device``, ``pue``, ``embodied [unit]``, ``lifetime [unit]``, and optionally
    ``power [unit]`` (to estimate energy when the log has none) and ``intensity [unit]`` (the
    facility's constant intensity, used when no hourly grid is given). Units in brackets are
    converted once to gCO2e, s, W and gCO2e/kWh.

    >>> t = read_devices(pd.DataFrame({"device": ["h100"], "pue": [1.2],
    ...     "embodied [kgCO2e]": [2500], "lifetime [year]": [4], "power [kW]": [0.7]}))
    >>> t.loc["h100"].tolist()
    [1.2, 2500000.0, 126144000.0, 700.0]
    """
    df = source if isinstance(source, pd.DataFrame) else pd.read_csv(source)
    out: dict[str, Any] = {}
    if "device" not in df.columns or "pue" not in df.columns:
        raise DataError("devices.columns", list(map(str, df.columns)),
                        "device, pue, embodied [unit], lifetime [unit] (power, intensity "
                        "optional)")
    pue = pd.to_numeric(df["pue"], errors="coerce").to_numpy(dtype=np.float64)
    if not (np.isfinite(pue) & (pue >= 1.0)).all():
        i = int(np.flatnonzero(~(np.isfinite(pue) & (pue >= 1.0)))[0])
        raise InvalidValueError(f"devices[row {i}].pue", df["pue"].iloc[i], "a number >= 1")
    out["pue"] = pue
    for kind, unit in _DEVICE_UNITS.items():
        col = _unit_column(df, kind, unit, required=kind in ("embodied", "lifetime"))
        if col is None:
            continue
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = ~np.isfinite(v) | (v < 0) | ((v == 0) if kind == "lifetime" else False)
        if kind in ("power", "intensity"):
            bad &= ~np.isnan(v)  # left empty: not known for that device
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidValueError(f"devices[row {i}].{col}", df[col].iloc[i],
                                    f"a finite {kind} {'> 0' if kind == 'lifetime' else '>= 0'}")
        out[f"{kind} [{unit}]"] = v * _factor(col, unit)
    table = pd.DataFrame(out, index=pd.Index(df["device"].astype(str), name="device"))
    if not table.index.is_unique:
        raise DataError("devices.device", table.index[table.index.duplicated()][0],
                        "one row per device")
    return table


def model_table(epc: Mapping[str, Any], *, lifetime: Mapping[str, Any] | None = None,
                parallel_jobs: Mapping[str, float] | float | None = None,
                lifetime_requests: Mapping[str, float] | float | None = None) -> pd.DataFrame:
    """The models table: each model's EPC and how it is shared among its requests.

    Share by time, ``EPC * t / (LT * n_par)``: give ``lifetime`` and ``parallel_jobs`` (how
    many requests run on the model at once, on average: one number or one per model). Share by
    expected requests, ``EPC / N_lifetime``: give ``lifetime_requests``. Exactly one basis, for
    every model; nothing defaults (``n_par = 1`` would charge each concurrent request the
    whole EPC rate).

    >>> t = model_table({"m": "2 tCO2e"}, lifetime={"m": "1 year"}, parallel_jobs=50)
    >>> t.loc["m"].tolist()
    [2000000.0, 31536000.0, 50.0]
    """
    if (lifetime_requests is None) == (lifetime is None and parallel_jobs is None):
        raise InvalidValueError("share", {"lifetime": lifetime, "parallel_jobs": parallel_jobs,
                                          "lifetime_requests": lifetime_requests},
                                "either lifetime and parallel_jobs (share by time) or "
                                "lifetime_requests (share by requests), not both, not neither")
    rows: dict[str, dict[str, float]] = {}
    for m, value in epc.items():
        row = {"epc [gCO2e]": float(magnitude(value, "gCO2e", f"epc[{m!r}]"))}
        if lifetime_requests is not None:
            n = _per_model(lifetime_requests, m, "lifetime_requests")
            if not (np.isfinite(n) and n > 0):
                raise InvalidValueError(f"lifetime_requests[{m!r}]", n, "a count > 0")
            row["product_requests"] = n
        else:
            if lifetime is None or m not in lifetime or lifetime[m] is None:
                raise UnknownKeyError("lifetime", m, f"a lifetime for model {m!r} (set it in "
                                      "the ledger, or share by lifetime_requests)")
            lt = float(magnitude(lifetime[m], "s", f"lifetime[{m!r}]"))
            if lt <= 0:
                raise InvalidValueError(f"lifetime[{m!r}]", lifetime[m], "a lifetime > 0")
            if parallel_jobs is None:
                raise InvalidValueError("parallel_jobs", None,
                                        "how many requests share the model at once (>= 1)")
            n = _per_model(parallel_jobs, m, "parallel_jobs")
            if not (np.isfinite(n) and n >= 1):
                raise InvalidValueError(f"parallel_jobs[{m!r}]", n, "a number >= 1")
            row["product_lifetime [s]"] = lt
            row["parallel_jobs"] = n
        rows[m] = row
    if not rows:
        raise DataError("epc", {}, "at least one model")
    return pd.DataFrame.from_dict(rows, orient="index")


def _per_model(value: Mapping[str, float] | float, m: str, name: str) -> float:
    if isinstance(value, Mapping):
        if m not in value:
            raise UnknownKeyError(name, m, f"a value for model {m!r} (given for {sorted(value)})")
        return float(value[m])
    return float(value)


def model_table_from_ledger(ledger: Any, models: Iterable[str] | None = None, *,
                            parallel_jobs: Mapping[str, float] | float | None = None,
                            lifetime_requests: Mapping[str, float] | float | None = None
                            ) -> pd.DataFrame:
    """The models table with EPC and lifetime read from the lineage ledger, once per model.

    ``ledger`` is a ledger URL (SQLite path or SQLAlchemy URL), a ``lineage.Ledger`` or a
    ``lineage.ProvenanceGraph``; ``models`` the product ids to include (default: every model).
    """
    lineage = importlib.import_module("lineage")  # a floor below assess; Any to mypy
    if isinstance(ledger, str):
        with lineage.Ledger(ledger) as book:
            graph = book.load()
    elif isinstance(ledger, lineage.Ledger):
        graph = ledger.load()
    else:
        graph = ledger
    frame = graph.epc_all()  # every product's EPC in one solve, not per row
    if models is None:
        ids = [str(m) for m in frame.index[frame["kind"].astype(str) == "model"]]
    else:
        ids = list(models)
        unknown = [m for m in ids if m not in frame.index]
        if unknown:
            raise UnknownKeyError("model", unknown[0] if len(unknown) == 1 else unknown,
                                  "a product id in the ledger")
    if not ids:
        raise DataError("ledger", "no models", "a ledger with at least one model")
    epc = {m: Q_(float(frame.loc[m, "epc [gCO2e]"]), "gCO2e") for m in ids}
    lifetime = ({m: graph.product(m).get("lifetime") for m in ids}
                if lifetime_requests is None else None)
    table = model_table(epc, lifetime=lifetime, parallel_jobs=parallel_jobs,
                        lifetime_requests=lifetime_requests)
    # how far to trust each EPC: a lower bound (a job missing upstream), double counting
    table["epc_complete"] = frame.loc[ids, "complete"].to_numpy(dtype=bool)
    table["epc_conserving"] = frame.loc[ids, "conserving"].to_numpy(dtype=bool)
    return table


@dataclass(frozen=True, eq=False)
class RequestTables:
    """The small tables every partition needs, broadcast once: devices, models, intensity.

    ``grid`` (an :class:`carbon._hourly.HourlyGrid`) charges each request the hourly
    intensity of its region; without one, each device's facility mix is used (a constant).
    ``fallback`` is passed to :meth:`HourlyGrid.join` (None: a missing hour is an error).
    """

    devices: pd.DataFrame
    models: pd.DataFrame
    grid: HourlyGrid | None = None
    fallback: Fallback = None
    share: Literal["time", "requests"] = field(init=False)

    def __post_init__(self) -> None:
        for name, table, need in (("devices", self.devices,
                                   ("pue", "embodied [gCO2e]", "lifetime [s]")),
                                  ("models", self.models, ("epc [gCO2e]",))):
            missing = [c for c in need if c not in table.columns]
            if missing:
                raise DataError(f"{name}.columns", list(table.columns), f"also {missing}")
            if not table.index.is_unique:
                raise DataError(f"{name}.index", "duplicate keys", "one row per key")
        by_time = "product_lifetime [s]" in self.models.columns
        by_req = "product_requests" in self.models.columns
        if by_time == by_req:
            raise DataError("models.columns", list(self.models.columns),
                            "'product_lifetime [s]' and 'parallel_jobs', or 'product_requests'")
        object.__setattr__(self, "share", "time" if by_time else "requests")
        if self.grid is None and self.fallback is not None:
            raise InvalidValueError("fallback", self.fallback, "a fallback only with a grid")


# ------------------------------------------------------------------ per request
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


def _unit_column(log: pd.DataFrame, kind: str, unit: str, *, required: bool) -> str | None:
    found = [str(c) for c in log.columns if (m := _HEAD.match(str(c))) and m.group(1) == kind]
    if len(found) > 1:
        raise DataError("columns", found, f"one {kind!r} column")
    if not found:
        if required:
            raise DataError("columns", list(map(str, log.columns)),
                            f"a '{kind} [{unit}]' column (the unit in brackets)")
        return None
    return found[0]


@functools.lru_cache(maxsize=256)
def _factor(col: str, unit: str) -> float:
    m = _HEAD.match(col)
    given = m.group(2) if m else None
    if given is None:
        raise UnitMismatchError.for_units(f"column {col!r}", col, f"{unit} (name it "
                                          f"'{col} [{unit}]')")
    try:
        return float(Q_(1.0, given).m_as(unit))
    except Exception as e:  # pint raises several types for bad unit strings
        raise UnitMismatchError.for_units(f"column {col!r}", given, unit) from e


def request_carbon(log: pd.DataFrame, tables: RequestTables) -> pd.DataFrame:
    """ASC^e and its parts for every request of ``log`` [gCO2e], vectorised.

    The one implementation for pandas and Dask (applied to each partition). Looks each
    request's device and model up in ``tables`` (distinct keys hashed once), joins the hourly
    intensity of its region and window, and computes with :func:`carbon.asc_e_frame`.

    Returns a frame on ``log``'s index: ``model``, ``device``, ``region`` (as given), ``day``
    (UTC midnight of ``start``), ``energy [kWh]``, ``energy_provenance``, ``duration [s]``,
    ``intensity [gCO2e/kWh]``, ``intensity_source``, ``intensity_fallback`` and the parts of
    :data:`PART_COLUMNS`.

    >>> from carbon import Facility
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
    dur_col = _unit_column(log, "duration", "s", required=True)
    assert dur_col is not None
    dur_s = log[dur_col].to_numpy(dtype=np.float64) * _factor(dur_col, "s")
    start_ns = utc_ns(log["start"], "start")
    keys = {k: _as_category(log[k], k) for k in ("model", "device", "region")}
    dev = _lookup(keys["device"], tables.devices.index, "device",
                  "add the device to the devices table")
    mod = _lookup(keys["model"], tables.models.index, "model",
                  "add the model to the lineage ledger")
    devices, models = tables.devices, tables.models

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
    e_col = _unit_column(log, "energy", "kWh", required=False)
    if e_col is not None:
        energy = log[e_col].to_numpy(dtype=np.float64) * _factor(e_col, "kWh")
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
        energy = p * dur_s / 3.6e6  # W * s = J; 3.6e6 J per kWh
        prov = pd.Categorical.from_codes(np.zeros(len(log), np.int8),
                                         categories=pd.Index(["estimated"]))
        estimated = np.ones(len(log), dtype=bool)

    cols: dict[str, Any] = {
        "energy [kWh]": energy,
        "pue": devices["pue"].to_numpy(dtype=np.float64)[dev],
        "intensity [gCO2e/kWh]": ci,
        "duration [s]": dur_s,
        "embodied [gCO2e]": devices["embodied [gCO2e]"].to_numpy(dtype=np.float64)[dev],
        "lifetime [s]": devices["lifetime [s]"].to_numpy(dtype=np.float64)[dev],
        "epc [gCO2e]": models["epc [gCO2e]"].to_numpy(dtype=np.float64)[mod],
    }
    if "fraction" in log.columns:
        cols["fraction"] = log["fraction"].to_numpy(dtype=np.float64)
    if tables.share == "time":
        cols["product_lifetime [s]"] = models["product_lifetime [s]"].to_numpy(
            dtype=np.float64)[mod]
        cols["parallel_jobs"] = models["parallel_jobs"].to_numpy(dtype=np.float64)[mod]
    else:
        cols["product_requests"] = models["product_requests"].to_numpy(dtype=np.float64)[mod]
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


# ------------------------------------------------------------------ the driver
def _partition(pdf: pd.DataFrame, tables: RequestTables) -> pd.DataFrame:
    return partial_sums(request_carbon(pdf, tables))


#: The columns :func:`request_carbon` reads (besides ``duration [..]`` and ``energy [..]``);
#: the string ones among the first four and ``energy_provenance`` are read from Parquet as
#: dictionaries (pandas categoricals): each distinct key decoded once, not once per row.
_READ_COLUMNS = ("model", "start", "device", "region", "energy_provenance", "fraction")
_DICT_COLUMNS = ("model", "device", "region", "energy_provenance")
_PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")


def _parquet_files(path: Any) -> list[str] | None:
    """The local Parquet files of a path, a glob or a directory (searched recursively, as a
    Hive layout ``day=2026-03-01/part-0.parquet``); None for a URL (left to Dask)."""
    if not isinstance(path, (str, os.PathLike)):
        return None  # a list of paths, a file object: left to Dask
    p = os.fspath(path)
    if "://" in p:
        return None
    found = sorted(glob.glob(p, recursive=True)) if glob.has_magic(p) else [p]
    files: list[str] = []
    for f in found:
        if os.path.isdir(f):
            files += sorted(os.path.join(d, n) for d, _, names in os.walk(f) for n in names
                            if n.endswith(_PARQUET_SUFFIXES) and not n.startswith((".", "_")))
        elif os.path.isfile(f):
            files.append(f)
    if not files:
        raise DataError("requests", p, "a Parquet file, a directory of them or a glob that "
                        "matches some")
    return files


def _read_piece(path: str, row_groups: tuple[int, ...], columns: list[str],
                dictionary: list[str]) -> pd.DataFrame:
    """Some row groups of one Parquet file as pandas: only ``columns`` (and the index the
    file's pandas metadata names), the ``dictionary`` columns as categoricals."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path, read_dictionary=dictionary)
    table = pf.read_row_groups(list(row_groups), columns=columns, use_threads=False,
                               use_pandas_metadata=True)
    frame: pd.DataFrame = table.to_pandas()
    return frame


@dataclass(frozen=True)
class _ParquetPieces:
    """Where each partition of a local Parquet request log lies: a file and a run of its row
    groups (at most ``partition_rows`` rows, whole row groups), and what to read of it."""

    files: list[str]
    row_groups: list[tuple[int, ...]]
    columns: list[str]
    dictionary: list[str]

    def read(self, i: int) -> pd.DataFrame:
        return _read_piece(self.files[i], self.row_groups[i], self.columns, self.dictionary)

    def frame(self, dd: Any) -> Any:
        """The pieces as a lazy Dask DataFrame, one partition each."""
        meta = _read_piece(self.files[0], (), self.columns, self.dictionary)
        return dd.from_map(_read_piece, self.files, self.row_groups, columns=self.columns,
                           dictionary=self.dictionary, meta=meta, enforce_metadata=False,
                           label="read-requests")


def _parquet_pieces(path: Any, partition_rows: int) -> _ParquetPieces | None:
    """The partitions of local Parquet request logs: only the columns :func:`request_carbon`
    reads. None where this reader does not apply (a URL, or a key held in the directory
    names): the caller falls back to ``dask.dataframe.read_parquet``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if partition_rows < 1:
        raise InvalidValueError("partition_rows", partition_rows, "a number of rows >= 1")
    files = _parquet_files(path)
    if files is None:
        return None
    schema = pq.read_schema(files[0])
    names = list(schema.names)
    heads = {n: (m.group(1) if (m := _HEAD.match(n)) else None) for n in names}
    columns = [n for n in names if n in _READ_COLUMNS or heads[n] in ("duration", "energy")]
    if any(c not in columns for c in ("model", "start", "device", "region")):
        return None  # e.g. region=DEU/ directories: Dask's reader adds those columns
    dictionary = [c for c in columns if c in _DICT_COLUMNS
                  and (pa.types.is_string(schema.field(c).type)
                       or pa.types.is_large_string(schema.field(c).type))]
    out = _ParquetPieces([], [], columns, dictionary)
    for f in files:
        meta = pq.ParquetFile(f).metadata
        run: list[int] = []
        rows = 0
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if run and rows + n > partition_rows:
                out.files.append(f)
                out.row_groups.append(tuple(run))
                run, rows = [], 0
            run.append(g)
            rows += n
        if run:
            out.files.append(f)
            out.row_groups.append(tuple(run))
    if not out.files:
        raise DataError("requests", os.fspath(path), "Parquet files with at least one row "
                        "group")
    return out


def _piece_sums(pieces: _ParquetPieces, i: int, tables: RequestTables) -> pd.DataFrame:
    """Read one piece and reduce it in the same task: only the partial sums leave it."""
    return _partition(pieces.read(i), tables)


#: Environment for the worker processes of a LocalCluster started here. distributed sets
#: ``MALLOC_TRIM_THRESHOLD_`` in workers, which also turns off glibc's adaptive mmap
#: threshold: every array above 128 KiB is then mmapped afresh and page-faulted in, which
#: measured 3-4x the page faults and about 40 % more CPU per partition. Arrays up to 32 MiB
#: (4M float64 rows) come from the heap again; trimming still returns freed memory.
WORKER_ENV = {"MALLOC_MMAP_THRESHOLD_": 32 * 2**20}


#: Dask settings for the workers of a LocalCluster started here: the statistical profiler
#: (a thread sampling every worker's stack every 10 ms) measured about 10 % of the CPU time.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


@contextlib.contextmanager
def worker_config() -> Iterator[None]:
    """Start LocalCluster workers inside this block: with :data:`WORKER_ENV` in their
    environment and :data:`WORKER_CONFIG` in their Dask config."""
    dask = importlib.import_module("dask")
    with dask.config.set({**{f"distributed.nanny.pre-spawn-environ.{k}": v
                             for k, v in WORKER_ENV.items()}, **WORKER_CONFIG}):
        yield


@contextlib.contextmanager
def _dask_pandas_deprecations() -> Iterator[None]:
    """Silence only pandas 3.1's deprecation of ``inplace=`` as raised inside dask's Parquet
    reader (dask 2026.8 still calls ``reset_index(inplace=True)``); nothing else."""
    category = getattr(pd.errors, "Pandas4Warning", DeprecationWarning)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword", category=category)
        yield


def account_requests(log: Any, tables: RequestTables, *, scheduler: str | None = None,
                     n_workers: int = 2, threads_per_worker: int = 1,
                     memory_limit: str | None = "4GiB", client: Any = None,
                     partition_rows: int = 1_000_000) -> RequestReport:
    """ASC^e of every request of ``log`` and its aggregates per model, per day, per region.

    ``log`` is a pandas DataFrame (computed here, in memory), a Dask DataFrame, or a path or
    glob of Parquet files (``'logs/*.parquet'`` or a directory partitioned by day) read with
    ``dask.dataframe.read_parquet``. On Dask, :func:`request_carbon` and
    :func:`partial_sums` run per partition with ``map_partitions``; ``tables`` is scattered to
    every worker once. ``scheduler`` is a ``tcp://`` address of a running
    ``dask.distributed`` scheduler; without one (and without ``client``) a ``LocalCluster`` of
    ``n_workers`` processes starts for the call and stops after it. The report's
    ``per_request`` is then a lazy Dask DataFrame (write it with ``.to_parquet``).

    Local Parquet is read with pyarrow directly: only the columns :func:`request_carbon`
    uses, the key columns as dictionaries (categoricals), one partition per run of a file's
    row groups of at most ``partition_rows`` rows (a file's row group is never split: write
    row groups of about a million rows); each task reads its piece and reduces it, so only
    the partial sums move. Other sources go through ``dask.dataframe.read_parquet`` and
    ``map_partitions``. A LocalCluster started here runs under :func:`worker_config`.
    """
    if isinstance(log, pd.DataFrame):
        per = request_carbon(log, tables)
        return summarise(partial_sums(per), per_request=per)

    dd = importlib.import_module("dask.dataframe")  # lazily: pandas users need no dask
    distributed = importlib.import_module("distributed")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    own: list[Any] = []
    with contextlib.ExitStack() as stack:
        stack.enter_context(_dask_pandas_deprecations())
        stack.callback(lambda: [c.close() for c in own])
        if client is None:
            if scheduler is None:
                with worker_config():
                    cluster = LocalCluster(n_workers=n_workers,
                                           threads_per_worker=threads_per_worker,
                                           memory_limit=memory_limit, processes=True,
                                           dashboard_address=None)
                own.append(cluster)
                client = Client(cluster)
            else:
                client = Client(scheduler)
            own.insert(0, client)
        pieces = None if isinstance(log, dd.DataFrame) else _parquet_pieces(log,
                                                                            partition_rows)
        [shared] = client.scatter([tables], broadcast=True, hash=False)
        if pieces is not None:
            # local Parquet: one task per piece reads it and reduces it (no frame of requests
            # moves between tasks or workers); the same _partition as map_partitions runs
            [spieces] = client.scatter([pieces], broadcast=True, hash=False)
            futures = client.map(_piece_sums, [spieces] * len(pieces.files),
                                 range(len(pieces.files)), tables=shared, pure=False)
            partials = pd.concat(client.gather(futures), ignore_index=True)
            ddf = pieces.frame(dd)
        else:
            ddf = log if isinstance(log, dd.DataFrame) else dd.read_parquet(log)
            meta = partial_sums(request_carbon(ddf._meta, tables))
            partials = client.compute(ddf.map_partitions(_partition, shared,
                                                         meta=meta)).result()
        per = ddf.map_partitions(request_carbon, tables,
                                 meta=request_carbon(ddf._meta, tables))
        return summarise(partials, per_request=per)
    raise AssertionError("unreachable")  # pragma: no cover
