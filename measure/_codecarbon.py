"""Import CodeCarbon's ``emissions.csv`` rows as ``reported`` jobs (codecarbon not needed).

Read from the file's columns: CodeCarbon 3.x writes :data:`CODECARBON_COLUMNS`
(``timestamp, project_name, run_id, experiment_id, duration, emissions, ...,
water_consumed, ..., cpu_utilization_percent, ..., ram_used_gb, on_cloud, pue, wue``); older
files have fewer. Energies are kWh, powers W, ``emissions`` kg CO2e, ``duration`` s. Every
column the file has (one we do not know too) is kept in ``job.meta["codecarbon"]``, with
``emissions`` renamed ``emissions_kg``; what no file records is in ``job.meta["not_recorded"]``.

**How CodeCarbon's PUE and the facility's relate.** CodeCarbon 3.x multiplies every power and
energy it writes by its ``pue`` (its documentation: ``force_cpu_power=100`` and ``pue=1.5``
report the CPU at 150 W), and ``emissions = energy_consumed x its regional factor``. The job
books the IT energy ``(cpu_energy + gpu_energy + ram_energy) / pue`` (``energy_consumed / pue``
when the parts are missing), so the facility's PUE applies exactly once:

- ``factors="codecarbon"`` (the default for a file with a ``pue`` column, 3.x): the job runs on
  ``system`` moved into a facility whose PUE is CodeCarbon's and whose intensity is
  CodeCarbon's own factor, ``emissions / energy_consumed``; ``asc_e(job).jsc`` is then
  CodeCarbon's ``emissions`` (to rounding), and the embodied share is ``system``'s.
- ``factors="system"`` (the default for an older file, with no ``pue`` column, whose energies
  carry no PUE): the job runs on ``system`` as given (its PUE and grid); CodeCarbon's
  emissions stay beside ours as the ``reported`` figure in ``job.meta["reported_emissions"]``
  and the difference is noted (``CodeCarbon: 0.41 kg, ours at USA average: 0.72 kg (+76 %)``).

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
>>> job.meta["notes"][-1]
'CodeCarbon: 0.05 kg, ours at dc (PUE 1.2, 400 gCO2e/kWh): 0.0624 kg (+25 %)'
"""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal

from carbon import (
    ConstantIntensity,
    DataError,
    EnergyUse,
    Facility,
    InvalidValueError,
    Job,
    ModelCarbonError,
    System,
    quantity,
)

__all__ = ["CODECARBON_COLUMNS", "read_codecarbon"]

#: The columns of CodeCarbon 3.3.2's ``emissions.csv`` (``EmissionsData``), in its order.
CODECARBON_COLUMNS: tuple[str, ...] = (
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions",
    "emissions_rate", "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy",
    "ram_energy", "energy_consumed", "water_consumed", "country_name", "country_iso_code",
    "region", "cloud_provider", "cloud_region", "os", "python_version", "codecarbon_version",
    "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
    "ram_total_size", "tracking_mode", "cpu_utilization_percent", "gpu_utilization_percent",
    "ram_utilization_percent", "ram_used_gb", "on_cloud", "pue", "wue",
)
_REQUIRED = ("timestamp", "duration")
_NUMBERS = ("duration", "emissions", "emissions_rate", "cpu_power", "gpu_power", "ram_power",
            "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed", "water_consumed",
            "cpu_count", "gpu_count", "longitude", "latitude", "ram_total_size",
            "cpu_utilization_percent", "gpu_utilization_percent", "ram_utilization_percent",
            "ram_used_gb", "pue", "wue")

NOT_RECORDED = (
    "how each figure was obtained (a counter reading and a TDP guess look the same)",
    "an uncertainty for any figure",
    "idle and dynamic energy separately",
    "the grid intensity over the run's hours (one yearly average per country)",
    "RAM power is a model (watts per GB or per module), not a reading",
)


#: Columns whose NaN would be booked as "nothing": refused instead (unknown is never zero).
_NO_NAN = frozenset({"duration", "emissions", "cpu_energy", "gpu_energy", "ram_energy",
                     "energy_consumed", "pue"})
#: Columns that hold amounts, never below zero.
_NON_NEGATIVE = frozenset({"duration", "emissions", "emissions_rate", "cpu_power", "gpu_power",
                           "ram_power", "cpu_energy", "gpu_energy", "ram_energy",
                           "energy_consumed", "water_consumed", "cpu_count", "gpu_count",
                           "ram_total_size", "ram_used_gb", "pue", "wue"})


def _cut(text: str) -> str:
    return text if len(text) <= 60 else text[:59] + "…"


