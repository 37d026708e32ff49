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
from carbon._records import System
from carbon._units import magnitude

__all__ = ["RequestTables", "device_table", "model_table", "read_devices", "unit_column"]


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
        if s.embodied is None:  # unknown is never zero: the table needs a figure per device
            raise DataError(f"systems[{name!r}].embodied", None,
                            f"an embodied carbon for device {name!r} (unknown: "
                            f"{s.embodied_unknown}); a request table books no lower bound")
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


@dataclass(frozen=True, eq=False)
class RequestTables:
    """The small tables every partition needs, broadcast once: devices, models, intensity.

    ``grid`` (a :class:`carbon.HourlyGrid`) charges each request the hourly
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
