"""Exact, JSON-safe dictionaries for job records, systems, facilities and energy mixes.

Floats are written with ``repr`` (shortest exact round trip), quantities as their canonical
magnitude, datetimes as ISO 8601 with their offset. ``job_from_dict(job_to_dict(j)) == j``
for every record the carbon package can build, time series and power traces included.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pandas as pd

from carbon import (
    ConstantIntensity,
    ContractualInstrument,
    EnergyUse,
    Facility,
    HourlyIntensity,
    Job,
    ModelCarbonError,
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


def _short(value: Any) -> Any:
    """A value as an error shows it: plain JSON scalars as themselves, others cut short."""
    if value is None or (isinstance(value, (bool, int, float)) and len(repr(value)) <= 60):
        return value
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _mapping(d: Any, at: str) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise LedgerError(at, _short(d), "a JSON object (key: value pairs) as to_dict writes it")
    return d


def _get(d: Any, key: str, at: str) -> Any:
    """``d[key]``; a missing key or a ``d`` that is not a mapping names ``at.key``."""
    d = _mapping(d, at)
    if key not in d:
        raise LedgerError(f"{at}.{key}", None, "a value (the key is required)",
                          f"{at}.{key} is missing: expected a value (the key is required)")
    return d[key]


def _list(v: Any, at: str) -> list[Any]:
    if not isinstance(v, list):
        raise LedgerError(at, _short(v), "a JSON list")
    return v


def _number(v: Any, at: str) -> Any:
    """A JSON number (never a boolean, a string or an object) as itself."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise LedgerError(at, _short(v), "a number")
    return v


@contextlib.contextmanager
def _reading(at: str) -> Iterator[None]:
    """Translate what building a record from tampered content raises into errors naming
    ``at``: the record's own error keeps its type (``InvalidValueError`` ...) with ``at``
    prefixed; a stray built-in error becomes a :class:`LedgerError`."""
    try:
        yield
    except ModelCarbonError as e:
        if e.field.startswith(at):
            raise
        field = f"{at}: {e.field}"
        value, message = e.value, f"{at}: {e.message}"
        if len(repr(value)) > 80:  # a record-level check carries the whole input: cut it
            value = _short(value if isinstance(value, str) else type(value).__name__)
            message = f"{field}={value!r} is invalid: expected {e.expected}"
        try:
            err = type(e)(field, value, e.expected, message)
        except TypeError:  # pragma: no cover - an error class with another signature
            raise e from None
        raise err from e
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as e:
        raise LedgerError(at, _short(str(e)), "content as to_dict writes it") from e


def _series_to_dict(s: pd.Series) -> dict[str, Any]:
    idx = pd.DatetimeIndex(s.index)
    return {
        "index": [t.isoformat() for t in idx],
        "values": [float(v) for v in s.to_numpy()],
        "tz": None if idx.tz is None else str(idx.tz),
    }


def _series_from_dict(d: Any, at: str) -> pd.Series:
    index, values, tz = _get(d, "index", at), _get(d, "values", at), _get(d, "tz", at)
    with _reading(at):
        idx = pd.DatetimeIndex([pd.Timestamp(t) for t in _list(index, f"{at}.index")])
        if tz is not None and len(idx):
            idx = idx.tz_convert(tz)
        return pd.Series(_list(values, f"{at}.values"), index=idx.as_unit("ns"),
                         dtype="float64")


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


def mix_from_dict(d: Any, at: str = "mix") -> Any:
    """The mix written by :func:`mix_to_dict`; tampered content is a :class:`LedgerError`
    naming the key (``at`` is where the dictionary sits in its document)."""
    t = _get(d, "type", at)
    with _reading(at):
        if t == "constant":
            return ConstantIntensity(_get(d, "gco2e_per_kwh", at), _get(d, "source", at),
                                     _get(d, "year", at), _get(d, "kind", at),
                                     _get(d, "basis", at))
        if t == "source_mix":
            raw = _get(d, "factors", at)
            factors = None if raw is None else {
                k: quantity(_number(v, f"{at}.factors.{k}"), "gCO2e/kWh")
                for k, v in _mapping(raw, f"{at}.factors").items()}
            return SourceMix(_get(d, "shares", at), factors, _get(d, "source", at))
        if t == "hourly":
            return HourlyIntensity(_series_from_dict(_get(d, "series", at), f"{at}.series"),
                                   _get(d, "source", at), _get(d, "region", at),
                                   _get(d, "kind", at), _get(d, "basis", at))
    raise LedgerError(f"{at}.type", _short(t), "one of constant, source_mix, hourly")


