"""Small records shared by the carbon test modules (a facility, a system, uses, series)."""

from __future__ import annotations

from typing import Any

import pandas as pd

import carbon
from carbon import Q_

CI = Q_(400, "gCO2e/kWh")
FAC = carbon.Facility(name="dc", pue=1.1, mix=CI)
BOX = carbon.System(name="box", embodied="1 tCO2e", lifetime="4 year", facility=FAC)


def use(**kw: Any) -> carbon.EnergyUse:
    """1 kWh measured on BOX, with any field overridden."""
    return carbon.EnergyUse(**{"system": BOX, "energy": "1 kWh", "provenance": "measured", **kw})


def hourly(values: list[float], region: str = "DE") -> carbon.HourlyIntensity:
    """An hourly series from 2026-01-01 00:00 UTC."""
    idx = pd.date_range("2026-01-01", periods=len(values), freq="h", tz="UTC")
    return carbon.HourlyIntensity(pd.Series(values, index=idx), source="test", region=region)


def job(e: float, t: float, pue: float, ci: float, emb: float, lt: float, u: float,
        rate: float, n: int, epc: float, plt: float, npar: int) -> carbon.Job:
    """A job with every ASC^e term, from plain magnitudes (the order of ``job_args``)."""
    fac = carbon.Facility(name="f", pue=pue, mix=Q_(ci, "gCO2e/kWh"))
    box = carbon.System(name="s", embodied=Q_(emb, "gCO2e"), lifetime=Q_(lt, "s"), facility=fac)
    return carbon.Job(
        name="j", duration=Q_(t, "s"),
        energy=[carbon.EnergyUse(system=box, energy=Q_(e, "kWh"), provenance="measured",
                                 fraction=u)],
        platform=carbon.PlatformUse(name="p", rate=Q_(rate, "gCO2e/s"), concurrent_jobs=n),
        products=[carbon.ProductUse(name="m", epc=Q_(epc, "gCO2e"), lifetime=Q_(plt, "s"),
                                    parallel_jobs=npar)],
    )
