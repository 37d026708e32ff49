"""Import CodeCarbon's ``emissions.csv`` rows as ``reported`` jobs (codecarbon not needed).

Read from the file's documented columns (``timestamp, project_name, run_id, duration,
emissions, emissions_rate, cpu_power, gpu_power, ram_power, cpu_energy, gpu_energy,
ram_energy, energy_consumed, country_name, country_iso_code, region, cloud_provider,
cloud_region, os, python_version, codecarbon_version, cpu_count, cpu_model, gpu_count,
gpu_model, longitude, latitude, ram_total_size, tracking_mode, on_cloud, pue``; older files
have fewer). Energies are kWh, powers W, ``emissions`` kg CO2e, ``duration`` s.

The job's energy is the IT energy ``cpu_energy + gpu_energy + ram_energy`` (the facility of
the system you give applies the PUE), labelled ``reported`` with source ``codecarbon``.
CodeCarbon's own figures are kept in ``job.meta["codecarbon"]`` (its emissions, its
``energy_consumed``, the per-part powers and energies, the country and PUE it used), with
what the file does not record in ``job.meta["not_recorded"]``.

>>> import tempfile, os
>>> from carbon import Facility, System
>>> path = os.path.join(tempfile.mkdtemp(), "emissions.csv")
>>> from pathlib import Path
>>> _ = Path(path).write_text(
...     "timestamp,project_name,run_id,duration,emissions,cpu_energy,gpu_energy,ram_energy,"
...     "energy_consumed,codecarbon_version\\n"
...     "2024-05-01T10:00:00,demo,r1,3600,0.05,0.02,0.1,0.01,0.13,2.4.2\\n")
>>> box = System(name="box", embodied="1000 kgCO2e", lifetime="4 year",
...              facility=Facility(name="dc", pue=1.2, mix="400 gCO2e/kWh"))
>>> job = read_codecarbon(path, box)[0]
>>> job.energy[0].energy, str(job.energy[0].provenance), job.meta["codecarbon"]["emissions_kg"]
(<Quantity(0.13, 'kilowatt_hour')>, 'reported', 0.05)
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from carbon import DataError, EnergyUse, Job, System, quantity

__all__ = ["CODECARBON_COLUMNS", "read_codecarbon"]

CODECARBON_COLUMNS: tuple[str, ...] = (
    "timestamp", "project_name", "run_id", "duration", "emissions", "emissions_rate",
    "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy",
    "energy_consumed", "country_name", "country_iso_code", "region", "cloud_provider",
    "cloud_region", "os", "python_version", "codecarbon_version", "cpu_count", "cpu_model",
    "gpu_count", "gpu_model", "longitude", "latitude", "ram_total_size", "tracking_mode",
    "on_cloud", "pue",
)
_REQUIRED = ("timestamp", "duration")
_NUMBERS = ("duration", "emissions", "emissions_rate", "cpu_power", "gpu_power", "ram_power",
            "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed", "cpu_count",
            "gpu_count", "longitude", "latitude", "ram_total_size", "pue")

NOT_RECORDED = (
    "how each figure was obtained (a counter reading and a TDP guess look the same)",
    "an uncertainty for any figure",
    "idle and dynamic energy separately",
    "the grid intensity over the run's hours (one yearly average per country)",
    "RAM power is a model (watts per GB or per module), not a reading",
)


def _number(row: dict[str, str], col: str, line: int) -> float | None:
    text = (row.get(col) or "").strip()
    if not text:
        return None
    try:
        v = float(text)
    except ValueError as e:
        raise DataError(f"emissions.csv line {line}: {col}", text, "a number") from e
    if not math.isfinite(v):
        raise DataError(f"emissions.csv line {line}: {col}", text, "a finite number")
    return v


def read_codecarbon(path: str | Path, system: System, *,
                    timezone: tzinfo = UTC) -> list[Job]:
    """Every row of a CodeCarbon ``emissions.csv`` as a ``reported`` :class:`carbon.Job`.

    ``system`` is the machine the runs used (its facility sets PUE and grid). CodeCarbon
    writes ``timestamp`` (the end of the run) without a zone: ``timezone`` says which one it
    was (UTC by default; stated in the job's meta).
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in _REQUIRED if c not in header]
        if missing or not ({"energy_consumed", "cpu_energy"} & set(header)):
            raise DataError("emissions.csv", missing or header,
                            "CodeCarbon's columns (timestamp, duration, energy_consumed or "
                            "cpu_energy/gpu_energy/ram_energy)")
        jobs = []
        for line, row in enumerate(reader, start=2):
            nums = {c: _number(row, c, line) for c in _NUMBERS}
            parts = [nums[c] for c in ("cpu_energy", "gpu_energy", "ram_energy")]
            known = [p for p in parts if p is not None]
            energy_kwh = sum(known) if known else nums["energy_consumed"]
            if energy_kwh is None:
                raise DataError(f"emissions.csv line {line}: energy", None,
                                "energy_consumed or the cpu/gpu/ram energies")
            duration = nums["duration"]
            if duration is None or duration <= 0:
                raise DataError(f"emissions.csv line {line}: duration", row.get("duration"),
                                "a duration > 0 [s]")
            try:
                end = datetime.fromisoformat(row["timestamp"].strip())
            except ValueError as e:
                raise DataError(f"emissions.csv line {line}: timestamp", row["timestamp"],
                                "an ISO 8601 time") from e
            if end.tzinfo is None:
                end = end.replace(tzinfo=timezone)
            end = end.astimezone(UTC)
            start = end - timedelta(seconds=duration)
            version = (row.get("codecarbon_version") or "").strip() or "unknown version"
            run_id = (row.get("run_id") or "").strip() or f"line {line}"
            project = (row.get("project_name") or "").strip() or "codecarbon"
            own = {c: (nums[c] if c in nums else (row.get(c) or "").strip() or None)
                   for c in CODECARBON_COLUMNS if c in header}
            own["emissions_kg"] = own.pop("emissions", None)
            notes = []
            consumed = nums["energy_consumed"]
            if consumed is not None and known and not math.isclose(consumed, sum(known),
                                                                   rel_tol=1e-6):
                notes.append(f"energy_consumed ({consumed} kWh) differs from cpu+gpu+ram "
                             f"({sum(known)} kWh); the parts are booked")
            jobs.append(Job(
                name=f"{project}:{run_id}", start=start, end=end,
                duration=quantity(duration, "s"),
                energy=[EnergyUse(system=system, energy=quantity(energy_kwh, "kWh"),
                                  provenance="reported",
                                  source=f"codecarbon {version}, {path.name} run {run_id}")],
                meta={"source": "codecarbon", "codecarbon": own, "not_recorded": NOT_RECORDED,
                      "timestamp_zone": str(timezone), "notes": notes},
            ))
    return jobs
