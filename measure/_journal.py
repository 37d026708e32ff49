"""An append-only measurement journal (JSON lines, fsync'd): nothing measured is lost.

Records: ``begin`` (job id, name, start, devices), ``checkpoint`` (the open window so far),
``end`` (the closed window) and ``recovered``. A process killed mid-window leaves a
``begin`` (and its checkpoints) without an ``end``; :meth:`Journal.recover` returns each such
job as an ``incomplete`` :class:`Measurement` with the energy up to its last checkpoint, and
marks it recovered so it is returned once. A line torn by a crash is skipped on reading and
fenced off (a newline first) on the next append. ``measure`` imports nothing from
``lineage``: the command line connects the journal to the ledger.

>>> import tempfile, os
>>> j = Journal(os.path.join(tempfile.mkdtemp(), "journal.jsonl"))
>>> j.begin("job1", "train", devices=[])
>>> [m.name for m in j.recover()], j.recover()
(['train'], [])
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from carbon import quantity
from measure._errors import JournalError
from measure._measurement import DeviceEnergy, Measurement

__all__ = ["Journal"]


class Journal:
    """The journal at ``path`` (created on first append; its folder must exist)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def append(self, record: Mapping[str, Any]) -> None:
        """Append one record as one line, then fsync (durable when this returns)."""
        line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # fence off a line torn by a crash
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def records(self) -> list[dict[str, Any]]:
        """Every complete record, in order (torn or foreign lines are skipped)."""
        if not self.path.exists():
            return []
        out = []
        try:
            with self.path.open(encoding="utf-8", errors="replace") as f:
                for line in f:
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    if isinstance(rec, dict) and "type" in rec and "job" in rec:
                        out.append(rec)
        except OSError as e:
            raise JournalError("journal", str(self.path), "a readable journal file") from e
        return out

    # --- writing ------------------------------------------------------------------------
    def begin(self, job_id: str, name: str, *, devices: Sequence[Mapping[str, str]],
              start: datetime | None = None, meta: Mapping[str, Any] | None = None) -> None:
        """Record that job ``job_id`` started (devices: ``Monitor.devices``)."""
        self.append({"type": "begin", "job": job_id, "name": name,
                     "start": (start or datetime.now(UTC)).isoformat(),
                     "devices": [dict(d) for d in devices], "meta": dict(meta or {})})

    def checkpoint(self, job_id: str, m: Measurement) -> None:
        """Record the energy of the open window so far."""
        self.append({"type": "checkpoint", "job": job_id, "measurement": m.to_dict()})

    def end(self, job_id: str, m: Measurement) -> None:
        """Record the closed window."""
        self.append({"type": "end", "job": job_id, "measurement": m.to_dict()})

    # --- reading ------------------------------------------------------------------------
    def completed(self) -> list[Measurement]:
        """Every job that ended normally."""
        return [Measurement.from_dict(r["measurement"]) for r in self.records()
                if r["type"] == "end"]

    def incomplete(self) -> list[Measurement]:
        """Jobs begun but neither ended nor recovered, as ``incomplete`` measurements."""
        begun: dict[str, dict[str, Any]] = {}
        last: dict[str, dict[str, Any]] = {}
        for r in self.records():
            job = r["job"]
            if r["type"] == "begin":
                begun[job] = r
            elif r["type"] == "checkpoint":
                last[job] = r["measurement"]
            elif r["type"] in ("end", "recovered"):
                begun.pop(job, None)
        return [_recovered(job, b, last.get(job)) for job, b in begun.items()]

    def mark_recovered(self, job_id: str, **where: Any) -> None:
        """Mark one incomplete job as dealt with (``where``: e.g. the ledger that recorded it):
        :meth:`incomplete` no longer returns it. Call it only once the job is safe elsewhere."""
        self.append({"type": "recovered", "job": job_id, **where})

    def recover(self) -> list[Measurement]:
        """:meth:`incomplete`, each marked ``recovered`` in the journal (returned once).

        Marks them at once: a caller that records them somewhere should read
        :meth:`incomplete` and :meth:`mark_recovered` each after recording it instead.
        """
        found = self.incomplete()
        for m in found:
            self.mark_recovered(m.meta["job_id"])
        return found


def _recovered(job: str, begin: Mapping[str, Any], last: Mapping[str, Any] | None
               ) -> Measurement:
    note = ("recovered from the journal: the process ended without closing the window; "
            "energy up to the last checkpoint (a lower bound)")
    meta = {**dict(begin.get("meta") or {}), "job_id": job}
    if last is not None:
        m = Measurement.from_dict(last)
        devices = tuple(
            DeviceEnergy.from_dict({**d.to_dict(), "complete": False,
                                    "flags": [*(f for f in d.flags if f != "open"), "partial"]})
            for d in m.devices)
        return Measurement(name=begin["name"], start=m.start, duration=m.duration,
                           devices=devices, notes=(*m.notes, note), incomplete=True,
                           meta={**dict(m.meta), **meta})
    start = datetime.fromisoformat(begin["start"])
    devices = tuple(
        DeviceEnergy(key=d["key"], kind=d["kind"], name=d["name"], method=d["method"],
                     energy=None, provenance=None, source="journal", flags=("partial",),
                     reason="the process ended before its first checkpoint", complete=False)
        for d in begin.get("devices") or [])
    return Measurement(name=begin["name"], start=start, duration=quantity(0.0, "s"),
                       devices=devices, notes=(note,), incomplete=True, meta=meta)
