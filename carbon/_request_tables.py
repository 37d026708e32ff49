"""The small tables of request accounting: devices, models, and what every partition needs.

A request log names each request's ``device`` and ``model``; these tables hold, once per key,
what the per-request arithmetic (:func:`carbon.request_carbon`) multiplies by: a device's PUE,
embodied carbon, lifetime, facility intensity and power draw; a model's EPC and how it is
shared among its requests (by time, or by expected requests). Numbers carry their unit in the
column name (``embodied [gCO2e]``), converted once from whatever unit the input gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from carbon._columns import column_factor, columns_named
from carbon._electricity import ConstantIntensity, SourceMix
from carbon._errors import DataError, InvalidValueError, UnknownKeyError
from carbon._hourly import HourlyGrid
from carbon._hourly_fallback import Fallback
from carbon._records import PlatformUse, System
from carbon._units import magnitude
from carbon._utc import utc_ns

__all__ = ["RequestTables", "RetrainingTable", "device_table", "key_columns", "model_table",
           "read_devices", "unit_column"]


def device_table(systems: Mapping[str, System], *,
                 power: Mapping[str, Any] | None = None,
                 platforms: Mapping[str, PlatformUse] | None = None) -> pd.DataFrame:
    """The devices table from :class:`carbon.System` records, keyed by the log's device names.

    Columns: ``pue``, ``embodied [gCO2e]``, ``lifetime [s]``, ``intensity [gCO2e/kWh]`` (the
    facility's constant mix, used only when no hourly grid is given; NaN for an hourly mix)
    and ``power [W]`` (the draw used to estimate energy when the log has none; NaN where not
    given: such a device needs logged energy). With ``platforms`` (a
    :class:`carbon.PlatformUse` per device, or per service run as a device), also
    ``platform_rate [gCO2e/s]`` and ``platform_share`` (the request's share of the platform
    while it runs, ``1 / concurrent_jobs`` for an equal split); every device then needs one.

    >>> from carbon import Facility
    >>> dc = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    >>> t = device_table({"h100": System(name="H100 card", embodied="1.5 tCO2e",
    ...                                  lifetime="4 year", facility=dc)}, power={"h100": "700 W"})
    >>> t.loc["h100", ["pue", "embodied [gCO2e]", "power [W]"]].tolist()
    [1.1, 1500000.0, 700.0]
    """
    if not isinstance(systems, Mapping):
        raise InvalidValueError("systems", type(systems).__name__,
                                "a mapping of the log's device names to carbon.System records "
                                "(read_devices reads a table)")
    rows = {}
    for name, s in systems.items():
        if not isinstance(s, System):
            raise InvalidValueError(f"systems[{name!r}]", type(s).__name__, "a carbon.System")
        mix = s.facility.mix
        ci = (mix.gco2e_per_kwh if isinstance(mix, (ConstantIntensity, SourceMix))
              else np.nan)
        p = np.nan
        if power is not None and name in power:
            p = float(magnitude(power[name], "W", f"power[{name!r}]"))
        if s.embodied is None:  # unknown is never zero: the table needs a figure per device
            raise DataError(f"systems[{name!r}].embodied", None,
                            f"an embodied carbon for device {name!r} (unknown: "
                            f"{s.embodied_unknown}); a request table books no lower bound")
        rows[name] = {"pue": s.facility.pue, "embodied [gCO2e]": s.embodied.m_as("gCO2e"),
                      "lifetime [s]": s.lifetime.m_as("s"), "intensity [gCO2e/kWh]": ci,
                      "power [W]": p}
        if platforms is not None:
            if name not in platforms:
                raise UnknownKeyError("platforms", name, f"a platform for device {name!r} "
                                      "(every device, or none)")
            rows[name]["platform_rate [gCO2e/s]"] = platforms[name].rate.m_as("gCO2e/s")
            rows[name]["platform_share"] = platforms[name].split
    for what, given in (("power", power), ("platforms", platforms)):
        if given is not None and (extra := sorted(set(given) - set(systems))):
            raise UnknownKeyError(what, extra, f"devices among {sorted(systems)}")
    if not rows:
        raise DataError("systems", {}, "at least one device")
    return pd.DataFrame.from_dict(rows, orient="index")


_DEVICE_UNITS = {"embodied": "gCO2e", "lifetime": "s", "power": "W",
                 "intensity": "gCO2e/kWh", "platform_rate": "gCO2e/s"}


def read_devices(source: Any) -> pd.DataFrame:
    """The devices table from a CSV file (or a DataFrame): one row per device.

    Columns: ``device``, ``pue``, ``embodied [unit]``, ``lifetime [unit]``, and optionally
    ``power [unit]`` (to estimate energy when the log has none), ``intensity [unit]`` (the
    facility's constant intensity, used when no hourly grid is given) and the platform tax,
    ``platform_rate [unit]`` with ``concurrent_jobs`` (an equal split) or ``platform_share``.
    Units in brackets are converted once to gCO2e, s, W, gCO2e/kWh and gCO2e/s.

    >>> t = read_devices(pd.DataFrame({"device": ["h100"], "pue": [1.2],
    ...     "embodied [kgCO2e]": [2500], "lifetime [year]": [4], "power [kW]": [0.7]}))
    >>> t.loc["h100"].tolist()
    [1.2, 2500000.0, 126144000.0, 700.0]
    """
    if isinstance(source, pd.DataFrame):
        df = source
    else:
        try:
            df = pd.read_csv(source)
        except (OSError, UnicodeDecodeError, ValueError, pd.errors.ParserError,
                pd.errors.EmptyDataError) as e:  # EmptyDataError and ParserError: ValueErrors
            raise DataError("devices", str(source)[:200],
                            f"a readable UTF-8 CSV file of devices ({type(e).__name__}: "
                            f"{str(e).splitlines()[0][:120] if str(e) else ''})") from e
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
        col = unit_column(df, kind, unit, required=kind in ("embodied", "lifetime"))
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
        out[f"{kind} [{unit}]"] = v * column_factor(col, unit)
    if "platform_rate [gCO2e/s]" in out:
        out["platform_share"] = _platform_split(df)
    elif "concurrent_jobs" in df.columns or "platform_share" in df.columns:
        raise DataError("devices.columns", list(map(str, df.columns)),
                        "a 'platform_rate [unit]' beside the platform split")
    table = pd.DataFrame(out, index=pd.Index(df["device"].astype(str), name="device"))
    if not table.index.is_unique:
        raise DataError("devices.device", table.index[table.index.duplicated()][0],
                        "one row per device")
    return table


def _platform_split(df: pd.DataFrame) -> np.ndarray:
    """Each device's share of its platform: ``platform_share``, or 1 / ``concurrent_jobs``."""
    if ("concurrent_jobs" in df.columns) == ("platform_share" in df.columns):
        raise DataError("devices.columns", list(map(str, df.columns)),
                        "exactly one of 'concurrent_jobs' or 'platform_share' beside "
                        "'platform_rate [unit]'")
    col = "concurrent_jobs" if "concurrent_jobs" in df.columns else "platform_share"
    v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)
    ok = (v >= 1.0) if col == "concurrent_jobs" else ((v >= 0.0) & (v <= 1.0))
    ok &= np.isfinite(v)
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise InvalidValueError(f"devices[row {i}].{col}", df[col].iloc[i],
                                "a number >= 1" if col == "concurrent_jobs"
                                else "a share in [0, 1]")
    out: np.ndarray = 1.0 / v if col == "concurrent_jobs" else v
    return out


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


@dataclass(frozen=True, eq=False)
class RetrainingTable:
    """Retraining intervals of models, each one's carbon split over the requests it served.

    A request of model m that starts in interval i, ``[start_i, end_i)``, is charged
    ``cf_rt,i / n_i`` (:func:`carbon.retraining_share`). A model with no interval here is not
    retrained (nothing to book); a request of a listed model outside all of its intervals is
    an error naming the row (its retraining is unknown, not zero).

    >>> t = RetrainingTable.from_frame(pd.DataFrame({"model": ["m", "m"],
    ...     "start": pd.to_datetime(["2026-01-01", "2026-02-01"], utc=True),
    ...     "end": pd.to_datetime(["2026-02-01", "2026-03-01"], utc=True),
    ...     "retraining [kgCO2e]": [50.0, 80.0], "requests": [1e6, 2e6]}))
    >>> c, n = t.lookup(pd.Series(["m", "m"]), utc_ns(pd.to_datetime(
    ...     ["2026-01-05", "2026-02-05"], utc=True), "start"), pd.RangeIndex(2))
    >>> (c / n).tolist()
    [0.05, 0.04]
    """

    models: tuple[str, ...]
    start_ns: np.ndarray
    end_ns: np.ndarray
    carbon_g: np.ndarray
    requests: np.ndarray

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> RetrainingTable:
        """From columns ``model``, ``start``, ``end`` (UTC), ``retraining [unit]`` (carbon)
        and ``requests`` (those the interval served), one row per interval."""
        for c in ("model", "start", "end", "requests"):
            if c not in df.columns:
                raise DataError("retraining.columns", list(map(str, df.columns)),
                                "model, start, end, retraining [unit], requests")
        col = unit_column(df, "retraining", "gCO2e", required=True)
        assert col is not None
        cg = pd.to_numeric(df[col], errors="coerce").to_numpy(np.float64) * column_factor(
            col, "gCO2e")
        n = pd.to_numeric(df["requests"], errors="coerce").to_numpy(np.float64)
        t0, t1 = utc_ns(df["start"], "start"), utc_ns(df["end"], "end")
        for name, bad, want in ((col, ~(np.isfinite(cg) & (cg >= 0)), "a carbon >= 0"),
                                ("requests", ~(np.isfinite(n) & (n > 0)), "a count > 0"),
                                ("end", t1 <= t0, "an end after the start")):
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise InvalidValueError(f"retraining[row {i}].{name}", df[name].iloc[i], want)
        order = np.lexsort((t0, df["model"].astype(str).to_numpy()))
        models = tuple(df["model"].astype(str).to_numpy()[order])
        t0, t1 = t0[order], t1[order]
        overlap = np.flatnonzero((np.array(models[1:]) == np.array(models[:-1]))
                                 & (t0[1:] < t1[:-1]))
        if len(overlap):
            raise DataError("retraining", f"model {models[overlap[0]]!r}: overlapping "
                            "intervals", "intervals of one model that do not overlap")
        return cls(models, t0, t1, cg[order], n[order])

    def lookup(self, model: pd.Series, start_ns: np.ndarray,
               index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
        """Per request, its interval's carbon [gCO2e] and request count (0 and 1 for a model
        never retrained)."""
        cat = model if isinstance(model.dtype, pd.CategoricalDtype) else model.astype("category")
        codes = np.asarray(cat.cat.codes.to_numpy())
        carbon, requests = np.zeros(len(model)), np.ones(len(model))
        names = np.array(self.models)
        for k, m in enumerate(cat.cat.categories.astype(str)):
            lo, hi = np.searchsorted(names, m, "left"), np.searchsorted(names, m, "right")
            if lo == hi:
                continue
            rows = np.flatnonzero(codes == k)
            t = start_ns[rows]
            i = np.searchsorted(self.start_ns[lo:hi], t, "right") - 1 + lo
            bad = (i < lo) | (t >= self.end_ns[np.maximum(i, lo)])
            if bad.any():
                j = int(rows[np.flatnonzero(bad)[0]])
                raise DataError(f"start[{index[j]!r}]",
                                str(pd.Timestamp(int(start_ns[j]), tz="UTC")),
                                f"a start within a retraining interval of model {m!r} "
                                f"(add the interval that served it)")
            carbon[rows], requests[rows] = self.carbon_g[i], self.requests[i]
        return carbon, requests


def key_columns(tables: RequestTables, dev: np.ndarray, mod: np.ndarray,
                n: np.ndarray | float = 1.0) -> dict[str, np.ndarray]:
    """The :func:`carbon.asc_e_frame` columns that come from the tables, for rows of device
    rows ``dev`` and model rows ``mod`` that each stand for ``n`` requests (1 per request;
    a group's count where a row is a group's sums: a share by requests is then ``N / n``)."""
    d, m = tables.devices, tables.models

    def at(t: pd.DataFrame, c: str, rows: np.ndarray) -> np.ndarray:
        out: np.ndarray = t[c].to_numpy(dtype=np.float64)[rows]
        return out

    cols = {c: at(d, c, dev) for c in ("pue", "embodied [gCO2e]", "lifetime [s]")}
    cols["epc [gCO2e]"] = at(m, "epc [gCO2e]", mod)
    if tables.share == "time":
        cols["product_lifetime [s]"] = at(m, "product_lifetime [s]", mod)
        cols["parallel_jobs"] = at(m, "parallel_jobs", mod)
    else:
        cols["product_requests"] = at(m, "product_requests", mod) / n
    if "platform_rate [gCO2e/s]" in d.columns:
        cols["platform_rate [gCO2e/s]"] = at(d, "platform_rate [gCO2e/s]", dev)
        cols["platform_share"] = at(d, "platform_share", dev)
    return cols


@dataclass(frozen=True, eq=False)
class RequestTables:
    """The small tables every partition needs, broadcast once: devices, models, intensity.

    ``grid`` (a :class:`carbon.HourlyGrid`) charges each request the hourly
    intensity of its region; without one, each device's facility mix is used (a constant).
    ``fallback`` is passed to :meth:`HourlyGrid.join` (None: a missing hour is an error).
    ``retraining`` (a :class:`RetrainingTable`) books each request its interval's share of
    its model's retraining.
    """

    devices: pd.DataFrame
    models: pd.DataFrame
    grid: HourlyGrid | None = None
    fallback: Fallback = None
    retraining: RetrainingTable | None = None
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


def unit_column(log: pd.DataFrame, kind: str, unit: str, *, required: bool) -> str | None:
    """The one column of ``log`` named ``kind [unit]`` (any unit); None if absent and not
    ``required``."""
    found = columns_named(log.columns, kind)
    if len(found) > 1:
        raise DataError("columns", found, f"one {kind!r} column")
    if not found:
        if required:
            raise DataError("columns", list(map(str, log.columns)),
                            f"a '{kind} [{unit}]' column (the unit in brackets)")
        return None
    return found[0]
