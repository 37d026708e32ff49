"""Write jobs as CodeCarbon 3.3.2's ``emissions.csv`` so its dashboards and tools read them.

One row per job, in :data:`measure.CODECARBON_COLUMNS`' order, with CodeCarbon's conventions:
energies in kWh *including* the PUE (``energy_consumed`` is the facility energy
``sum E_it x PUE``), ``pue`` the job's effective PUE (facility energy / IT energy, so that
:func:`measure.read_codecarbon` divides it back out), ``emissions`` the job's JSC in kg CO2e
(operational + overhead: what CodeCarbon counts; embodied and the other ASC^e parts are not
CodeCarbon columns), ``emissions_rate`` kg/s, powers the mean W over the duration,
``timestamp`` the end of the job in UTC without a zone (as CodeCarbon writes it).

``cpu_energy``, ``gpu_energy`` and ``ram_energy`` come from the job's measured devices
(``job.meta["measurement"]["devices"]``, their kinds ``cpu``, ``gpu``, ``dram``/``ram``) or
from an imported CodeCarbon row; where neither adds up to the job's energy the three cells
are left empty (unknown, never zero). Descriptive columns (country, region, os, cpu_model...)
come from an imported row's ``job.meta["codecarbon"]`` and are empty otherwise.

>>> import tempfile, os
>>> from carbon import Facility, System, EnergyUse, Job
>>> box = System(name="box", embodied="1000 kgCO2e", lifetime="4 year",
...              facility=Facility(name="dc", pue=1.5, mix="400 gCO2e/kWh"))
>>> job = Job(name="train", duration="1 h", end="2024-05-01T11:00:00Z",
...           energy=[EnergyUse(system=box, energy="2 kWh", provenance="measured")])
>>> path = write_codecarbon([job], os.path.join(tempfile.mkdtemp(), "emissions.csv"))
>>> row = path.read_text().splitlines()[1].split(",")
>>> row[0], row[5], row[13], row[-2]
('2024-05-01T11:00:00', '1.2', '3.0', '1.5')
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from carbon import InvalidValueError, Job, asc_e, magnitude
from measure._codecarbon import CODECARBON_COLUMNS

__all__ = ["write_codecarbon"]

_PART_OF_KIND = {"cpu": "cpu_energy", "gpu": "gpu_energy", "dram": "ram_energy",
                 "ram": "ram_energy"}
_PARTS = ("cpu_energy", "gpu_energy", "ram_energy")
_J_PER_KWH = 3.6e6


def _measured_parts(job: Job, it_kwh: float) -> dict[str, float] | None:
    m = job.meta.get("measurement")
    if not isinstance(m, Mapping) or not m.get("devices"):
        return None
    charged = "dynamic_j" if m.get("charge", "dynamic") == "dynamic" else "energy_j"
    skipped = m.get("skipped") or {}
    parts = dict.fromkeys(_PARTS, 0.0)
    for d in m["devices"]:
        col = _PART_OF_KIND.get(d.get("kind", ""))
        if d.get("key") in skipped:
            continue
        if col is None or d.get(charged) is None:
            return None
        parts[col] += d[charged] / _J_PER_KWH
    return parts if math.isclose(sum(parts.values()), it_kwh, rel_tol=1e-6) else None


def _row(job: Job) -> dict[str, Any]:
    b = asc_e(job)
    it_kwh = sum(line.energy_kwh for line in b.systems)
    facility_kwh = sum(line.energy_kwh * line.pue for line in b.systems)
    pue = facility_kwh / it_kwh if it_kwh > 0 else 1.0
    if job.duration is not None:
        seconds = float(magnitude(job.duration, "s", "duration"))
    elif job.start is not None and job.end is not None:
        seconds = (job.end - job.start).total_seconds()
    else:  # carbon.Job refuses this already
        raise InvalidValueError(f"job {job.name!r}: duration", None, "a duration or both ends")
    end = job.end or (job.start + timedelta(seconds=seconds) if job.start else None)
    if end is None:
        raise InvalidValueError(f"job {job.name!r}: end", None,
                                "an end or a start (CodeCarbon's timestamp column)")
    theirs = dict(job.meta.get("codecarbon") or {})
    row: dict[str, Any] = {c: theirs.get(c) for c in CODECARBON_COLUMNS}
    parts = _measured_parts(job, it_kwh)
    if parts is not None:
        parts = {c: v * pue for c, v in parts.items()}
    else:
        imported = [v for c in _PARTS if isinstance(v := theirs.get(c), float)]
        if len(imported) == len(_PARTS) and math.isclose(sum(imported), facility_kwh,
                                                         rel_tol=1e-6):
            parts = dict(zip(_PARTS, imported, strict=True))
    kg = b.jsc_g / 1000.0
    row.update({
        "timestamp": end.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds"),
        "project_name": theirs.get("project_name") or job.name,
        "run_id": theirs.get("run_id") or job.id, "duration": seconds, "emissions": kg,
        "emissions_rate": kg / seconds if seconds > 0 else None,
        "energy_consumed": facility_kwh, "pue": pue,
    })
    for c in _PARTS:
        e = None if parts is None else parts[c]
        row[c] = e
        power = c.replace("_energy", "_power")
        row[power] = (e * _J_PER_KWH / seconds if e is not None and seconds > 0
                      else None)
    return row


def _cell(v: Any) -> str:
    if v is None:
        return ""
    return repr(v) if isinstance(v, float) else str(v)


def write_codecarbon(jobs: Iterable[Job], path: str | Path) -> Path:
    """Write ``jobs`` to ``path`` as CodeCarbon 3.3.2's ``emissions.csv`` (module docstring).

    The file is replaced. CodeCarbon's own ``FileOutput`` appends to it afterwards (its
    header check passes), and :func:`measure.read_codecarbon` reads it back.
    """
    path = Path(path)
    rows = [_row(job) for job in jobs]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(CODECARBON_COLUMNS)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in CODECARBON_COLUMNS])
    return path