def _number(row: dict[str, Any], col: str, where: str) -> float | None:
    cell = row.get(col)
    if isinstance(cell, list):  # pragma: no cover - DictReader's restkey is None, not a column
        cell = None
    text = (cell or "").strip()
    if not text:
        return None
    if text.lower() == "nan" and col not in _NO_NAN:
        return None
    try:
        v = float(text)
    except ValueError as e:
        raise DataError(f"{where}: {col}", _cut(text), "a number") from e
    if not math.isfinite(v):
        raise DataError(f"{where}: {col}", _cut(text),
                        "a finite number (leave the cell empty when it is unknown)")
    if v < 0 and col in _NON_NEGATIVE:
        raise DataError(f"{where}: {col}", _cut(text), "an amount >= 0")
    return v


def _window(row: dict[str, Any], duration: float | None, where: str,
            timezone: tzinfo) -> tuple[datetime, datetime]:
    if duration is None or duration <= 0:
        raise DataError(f"{where}: duration", _cut(str(row.get("duration"))),
                        "a duration > 0 [s]")
    stamp = row.get("timestamp")
    try:
        end = datetime.fromisoformat(stamp.strip())  # type: ignore[union-attr]
        if end.tzinfo is None:
            end = end.replace(tzinfo=timezone)
        end = end.astimezone(UTC)
        return end - timedelta(seconds=duration), end
    except (AttributeError, TypeError, ValueError, OverflowError) as e:
        raise DataError(f"{where}: timestamp", _cut(str(stamp)),
                        "an ISO 8601 time (and a duration that starts after year 1)") from e


def _their_system(system: System, pue: float, emissions_kg: float | None, energy_kwh: float,
                  where: str, version: str, run_id: str) -> tuple[System, list[str]]:
    """``system`` in a facility with CodeCarbon's PUE and regional factor."""
    if pue < 1:
        raise InvalidValueError(f"emissions.csv run {run_id}: pue", pue,
                                "a PUE >= 1 (CodeCarbon's energies include it)")
    if emissions_kg is None or energy_kwh <= 0:
        fac = Facility(name=f"{system.facility.name} at CodeCarbon's PUE {pue:g}", pue=pue,
                       mix=system.facility.mix)
        return system.model_copy(update={"facility": fac}), [
            f"CodeCarbon's factor is unknown for run {run_id} (no emissions or no energy): "
            f"{system.facility.name}'s grid is used"]
    ci = emissions_kg * 1000.0 / energy_kwh
    mix = ConstantIntensity(ci, source=f"CodeCarbon {version}: emissions / energy_consumed "
                                       f"of run {run_id} ({where})")
    fac = Facility(name=f"CodeCarbon {where} (PUE {pue:g})", pue=pue, mix=mix)
    return system.model_copy(update={"facility": fac}), []


def _compare(theirs_kg: float | None, system: System, it_kwh: float, start: datetime,
             end: datetime) -> tuple[float, str | None]:
    fac = system.facility
    ci = fac.intensity_gco2e_per_kwh(start, end)
    ours_kg = it_kwh * fac.pue * ci / 1000.0
    if theirs_kg is None:
        return ours_kg, None
    diff = (f" ({(ours_kg - theirs_kg) / theirs_kg * 100:+.0f} %)" if theirs_kg > 0 else "")
    return ours_kg, (f"CodeCarbon: {theirs_kg:.3g} kg, ours at {fac.name} (PUE {fac.pue:g}, "
                     f"{ci:.4g} gCO2e/kWh): {ours_kg:.3g} kg{diff}")