def facility_to_dict(f: Facility) -> dict[str, Any]:
    d: dict[str, Any] = {"name": f.name, "pue": f.pue, "mix": mix_to_dict(f.mix)}
    if f.instruments:  # only when present: earlier records keep their digests
        d["instruments"] = [
            {"kind": i.kind, "factor_g_per_kwh": _q(i.factor, "gCO2e/kWh"),
             **({"covered_share": i.share} if i.share is not None
                else {"covered_kwh": _q(i.covered, "kWh")}),
             "source": i.source, "period": i.period} for i in f.instruments]
    if f.residual_mix is not None:
        d["residual_mix_g_per_kwh"] = _q(f.residual_mix, "gCO2e/kWh")
    return d


def _instrument_from_dict(i: Any, at: str) -> ContractualInstrument:
    m = _mapping(i, at)
    covered = (_number(m["covered_share"], f"{at}.covered_share") if "covered_share" in m
               else _opt_q(_get(i, "covered_kwh", at), "kWh", f"{at}.covered_kwh"))
    with _reading(at):
        return ContractualInstrument(
            _get(i, "kind", at), _opt_q(_get(i, "factor_g_per_kwh", at), "gCO2e/kWh",
                                        f"{at}.factor_g_per_kwh"),
            covered, _get(i, "source", at), m.get("period"))


def facility_from_dict(d: Any, at: str = "facility") -> Facility:
    m = _mapping(d, at)
    insts = tuple(_instrument_from_dict(i, f"{at}.instruments[{k}]")
                  for k, i in enumerate(_list(m.get("instruments", []), f"{at}.instruments")))
    residual = m.get("residual_mix_g_per_kwh")
    with _reading(at):
        return Facility(name=_get(d, "name", at), pue=_number(_get(d, "pue", at), f"{at}.pue"),
                        mix=mix_from_dict(_get(d, "mix", at), f"{at}.mix"), instruments=insts,
                        residual_mix=_opt_q(residual, "gCO2e/kWh",
                                            f"{at}.residual_mix_g_per_kwh"))


def system_to_dict(s: System) -> dict[str, Any]:
    d = {"name": s.name, "embodied_g": None if s.embodied is None else _q(s.embodied, "gCO2e"),
         "lifetime_s": _q(s.lifetime, "s"), "facility": facility_to_dict(s.facility),
         "source": s.source, "id": s.id}
    if s.embodied_unknown is not None:
        d["embodied_unknown"] = s.embodied_unknown
    return d


def system_from_dict(d: Any, at: str = "system") -> System:
    embodied = _get(d, "embodied_g", at)
    facility = facility_from_dict(_get(d, "facility", at), f"{at}.facility")
    with _reading(at):
        return System(name=_get(d, "name", at),
                      embodied=_opt_q(embodied, "gCO2e", f"{at}.embodied_g"),
                      embodied_unknown=_mapping(d, at).get("embodied_unknown"),
                      lifetime=_opt_q(_get(d, "lifetime_s", at), "s", f"{at}.lifetime_s"),
                      facility=facility, source=_get(d, "source", at), id=_get(d, "id", at))


def _dt(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _undt(s: Any, at: str) -> datetime | None:
    if s is None:
        return None
    try:
        return datetime.fromisoformat(s)
    except (TypeError, ValueError) as e:
        raise LedgerError(at, _short(s), "an ISO 8601 date and time, or null") from e


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
             "power": None if u.power is None else _series_to_dict(u.power),
             **({"role": str(u.role)} if u.role != "dynamic" else {})}
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


def _opt_q(v: Any, unit: str, at: str) -> Any:
    return None if v is None else quantity(_number(v, at), unit)


def _energy_from_dict(u: Any, at: str) -> EnergyUse:
    system = system_from_dict(_get(u, "system", at), f"{at}.system")
    power = _get(u, "power", at)
    power = None if power is None else _series_from_dict(power, f"{at}.power")
    with _reading(at):
        return EnergyUse(
            system=system, energy=_opt_q(_get(u, "energy_kwh", at), "kWh", f"{at}.energy_kwh"),
            provenance=_get(u, "provenance", at),
            uncertainty=_opt_q(_get(u, "uncertainty_kwh", at), "kWh", f"{at}.uncertainty_kwh"),
            source=_get(u, "source", at), fraction=_number(_get(u, "fraction", at),
                                                           f"{at}.fraction"),
            duration=_opt_q(_get(u, "duration_s", at), "s", f"{at}.duration_s"), power=power,
            role=_mapping(u, at).get("role", "dynamic"))


