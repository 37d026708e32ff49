"""Exact, JSON-safe dictionaries for job records, systems, facilities and energy mixes.

Floats are written with ``repr`` (shortest exact round trip), quantities as their canonical
magnitude, datetimes as ISO 8601 with their offset. ``job_from_dict(job_to_dict(j)) == j``
for every record the carbon package can build, time series and power traces included.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import pandas as pd

from carbon import (
    ConstantIntensity,
    EnergyUse,
    Facility,
    HourlyIntensity,
    Job,
    PlatformUse,
    ProductUse,
    RetrainingUse,
    SourceMix,
    System,
    magnitude,
    quantity,
)
from lineage._errors import LedgerError
from lineage._reported import ReportedCarbon

__all__ = [
    "dumps",
    "facility_to_dict",
    "job_from_dict",
    "job_to_dict",
    "mix_to_dict",
    "record_from_dict",
    "record_to_dict",
    "system_to_dict",
]


def dumps(obj: Any) -> str:
    """Canonical JSON: sorted keys, no spaces (stable across runs, hashable)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


def digest(obj: Any) -> str:
    """A short content hash of a JSON-safe object (ids of systems, facilities, mixes)."""
    return hashlib.sha256(dumps(obj).encode()).hexdigest()[:32]


def _q(value: Any, unit: str) -> float | None:
    return None if value is None else float(magnitude(value, unit, "value"))


def _series_to_dict(s: pd.Series) -> dict[str, Any]:
    idx = pd.DatetimeIndex(s.index)
    return {
        "index": [t.isoformat() for t in idx],
        "values": [float(v) for v in s.to_numpy()],
        "tz": None if idx.tz is None else str(idx.tz),
    }


def _series_from_dict(d: dict[str, Any]) -> pd.Series:
    idx = pd.DatetimeIndex([pd.Timestamp(t) for t in d["index"]])
    if d["tz"] is not None and len(idx):
        idx = idx.tz_convert(d["tz"])
    return pd.Series(d["values"], index=idx.as_unit("ns"), dtype="float64")


def mix_to_dict(mix: Any) -> dict[str, Any]:
    """A ConstantIntensity, SourceMix or HourlyIntensity as a dictionary."""
    if isinstance(mix, ConstantIntensity):
        return {"type": "constant", "gco2e_per_kwh": mix.gco2e_per_kwh, "source": mix.source,
                "year": mix.year, "kind": mix.kind, "basis": mix.basis}
    if isinstance(mix, SourceMix):
        factors = None if mix.factors is None else {
            k: magnitude(v, "gCO2e/kWh", f"factors[{k!r}]") for k, v in mix.factors.items()}
        return {"type": "source_mix", "shares": dict(mix.shares), "factors": factors,
                "source": mix.source}
    if isinstance(mix, HourlyIntensity):
        return {"type": "hourly", "series": _series_to_dict(mix.series), "source": mix.source,
                "region": mix.region, "kind": mix.kind, "basis": mix.basis}
    raise LedgerError("mix", type(mix).__name__,
                      "a ConstantIntensity, SourceMix or HourlyIntensity")


def mix_from_dict(d: dict[str, Any]) -> Any:
    t = d["type"]
    if t == "constant":
        return ConstantIntensity(d["gco2e_per_kwh"], d["source"], d["year"], d["kind"],
                                 d["basis"])
    if t == "source_mix":
        factors = None if d["factors"] is None else {
            k: quantity(v, "gCO2e/kWh") for k, v in d["factors"].items()}
        return SourceMix(d["shares"], factors, d["source"])
    if t == "hourly":
        return HourlyIntensity(_series_from_dict(d["series"]), d["source"], d["region"],
                               d["kind"], d["basis"])
    raise LedgerError("mix.type", t, "one of constant, source_mix, hourly")


def facility_to_dict(f: Facility) -> dict[str, Any]:
    return {"name": f.name, "pue": f.pue, "mix": mix_to_dict(f.mix)}


def facility_from_dict(d: dict[str, Any]) -> Facility:
    return Facility(name=d["name"], pue=d["pue"], mix=mix_from_dict(d["mix"]))


def system_to_dict(s: System) -> dict[str, Any]:
    d = {"name": s.name, "embodied_g": None if s.embodied is None else _q(s.embodied, "gCO2e"),
         "lifetime_s": _q(s.lifetime, "s"), "facility": facility_to_dict(s.facility),
         "source": s.source, "id": s.id}
    if s.embodied_unknown is not None:
        d["embodied_unknown"] = s.embodied_unknown
    return d


def system_from_dict(d: dict[str, Any]) -> System:
    embodied = d["embodied_g"]
    return System(name=d["name"],
                  embodied=None if embodied is None else quantity(embodied, "gCO2e"),
                  embodied_unknown=d.get("embodied_unknown"),
                  lifetime=quantity(d["lifetime_s"], "s"),
                  facility=facility_from_dict(d["facility"]), source=d["source"], id=d["id"])