def read_codecarbon(path: str | Path, system: System, *, timezone: tzinfo = UTC,
                    factors: Literal["codecarbon", "system"] | None = None) -> list[Job]:
    """Every row of a CodeCarbon ``emissions.csv`` as a ``reported`` :class:`carbon.Job`.

    ``system`` is the machine the runs used (its embodied carbon and lifetime; its facility
    too with ``factors="system"``). ``factors`` picks whose PUE and grid the job is booked
    at (module docstring); by default CodeCarbon's for a file with a ``pue`` column, the
    system's for an older one. CodeCarbon writes ``timestamp`` (the end of the run) without a
    zone: ``timezone`` says which one it was (UTC by default; stated in the job's meta).
    """
    if factors not in (None, "codecarbon", "system"):
        raise InvalidValueError("factors", factors, "'codecarbon', 'system' or None")
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise DataError(f"{path}", f"byte {e.start}", "a UTF-8 CSV file (CodeCarbon's "
                        "emissions.csv); this one is binary or in another encoding") from e
    except OSError as e:
        raise DataError(f"{path}", e.strerror or type(e).__name__,
                        "a readable CodeCarbon emissions.csv") from e
    if "\x00" in text:
        raise DataError(f"{path}", "a NUL byte", "a CSV text file (this one is binary)")
    try:
        rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    except csv.Error as e:
        raise DataError(f"{path}", _cut(str(e)), "a well-formed CSV file") from e
    header = [c.strip() for c in rows[0]] if rows else []
    twice = sorted({c for c in header if c and header.count(c) > 1})
    if twice:
        raise DataError(f"{path}: header", ", ".join(twice),
                        "each column once (a duplicated column is ambiguous)")
    missing = [c for c in _REQUIRED if c not in header]
    if missing or not ({"energy_consumed", "cpu_energy"} & set(header)):
        raise DataError(f"{path}: header", _cut(", ".join(missing or header)),
                        "CodeCarbon's columns (timestamp, duration, energy_consumed or "
                        "cpu_energy/gpu_energy/ram_energy)")
    mode = factors or ("codecarbon" if "pue" in header else "system")
    jobs = []
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue  # a blank line, as csv.DictReader skips it
        if len(cells) > len(header):
            raise DataError(f"{path} line {line}", f"{len(cells)} cells",
                            f"at most {len(header)} cells (one per column of the header)")
        row = dict(zip(header, cells, strict=False))
        try:
            jobs.append(_job(row, line, header, path, system, timezone, mode))
        except ModelCarbonError as e:
            if str(path) in e.field:
                raise
            # a record refusing what the row implies (an intensity that overflows, ...)
            raise DataError(f"{path} line {line}: {e.field}", e.value, e.expected) from e
    return jobs


def _job(row: dict[str, str], line: int, header: list[str], path: Path, system: System,
         timezone: tzinfo, mode: str) -> Job:
    where = f"{path} line {line}"
    nums = {c: _number(row, c, where) for c in _NUMBERS}
    parts = [nums[c] for c in ("cpu_energy", "gpu_energy", "ram_energy")]
    known = [p for p in parts if p is not None]
    energy_kwh = sum(known) if known else nums["energy_consumed"]
    if energy_kwh is None:
        raise DataError(f"{where}: energy", None,
                        "energy_consumed or the cpu/gpu/ram energies")
    start, end = _window(row, nums["duration"], where, timezone)
    version = (row.get("codecarbon_version") or "").strip() or "unknown version"
    run_id = (row.get("run_id") or "").strip() or f"line {line}"
    project = (row.get("project_name") or "").strip() or "codecarbon"
    own: dict[str, Any] = {c: (nums[c] if c in nums else (row.get(c) or "").strip() or None)
                           for c in header if c}
    own["emissions_kg"] = own.pop("emissions", None)
    notes = []
    consumed = nums["energy_consumed"]
    if consumed is not None and known and not math.isclose(consumed, sum(known), rel_tol=1e-6):
        notes.append(f"energy_consumed ({consumed} kWh) differs from cpu+gpu+ram "
                     f"({sum(known)} kWh); the parts are booked")
    pue = nums["pue"] if nums["pue"] is not None else 1.0
    if pue < 1:
        raise InvalidValueError(f"{where}: pue", pue,
                                "a PUE >= 1 (CodeCarbon's energies include it)")
    it_kwh = energy_kwh / pue
    theirs_kg = nums["emissions"]
    booked = system
    if mode == "codecarbon":
        country = ((row.get("country_iso_code") or "").strip()
                   or (row.get("country_name") or "").strip() or "unknown country")
        booked, more = _their_system(system, pue, theirs_kg, energy_kwh, country, version,
                                     run_id)
        notes += more
    ours_kg, note = _compare(theirs_kg, booked, it_kwh, start, end)
    if not math.isfinite(ours_kg):
        raise DataError(f"{where}: energy", energy_kwh, "an energy whose carbon is a finite "
                        "number of kg (this one overflows float64)")
    if note is not None and mode == "system":
        notes.append(note)
    source = f"codecarbon {version}, {path.name} run {run_id}"
    if pue != 1.0:
        source += f" (its energies / its PUE {pue:g})"
    return Job(
        name=f"{project}:{run_id}", start=start, end=end, duration=quantity(nums["duration"], "s"),
        energy=[EnergyUse(system=booked, energy=quantity(it_kwh, "kWh"),
                          provenance="reported", source=source)],
        meta={"source": "codecarbon", "codecarbon": own, "not_recorded": NOT_RECORDED,
              "timestamp_zone": str(timezone), "notes": notes, "factors": mode,
              "reported_emissions": {"kgCO2e": theirs_kg, "ours_kgCO2e": ours_kg,
                                     "source": source}},
    )