def _product_from_dict(p: Any, at: str) -> ProductUse:
    with _reading(at):
        return ProductUse(name=_get(p, "name", at),
                          epc=_opt_q(_get(p, "epc_g", at), "gCO2e", f"{at}.epc_g"),
                          lifetime=_opt_q(_get(p, "lifetime_s", at), "s", f"{at}.lifetime_s"),
                          parallel_jobs=_get(p, "parallel_jobs", at),
                          requests=_get(p, "requests", at))


def job_from_dict(d: Any, at: str = "job") -> Job:
    """The :class:`carbon.Job` written by :func:`job_to_dict`; tampered content is a
    :class:`LedgerError` (or the record's own error) naming the key under ``at``."""
    plat = _get(d, "platform", at)
    rt = _get(d, "retraining", at)
    energy = [_energy_from_dict(u, f"{at}.energy[{i}]")
              for i, u in enumerate(_list(_get(d, "energy", at), f"{at}.energy"))]
    products = [_product_from_dict(p, f"{at}.products[{i}]")
                for i, p in enumerate(_list(_get(d, "products", at), f"{at}.products"))]
    with _reading(at):
        platform = None if plat is None else PlatformUse(
            name=_get(plat, "name", f"{at}.platform"),
            rate=_opt_q(_get(plat, "rate_g_per_s", f"{at}.platform"), "gCO2e/s",
                        f"{at}.platform.rate_g_per_s"),
            concurrent_jobs=_get(plat, "concurrent_jobs", f"{at}.platform"),
            share=_get(plat, "share", f"{at}.platform"))
        retraining = None if rt is None else RetrainingUse(
            carbon=_opt_q(_get(rt, "carbon_g", f"{at}.retraining"), "gCO2e",
                          f"{at}.retraining.carbon_g"),
            requests=_get(rt, "requests", f"{at}.retraining"))
        return Job(
            name=_get(d, "name", at),
            id=_get(d, "id", at),
            energy=energy,
            duration=_opt_q(_get(d, "duration_s", at), "s", f"{at}.duration_s"),
            start=_undt(_get(d, "start", at), f"{at}.start"),
            end=_undt(_get(d, "end", at), f"{at}.end"),
            platform=platform,
            products=products,
            retraining=retraining,
            meta=_get(d, "meta", at),
        )


def record_to_dict(record: Job | ReportedCarbon) -> dict[str, Any]:
    """A job record or a reported figure, tagged with its type."""
    if isinstance(record, Job):
        return {"type": "job", "job": job_to_dict(record)}
    return {"type": "reported", "carbon_g": _q(record.carbon, "gCO2e"),
            "provenance": str(record.provenance), "source": record.source, "name": record.name,
            "uncertainty_g": _q(record.uncertainty, "gCO2e"), "id": record.id,
            "meta": record.meta}


def record_from_dict(d: Any, at: str = "record") -> Job | ReportedCarbon:
    """The record written by :func:`record_to_dict`.

    A tampered or foreign dictionary (a missing key, a wrong type, a negative or NaN amount)
    is refused naming where it sits (``at``, e.g. ``"jobs[3].record"``) and the key:

    >>> record_from_dict({"type": "reported", "carbon_g": -1.0})
    Traceback (most recent call last):
    ...
    lineage._errors.LedgerError: record.provenance is missing: expected ...
    """
    t = _get(d, "type", at)
    if t == "job":
        return job_from_dict(_get(d, "job", at), f"{at}.job")
    if t == "reported":
        with _reading(at):
            return ReportedCarbon(
                carbon=_opt_q(_get(d, "carbon_g", at), "gCO2e", f"{at}.carbon_g"),
                provenance=_get(d, "provenance", at), source=_get(d, "source", at),
                name=_get(d, "name", at),
                uncertainty=_opt_q(_get(d, "uncertainty_g", at), "gCO2e", f"{at}.uncertainty_g"),
                id=_get(d, "id", at), meta=_get(d, "meta", at))
    raise LedgerError(f"{at}.type", _short(t), "one of job, reported")
