"""Random request logs, devices, models and hourly grids for the request-accounting tests
(carbon's per-request arithmetic, assess.fleet's engines, the ``requests`` command)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from carbon import (
    Facility,
    HourlyGrid,
    PlatformUse,
    RequestTables,
    RetrainingTable,
    System,
    device_table,
    model_table,
    read_hourly,
)

T0 = pd.Timestamp("2026-03-01T00:00Z")
REGIONS = ("DEU", "FRA", "POL")
DEVICES = ("h100", "a100", "cpu")
MODELS = ("bert", "distilbert", "llm-7b")


def grid(days: int = 3, seed: int = 0) -> HourlyGrid:
    rng = np.random.default_rng(seed)
    hours = pd.date_range(T0 - pd.Timedelta(hours=2), periods=24 * days + 4, freq="h")
    frames = [pd.DataFrame({"region": r, "hour_start": hours,
                            "intensity [gCO2e/kWh]": rng.uniform(20, 900, len(hours)),
                            "source": f"synthetic {r} v1", "kind": "average",
                            "basis": "lifecycle"}) for r in REGIONS]
    return read_hourly(pd.concat(frames, ignore_index=True))


def retraining(days: int = 3) -> RetrainingTable:
    """Two retraining intervals for bert, one for llm-7b (which covers every request of the
    logs below); distilbert is never retrained."""
    day = pd.Timedelta(days=1)
    return RetrainingTable.from_frame(pd.DataFrame({
        "model": ["bert", "bert", "llm-7b"],
        "start": [T0 - day, T0 + day, T0 - day],
        "end": [T0 + day, T0 + (days + 1) * day, T0 + (days + 1) * day],
        "retraining [kgCO2e]": [120.0, 80.0, 3000.0],
        "requests": [2e5, 5e5, 1e6]}))


def tables(*, share: str = "time", with_grid: bool = True, seed: int = 0,
           platform: bool = False, retrain: bool = False) -> RequestTables:
    fac = Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
    systems = {
        "h100": System(name="H100", embodied="2500 kgCO2e", lifetime="4 year", facility=fac),
        "a100": System(name="A100", embodied="1800 kgCO2e", lifetime="5 year",
                       facility=Facility(name="dc2", pue=1.4, mix="50 gCO2e/kWh")),
        "cpu": System(name="CPU box", embodied="900 kgCO2e", lifetime="6 year", facility=fac),
    }
    platforms = None
    if platform:  # a shared cluster split equally, a service with its own share
        k8s = PlatformUse(name="k8s", rate="3 kgCO2e/hour", concurrent_jobs=40)
        platforms = {"h100": k8s, "cpu": k8s,
                     "a100": PlatformUse(name="svc", rate="20 gCO2e/min", share=0.01)}
    devices = device_table(systems, power={"h100": "700 W", "a100": "400 W", "cpu": "150 W"},
                           platforms=platforms)
    epc = {"bert": "650 kgCO2e", "distilbert": "90 kgCO2e", "llm-7b": "40 tCO2e"}
    if share == "time":
        models = model_table(epc, lifetime={m: "2 year" for m in epc},
                             parallel_jobs={"bert": 8, "distilbert": 16, "llm-7b": 64})
    else:
        models = model_table(epc, lifetime_requests={m: 1e9 for m in epc})
    return RequestTables(devices, models, grid(seed=seed) if with_grid else None,
                         retraining=retraining() if retrain else None)


def logs(n: int, seed: int = 0, days: int = 3, energy: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = T0 + pd.to_timedelta(rng.integers(0, days * 86_400_000_000, n), unit="us")
    df = pd.DataFrame({
        "model": pd.Categorical.from_codes(rng.integers(0, len(MODELS), n),
                                           categories=list(MODELS)).astype(str),
        "start": start,
        "duration [ms]": np.round(rng.gamma(2.0, 40.0, n) * 1000) / 1000,  # whole µs
        "device": np.asarray(DEVICES)[rng.integers(0, len(DEVICES), n)],
        "region": np.asarray(REGIONS)[rng.integers(0, len(REGIONS), n)],
        "fraction": rng.uniform(0.05, 1.0, n),
    })
    if energy:
        df["energy [J]"] = rng.gamma(2.0, 10.0, n)
    df.index = pd.RangeIndex(n, name="request_id")
    return df
