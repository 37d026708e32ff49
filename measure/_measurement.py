"""What a measurement window returns: energy per device, each figure labelled, and the job.

A :class:`Measurement` holds one :class:`DeviceEnergy` per device watched. Each device's
``energy`` is what the device drew over the window (idle included) or ``None`` with a
``reason``; ``idle`` is the device's idle power (measured before work) times the time covered,
and ``dynamic = energy - idle`` is the part the work added. :meth:`Measurement.to_job` books one
of the two (``charge``) into a :class:`carbon.Job`.

>>> from carbon import Q_
>>> d = DeviceEnergy(key="gpu:0", kind="gpu", name="fake", method="counter",
...                  energy=Q_(900.0, "J"), provenance="measured", uncertainty=Q_(60.0, "J"),
...                  idle=Q_(300.0, "J"), idle_power=Q_(30.0, "W"), dynamic=Q_(600.0, "J"),
...                  source="NVML energy counter")
>>> m = Measurement(name="w", start=datetime(2024, 1, 1, tzinfo=UTC), duration=Q_(10.0, "s"),
...                 devices=(d,))
>>> m.total_energy, m.end.isoformat()
(<Quantity(900.0, 'joule')>, '2024-01-01T00:00:10+00:00')
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from carbon import (
    EnergyUse,
    InvalidValueError,
    Job,
    Provenance,
    System,
    UnknownKeyError,
    magnitude,
    quantity,
)

__all__ = ["DeviceEnergy", "Measurement"]

#: Flags a device figure may carry (documented here once).
FLAGS: dict[str, str] = {
    "short_window": "shorter than a few sensor updates: the figure reads 0 or jumps in steps",
    "counter_reset": "the energy counter went backwards (driver reload); energy before the "
                     "reset in the last poll interval is unobserved and in the uncertainty",
    "counter_wrap": "a RAPL counter wrapped at max_energy_range_uj and was unwrapped",
    "gpu_lost": "the GPU stopped answering during the window",
    "partial": "energy covers only part of the window (a lower bound)",
    "read_error": "some readings failed and were skipped",
    "mig": "MIG is enabled: energy is the whole GPU, shared by every slice",
    "shared_gpu": "other processes used this GPU during the window (listed in details)",
    "averaged_power": "power from nvmlDeviceGetPowerUsage (a ~1 s average on Ampere and newer)",
    "below_idle": "the device drew less than its idle baseline: dynamic part set to 0",
    "no_idle_baseline": "no idle power measured for this device: idle and dynamic unknown",
    "below_resolution": "the counted processes used less CPU time than one accounting tick: "
                        "the estimate is unknown (below the bound in details), not zero",
    "coarse": "fewer than 5 CPU accounting ticks counted: the estimate is within a few ticks "
              "per process (details resolution_j: the energy of one tick)",
    "generic_tdp": "CPU model not in the TDP table: a median W per thread was used",
    "cuda_index_assumed": "CUDA index assumed equal to the NVML index (no UUID mapping)",
    "open": "read from a window that is still open (a checkpoint or a peek)",
}

_ORDER = ["measured", "sampled", "estimated", "reported"]


def _j(q: Any | None) -> float | None:
    return None if q is None else float(magnitude(q, "J", "energy", allow_negative=False))


def _q(v: float | None, unit: str = "J") -> Any | None:
    return None if v is None else quantity(float(v), unit)


@dataclass(frozen=True)
class DeviceEnergy:
    """The energy of one device over one window, and how it was obtained.

    ``key`` is ``gpu:<cuda index>``, ``cpu:package-<n>``, ``dram:package-<n>``, ``cpu`` or
    ``ram`` (estimates); ``kind`` is ``gpu | cpu | dram | ram``; ``method`` is ``counter``,
    ``power-sampling``, ``rapl``, ``tdp-estimate``, ``per-gb-estimate`` or ``none``.
    Quantities: ``energy``, ``uncertainty`` (absolute +-), ``idle``, ``dynamic`` [energy];
    ``idle_power`` [power]. ``energy is None`` means unknown, and ``reason`` says why.
    """

    key: str
    kind: str
    name: str
    method: str
    energy: Any | None
    provenance: str | None
    source: str
    uncertainty: Any | None = None
    idle: Any | None = None
    dynamic: Any | None = None
    idle_power: Any | None = None
    flags: tuple[str, ...] = ()
    reason: str | None = None
    complete: bool = True
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.energy is None and not self.reason:
            raise InvalidValueError(f"{self.key}.reason", self.reason,
                                    "a reason whenever energy is unknown (None)")
        if self.provenance is not None:
            Provenance(self.provenance)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (energies in J, power in W)."""
        return {
            "key": self.key, "kind": self.kind, "name": self.name, "method": self.method,
            "energy_j": _j(self.energy), "provenance": self.provenance, "source": self.source,
            "uncertainty_j": _j(self.uncertainty), "idle_j": _j(self.idle),
            "dynamic_j": _j(self.dynamic),
            "idle_power_w": None if self.idle_power is None
            else float(magnitude(self.idle_power, "W", "idle_power")),
            "flags": list(self.flags), "reason": self.reason, "complete": self.complete,
            "details": json.loads(json.dumps(dict(self.details), default=str)),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DeviceEnergy:
        """Inverse of :meth:`to_dict`."""
        return cls(
            key=d["key"], kind=d["kind"], name=d["name"], method=d["method"],
            energy=_q(d["energy_j"]), provenance=d["provenance"], source=d["source"],
            uncertainty=_q(d["uncertainty_j"]), idle=_q(d["idle_j"]),
            dynamic=_q(d["dynamic_j"]), idle_power=_q(d["idle_power_w"], "W"),
            flags=tuple(d["flags"]), reason=d["reason"], complete=bool(d["complete"]),
            details=dict(d.get("details") or {}),
        )


@dataclass(frozen=True)
class Measurement:
    """One window: when (UTC start, monotonic duration), and the energy of every device.

    ``end`` is ``start + duration``: the duration comes from the monotonic clock and the wall
    clock only anchors the start (for hourly grid alignment). ``incomplete`` marks a window
    recovered from a journal after a crash (energy up to the last checkpoint).
    """

    name: str
    start: datetime
    duration: Any
    devices: tuple[DeviceEnergy, ...]
    notes: tuple[str, ...] = ()
    incomplete: bool = False
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise InvalidValueError("start", self.start, "a timezone-aware UTC datetime")
        magnitude(self.duration, "s", "duration")

    @property
    def end(self) -> datetime:
        """``start + duration`` (UTC)."""
        return self.start + timedelta(seconds=float(magnitude(self.duration, "s", "duration")))

    def device(self, key: str) -> DeviceEnergy:
        """The device figure by key (``gpu:0``, ``cpu``, ...)."""
        for d in self.devices:
            if d.key == key:
                return d
        raise UnknownKeyError("device", key, f"one of {[d.key for d in self.devices]}")

    @property
    def total_energy(self) -> Any | None:
        """Sum of every device's energy; ``None`` when any device's energy is unknown.

        Unknown is never zero: use :attr:`known_energy` for the sum of what is known, and
        :attr:`unknown_devices` for what it leaves out.
        """
        if not self.devices or self.unknown_devices:
            return None
        return self.known_energy

    @property
    def known_energy(self) -> Any:
        """Sum of the devices whose energy is known [J]."""
        return quantity(sum(_j(d.energy) or 0.0 for d in self.devices), "J")

    @property
    def unknown_devices(self) -> tuple[str, ...]:
        """Keys of the devices whose energy is unknown."""
        return tuple(d.key for d in self.devices if d.energy is None)

    @property
    def dynamic_energy(self) -> Any | None:
        """Sum of the dynamic parts; ``None`` when any is unknown."""
        parts = [_j(d.dynamic) for d in self.devices]
        if not parts or any(p is None for p in parts):
            return None
        return quantity(sum(p for p in parts if p is not None), "J")

    @property
    def complete(self) -> bool:
        """True when nothing is incomplete, partial or unknown."""
        return not self.incomplete and all(d.complete and d.energy is not None
                                           for d in self.devices)

    # --- carbon job ---------------------------------------------------------------------
    def to_job(self, name: str, systems: System | Mapping[str, System], *,
               charge: Literal["dynamic", "total"] = "dynamic", skip_unknown: bool = False,
               **job_fields: Any) -> Job:
        """The window as a :class:`carbon.Job` (one ``EnergyUse`` per system).

        ``systems`` is one :class:`carbon.System` for every device, or a mapping from a device
        key (``gpu:0``), a kind (``gpu``, ``cpu``, ``dram``, ``ram``) or ``"*"`` to a system.
        Devices that share a system are summed into one ``EnergyUse`` (so its embodied carbon
        is counted once): energies and uncertainties add, the weakest provenance wins
        (measured < sampled < estimated). ``charge="dynamic"`` books ``energy - idle``,
        ``"total"`` books the whole draw. A device whose charged figure is unknown raises
        (unknown is never zero) unless ``skip_unknown`` is set; then it is listed in
        ``job.meta["measurement"]["skipped"]``. ``job_fields`` go to ``Job`` (``platform``,
        ``products``, ``meta``...).

        >>> from carbon import Q_, Facility, System
        >>> fac = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
        >>> box = System(name="box", embodied="1000 kgCO2e", lifetime="4 year", facility=fac)
        >>> d = DeviceEnergy(key="cpu", kind="cpu", name="x", method="tdp-estimate",
        ...                  energy=Q_(3.6, "MJ"), dynamic=Q_(3.6, "MJ"),
        ...                  provenance="estimated", source="TDP table")
        >>> m = Measurement(name="w", start=datetime(2024, 1, 1, tzinfo=UTC),
        ...                 duration=Q_(1.0, "h"), devices=(d,))
        >>> job = m.to_job("train", box)
        >>> job.energy[0].energy, str(job.energy[0].provenance)
        (<Quantity(1.0, 'kilowatt_hour')>, 'estimated')
        """
        if charge not in ("dynamic", "total"):
            raise InvalidValueError("charge", charge, "'dynamic' or 'total'")
        groups: dict[int, tuple[System, list[DeviceEnergy]]] = {}
        skipped: dict[str, str] = {}
        for d in self.devices:
            figure = d.dynamic if charge == "dynamic" else d.energy
            if figure is None:
                why = d.reason if d.energy is None else (
                    "its idle baseline is unknown: measure idle first "
                    "(Monitor.auto() does; or Monitor(idle_seconds=...)) or charge='total'")
                if skip_unknown:
                    skipped[d.key] = why or "unknown"
                    continue
                raise InvalidValueError(f"devices[{d.key}].{charge}", None,
                                        f"a known figure ({why}); or pass skip_unknown=True")
            system = _system_for(d, systems)
            groups.setdefault(id(system), (system, []))[1].append(d)
        if not groups:
            raise InvalidValueError("devices", list(skipped),
                                    "at least one device with a known figure")
        uses = []
        for system, devs in groups.values():
            figures = [_j(d.dynamic if charge == "dynamic" else d.energy) or 0.0 for d in devs]
            uncs = [_j(d.uncertainty) for d in devs]
            prov = max((d.provenance or "estimated" for d in devs), key=_ORDER.index)
            uses.append(EnergyUse(
                system=system, energy=quantity(sum(figures), "J"), provenance=prov,
                uncertainty=None if any(u is None for u in uncs)
                else quantity(sum(u for u in uncs if u is not None), "J"),
                source="; ".join(f"{d.key}: {d.source}" for d in devs),
            ))
        meta = dict(job_fields.pop("meta", {}) or {})
        meta["measurement"] = {
            "window": self.name, "charge": charge, "incomplete": self.incomplete,
            "complete": self.complete, "notes": list(self.notes), "skipped": skipped,
            "devices": [d.to_dict() for d in self.devices], **dict(self.meta),
        }
        seconds = float(magnitude(self.duration, "s", "duration"))
        if seconds <= 0:
            raise InvalidValueError("duration", self.duration, "a window longer than 0 s")
        end = self.start + timedelta(seconds=seconds)
        fields: dict[str, Any] = {"start": self.start, "duration": quantity(seconds, "s")}
        if end > self.start:
            fields["end"] = end
        fields.update(job_fields)
        return Job(name=name, energy=uses, meta=meta, **fields)

    # --- serialisation ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (round-trips through :meth:`from_dict`)."""
        return {
            "name": self.name, "start": self.start.isoformat(),
            "duration_s": float(magnitude(self.duration, "s", "duration")),
            "devices": [d.to_dict() for d in self.devices], "notes": list(self.notes),
            "incomplete": self.incomplete, "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Measurement:
        """Inverse of :meth:`to_dict`."""
        start = datetime.fromisoformat(d["start"])
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        return cls(name=d["name"], start=start, duration=quantity(float(d["duration_s"]), "s"),
                   devices=tuple(DeviceEnergy.from_dict(x) for x in d["devices"]),
                   notes=tuple(d.get("notes") or ()), incomplete=bool(d.get("incomplete")),
                   meta=dict(d.get("meta") or {}))

    def with_(self, **changes: Any) -> Measurement:
        """A copy with some fields changed."""
        return replace(self, **changes)


def _system_for(d: DeviceEnergy, systems: System | Mapping[str, System]) -> System:
    if isinstance(systems, System):
        return systems
    for k in (d.key, d.kind, "*"):
        if k in systems:
            return systems[k]
    raise UnknownKeyError("systems", d.key,
                          f"a system for device {d.key!r}: a key {d.key!r}, {d.kind!r} or '*' "
                          f"(given: {sorted(systems)})")


def finite_or_none(x: float | None) -> float | None:
    """``x`` if it is a finite number, else ``None``."""
    return x if x is not None and math.isfinite(x) else None