def _dt(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _undt(s: str | None) -> datetime | None:
    return None if s is None else datetime.fromisoformat(s)


def job_to_dict(job: Job) -> dict[str, Any]:
    """Every field of a :class:`carbon.Job`, exactly.

    >>> from carbon import Facility, System, EnergyUse, Job
    >>> fac = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    >>> box = System(name="box", embodied="100 kgCO2e", lifetime="4 year", facility=fac)
    >>> job = Job(name="train", duration="2 h",
    ...           energy=[EnergyUse(system=box, energy="3 kWh", provenance="measured")])
    >>> job_from_dict(job_to_dict(job)) == job
    True
    """
    return {
        "name": job.name,
        "id": job.id,
        "energy": [
            {"system": system_to_dict(u.system), "energy_kwh": _q(u.energy, "kWh"),
             "provenance": str(u.provenance), "uncertainty_kwh": _q(u.uncertainty, "kWh"),
             "source": u.source, "fraction": u.fraction, "duration_s": _q(u.duration, "s"),
             "power": None if u.power is None else _series_to_dict(u.power)}
            for u in job.energy
        ],
        "duration_s": _q(job.duration, "s"),
        "start": _dt(job.start),
        "end": _dt(job.end),
        "platform": None if job.platform is None else {
            "name": job.platform.name, "rate_g_per_s": _q(job.platform.rate, "gCO2e/s"),
            "concurrent_jobs": job.platform.concurrent_jobs, "share": job.platform.share},
        "products": [
            {"name": p.name, "epc_g": _q(p.epc, "gCO2e"), "lifetime_s": _q(p.lifetime, "s"),
             "parallel_jobs": p.parallel_jobs, "requests": p.requests}
            for p in job.products
        ],
        "retraining": None if job.retraining is None else {
            "carbon_g": _q(job.retraining.carbon, "gCO2e"),
            "requests": job.retraining.requests},
        "meta": job.meta,
    }


def _opt_q(v: float | None, unit: str) -> Any:
    return None if v is None else quantity(v, unit)


def job_from_dict(d: dict[str, Any]) -> Job:
    """The :class:`carbon.Job` written by :func:`job_to_dict`."""
    plat = d["platform"]
    rt = d["retraining"]
    return Job(
        name=d["name"],
        id=d["id"],
        energy=[
            EnergyUse(system=system_from_dict(u["system"]), energy=quantity(u["energy_kwh"], "kWh"),
                      provenance=u["provenance"], uncertainty=_opt_q(u["uncertainty_kwh"], "kWh"),
                      source=u["source"], fraction=u["fraction"],
                      duration=_opt_q(u["duration_s"], "s"),
                      power=None if u["power"] is None else _series_from_dict(u["power"]))
            for u in d["energy"]
        ],
        duration=_opt_q(d["duration_s"], "s"),
        start=_undt(d["start"]),
        end=_undt(d["end"]),
        platform=None if plat is None else PlatformUse(
            name=plat["name"], rate=quantity(plat["rate_g_per_s"], "gCO2e/s"),
            concurrent_jobs=plat["concurrent_jobs"], share=plat["share"]),
        products=[
            ProductUse(name=p["name"], epc=quantity(p["epc_g"], "gCO2e"),
                       lifetime=_opt_q(p["lifetime_s"], "s"), parallel_jobs=p["parallel_jobs"],
                       requests=p["requests"])
            for p in d["products"]
        ],
        retraining=None if rt is None else RetrainingUse(
            carbon=quantity(rt["carbon_g"], "gCO2e"), requests=rt["requests"]),
        meta=d["meta"],
    )


def record_to_dict(record: Job | ReportedCarbon) -> dict[str, Any]:
    """A job record or a reported figure, tagged with its type."""
    if isinstance(record, Job):
        return {"type": "job", "job": job_to_dict(record)}
    return {"type": "reported", "carbon_g": _q(record.carbon, "gCO2e"),
            "provenance": str(record.provenance), "source": record.source, "name": record.name,
            "uncertainty_g": _q(record.uncertainty, "gCO2e"), "id": record.id,
            "meta": record.meta}


def record_from_dict(d: dict[str, Any]) -> Job | ReportedCarbon:
    if d["type"] == "job":
        return job_from_dict(d["job"])
    if d["type"] == "reported":
        return ReportedCarbon(carbon=quantity(d["carbon_g"], "gCO2e"), provenance=d["provenance"],
                              source=d["source"], name=d["name"],
                              uncertainty=_opt_q(d["uncertainty_g"], "gCO2e"), id=d["id"],
                              meta=d["meta"])
    raise LedgerError("record.type", d["type"], "one of job, reported")
