"""Estimates where nothing can be measured: CPU from TDP and utilisation, memory per GB.

CPU (Green Algorithms core-usage model, Lannelongue et al. 2021, doi:10.1002/advs.202100707)::

    P_cpu [W] = TDP / threads_per_chip * n_logical * u

with ``TDP`` and ``threads_per_chip`` from the sourced table ``measure/_data/cpu_tdp.csv``,
``n_logical`` the CPUs this host shows and ``u`` their busy share over the window, read from
``/proc/stat`` (user + nice + system + irq + softirq over those plus idle + iowait; steal
excluded). A model missing from that table is looked up by TDP in CodeCarbon's
``cpu_power.csv`` (copied as ``measure/_data/codecarbon_cpu_power.csv``, ~4,900 rows, MIT,
see ``measure/_data/ATTRIBUTION.md``), which has no thread counts: the chip's threads are then
taken as the logical CPUs the host shows (CodeCarbon's own assumption, ``TDP x load``; said in
the entry's source). A model in neither uses the median W per thread of the sourced table's
rows of the same vendor (flagged ``generic_tdp``, with the spread in the details).

Memory: ``P_ram [W] = 0.3725 W/GB * GB in use`` (same paper), GB in use being
``MemTotal - MemAvailable`` from ``/proc/meminfo``, integrated over the window by trapezoid.

These are the host-wide forms (``attribution="host"``): every process on the host is charged
to the window. ``measure._attributed`` holds the process forms (``attribution="process"``, the
monitor's default), which count only the window's own processes.

Both are labelled ``estimated``; the model has no idle term, so the whole estimate is the
usage-attributed (dynamic) part and ``idle`` stays unknown. Their error is not quantified
(``uncertainty`` is None, with the reason in the details).

>>> entry = lookup_cpu("AMD EPYC 7763 64-Core Processor")
>>> entry.model, entry.tdp_w, entry.threads
('EPYC 7763', 280.0, 128)
"""

from __future__ import annotations

import csv
import os
import re
import statistics
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from carbon import InvalidValueError, quantity
from measure._errors import MeasureError
from measure._measurement import DeviceEnergy
from measure._probe import AccumulatingProbe, Probe, ProbeState

__all__ = [
    "CpuEstimateProbe",
    "CpuTdp",
    "RamEstimateProbe",
    "codecarbon_cpu_table",
    "cpu_model",
    "cpu_tdp_table",
    "lookup_cpu",
    "memory_power_per_gb",
    "read_meminfo",
    "read_proc_stat",
]

_HOST_CPU = ("every process on the host (busy time of all CPUs, /proc/stat): other work on "
             "the host is charged to the window")
_HOST_RAM = ("memory in use by the whole host (MemTotal - MemAvailable): other work on the "
             "host is charged to the window")
_NO_ERROR_BOUND = ("TDP x utilisation is a model, not a reading: its error is not quantified "
                   "(treat the figure as an order of magnitude)")


@dataclass(frozen=True)
class CpuTdp:
    """One CPU model's rating from the table (or a stated one)."""

    vendor: str
    model: str
    cores: int
    threads: int
    tdp_w: float
    source: str
    generic: bool = False
    w_per_thread_range: tuple[float, float] | None = None

    @property
    def w_per_thread(self) -> float:
        return self.tdp_w / self.threads


@cache
def cpu_tdp_table() -> tuple[CpuTdp, ...]:
    """Every row of ``measure/_data/cpu_tdp.csv``.

    >>> len(cpu_tdp_table()) > 30
    True
    """
    path = resources.files("measure") / "_data" / "cpu_tdp.csv"
    with path.open(encoding="utf-8") as f:
        rows = tuple(CpuTdp(r["vendor"], r["model"], int(r["cores"]), int(r["threads"]),
                            float(r["tdp_w"]), r["source"]) for r in csv.DictReader(f))
    for r in rows:
        if not (r.tdp_w > 0 and r.threads >= r.cores > 0 and r.source):
            raise InvalidValueError("cpu_tdp.csv", r, "tdp_w > 0, threads >= cores > 0, a source")
    return rows


@cache
def memory_power_per_gb() -> tuple[float, str]:
    """(W per GB, source) of memory from ``measure/_data/memory_power.csv``.

    >>> memory_power_per_gb()[0]
    0.3725
    """
    path = resources.files("measure") / "_data" / "memory_power.csv"
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["figure"] == "dram_power_per_gb" and r["unit"] == "W/GB":
                return float(r["value"]), r["source"]
    raise MeasureError("memory_power.csv", None, "a dram_power_per_gb row in W/GB")


@cache
def codecarbon_cpu_table() -> dict[str, tuple[str, float]]:
    """CodeCarbon's ``cpu_power.csv``: normalised lower-case name -> (its name, TDP [W]).

    Only rows naming their vendor (Intel, AMD, Apple) are kept (a bare ``3280`` would match
    inside unrelated names), and rows whose TDP is not one number (``27.29.5``: four rows
    of the file as CodeCarbon ships it) are skipped.

    >>> codecarbon_cpu_table()["amd epyc 7763"]
    ('AMD EPYC 7763', 280.0)
    """
    path = resources.files("measure") / "_data" / "codecarbon_cpu_power.csv"
    table: dict[str, tuple[str, float]] = {}
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            name = r["Name"].strip()
            try:
                tdp = float(r["TDP"])
            except ValueError:
                continue
            key = _normalise(name).lower()
            if tdp > 0 and key.split(" ", 1)[0] in ("intel", "amd", "apple"):
                table.setdefault(key, (name, tdp))
    return table


def _codecarbon_match(name: str, logical_cpus: int | None) -> CpuTdp | None:
    words = f" {_normalise(name).lower()} "
    best: str | None = None
    for key in codecarbon_cpu_table():
        if f" {key} " in words and (best is None or len(key) > len(best)):
            best = key
    if best is None:
        return None
    model, tdp = codecarbon_cpu_table()[best]
    n = logical_cpus or os.cpu_count() or 1
    return CpuTdp(model.split(" ", 1)[0], model, n, n, tdp,
                  f"TDP from CodeCarbon's cpu_power.csv (MIT, measure/_data/ATTRIBUTION.md); "
                  f"threads per chip not in that table: taken as the {n} logical CPUs this "
                  f"host shows (CodeCarbon's TDP x load assumption)")


def _normalise(name: str) -> str:
    name = re.sub(r"\((R|TM|tm|r)\)", " ", name)
    name = re.sub(r"@.*$", " ", name)
    name = re.sub(r"\b\d+-Core\b|\bProcessor\b|\bCPU\b|^\s*\d+(st|nd|rd|th) Gen\b", " ", name)
    return " ".join(name.split())


def lookup_cpu(name: str, *, logical_cpus: int | None = None) -> CpuTdp:
    """The table row whose model appears, as whole words, in the CPU ``name``.

    A name the sourced table does not hold is looked up in CodeCarbon's table (TDP only; the
    chip's threads are ``logical_cpus``, this host's count by default). A name neither holds
    (``Intel(R) Xeon(R) Processor`` on a VM that hides the model) gives a generic entry: the
    median W per thread of the same vendor's rows (all rows if the vendor is unknown),
    flagged ``generic`` with the min-max range per thread.

    >>> lookup_cpu("Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz").tdp_w
    350.0
    >>> g = lookup_cpu("Intel(R) Xeon(R) Processor")
    >>> g.generic, g.threads, round(g.w_per_thread, 2)
    (True, 1, 3.91)
    >>> c = lookup_cpu("12th Gen Intel(R) Core(TM) i7-12700H", logical_cpus=20)
    >>> c.model, c.tdp_w, c.w_per_thread, c.generic
    ('Intel Core i7-12700H', 45.0, 2.25, False)
    """
    norm = _normalise(name)
    best: CpuTdp | None = None
    for row in cpu_tdp_table():
        pattern = r"(?<![\w-])" + re.escape(row.model) + r"(?![\w+-])"
        if re.search(pattern, norm, flags=re.IGNORECASE) and (
                best is None or len(row.model) > len(best.model)):
            best = row
    if best is not None:
        return best
    theirs = _codecarbon_match(name, logical_cpus)
    if theirs is not None:
        return theirs
    vendor = "AMD" if "amd" in name.lower() else "Intel" if "intel" in name.lower() else None
    rows = [r for r in cpu_tdp_table() if vendor is None or r.vendor == vendor]
    per_thread = [r.w_per_thread for r in rows]
    median = statistics.median(per_thread)
    return CpuTdp(
        vendor or "unknown", name.strip() or "unknown CPU", 1, 1, median,
        f"median W per thread of {len(rows)} {vendor or 'CPU'} rows of measure/_data/cpu_tdp.csv "
        f"(vendor specifications); the model {name.strip()!r} is not in the table",
        generic=True, w_per_thread_range=(min(per_thread), max(per_thread)))


def cpu_model(proc_root: str | Path = "/proc") -> str:
    """The ``model name`` of the first CPU in ``<proc_root>/cpuinfo`` ('' if none)."""
    try:
        text = (Path(proc_root) / "cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model Name", "cpu model"):
            return value.strip()
    return ""


def read_proc_stat(proc_root: str | Path = "/proc") -> tuple[int, int, int]:
    """(busy jiffies, busy + idle jiffies, number of CPUs) from ``<proc_root>/stat``.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "stat").write_text("cpu  10 2 3 80 5 0 1 7 0 0\\ncpu0 1 1 1 1 1 0 0 0 0 0\\n")
    >>> read_proc_stat(d)
    (16, 101, 1)
    """
    try:
        with open(Path(proc_root) / "stat", encoding="ascii") as f:
            first = f.readline().split()
            n_cpu = sum(1 for line in f if line.startswith("cpu"))
    except OSError as e:
        raise MeasureError("proc_stat", str(proc_root), "a readable /proc/stat",
                           f"cannot read {proc_root}/stat ({e}): CPU utilisation unknown") from e
    if not first or first[0] != "cpu" or len(first) < 8:
        raise MeasureError("proc_stat", first[:3], "a 'cpu' line with at least 7 counters")
    user, nice, system, idle, iowait, irq, softirq = (int(x) for x in first[1:8])
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait, max(n_cpu, 1)


def read_meminfo(proc_root: str | Path = "/proc") -> tuple[int, int]:
    """(MemTotal, MemAvailable) [bytes] from ``<proc_root>/meminfo``."""
    values: dict[str, int] = {}
    try:
        with open(Path(proc_root) / "meminfo", encoding="ascii") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("MemTotal", "MemAvailable"):
                    values[key] = int(rest.split()[0]) * 1024
                    if len(values) == 2:
                        break
    except OSError as e:
        raise MeasureError("meminfo", str(proc_root), "a readable /proc/meminfo") from e
    if len(values) != 2:
        raise MeasureError("meminfo", sorted(values), "MemTotal and MemAvailable lines")
    return values["MemTotal"], values["MemAvailable"]


class CpuEstimateProbe(Probe):
    """CPU power from TDP and host-wide utilisation (``estimated``); /proc/stat at the edges."""

    attribution = "host"
    kind = "cpu"
    method = "tdp-estimate"
    provenance = "estimated"
    needs_polling = False

    def __init__(self, entry: CpuTdp, *, proc_root: str | Path = "/proc",
                 n_logical: int | None = None) -> None:
        self.key = "cpu"
        self.entry = entry
        self.proc_root = proc_root
        self.name = entry.model
        self.n_logical = n_logical or read_proc_stat(proc_root)[2]
        self.full_power_w = entry.w_per_thread * self.n_logical
        self.source = (f"{entry.model}: {entry.tdp_w:g} W TDP / {entry.threads} threads x "
                       f"{self.n_logical} logical CPUs x utilisation (/proc/stat); TDP source: "
                       f"{entry.source}; model: Green Algorithms (Lannelongue et al. 2021)")
        self.static_flags = ("generic_tdp",) if entry.generic else ()
        self.static_details = {"attribution": "host", "counted": _HOST_CPU,
                               "tdp_w": entry.tdp_w, "threads_per_chip": entry.threads,
                               "n_logical": self.n_logical, "full_power_w": self.full_power_w}
        if entry.w_per_thread_range is not None:
            lo, hi = entry.w_per_thread_range
            self.static_details["full_power_range_w"] = (lo * self.n_logical,
                                                         hi * self.n_logical)
        self._last: tuple[int, int] | None = None
        self._t: float | None = None

    def poll(self, now_s: float) -> None:
        try:
            busy, total, _ = read_proc_stat(self.proc_root)
        except MeasureError:
            self._last = None
            return
        self._last = (busy, total)
        self._t = now_s

    def snapshot(self) -> ProbeState:
        return ProbeState(0.0, 0.0, 0, self._t, 0, None, self._last)

    def result(self, a: ProbeState, b: ProbeState, duration_s: float,
               idle_power_w: float | None, *, is_open: bool = False) -> DeviceEnergy:
        flags = [*self.static_flags, *(["open"] if is_open else [])]
        details: dict[str, Any] = {**self.static_details, "uncertainty": _NO_ERROR_BOUND,
                                   "idle": "the model has no idle term: idle unknown"}
        base: dict[str, Any] = {"key": self.key, "kind": self.kind, "name": self.name,
                                "method": self.method, "source": self.source}
        if a.extra is None or b.extra is None:
            return DeviceEnergy(**base, energy=None, provenance=None, flags=tuple(flags),
                                reason="/proc/stat could not be read", complete=False,
                                details=details)
        d_busy, d_total = b.extra[0] - a.extra[0], b.extra[1] - a.extra[1]
        if d_total <= 0:
            flags.append("short_window")
            return DeviceEnergy(**base, energy=None, provenance=None, flags=tuple(flags),
                                reason="window shorter than the kernel's CPU accounting tick: "
                                       "utilisation unknown", details=details)
        u = min(max(d_busy / d_total, 0.0), 1.0)
        details["utilisation"] = u
        energy = quantity(self.full_power_w * u * duration_s, "J")
        return DeviceEnergy(**base, energy=energy, provenance=self.provenance, dynamic=energy,
                            flags=tuple(flags), details=details)


class EstimateAccumulator(AccumulatingProbe):
    """An integrated estimate: no stated uncertainty (the model's error is not quantified) and
    no idle term, so all its energy is the dynamic part (specs/measure.md)."""

    def _uncertainty_j(self, energy_j: float, span_s: float, reads: int) -> float | None:
        return None

    def result(self, a: ProbeState, b: ProbeState, duration_s: float,
               idle_power_w: float | None, *, is_open: bool = False) -> DeviceEnergy:
        d = super().result(a, b, duration_s, None, is_open=is_open)
        flags = tuple(f for f in d.flags if f != "no_idle_baseline")
        return replace(d, dynamic=d.energy, flags=flags)


class RamEstimateProbe(EstimateAccumulator):
    """Memory power from host GB in use x a sourced W/GB figure (``estimated``), integrated."""

    attribution = "host"
    kind = "ram"
    method = "per-gb-estimate"
    provenance = "estimated"

    def __init__(self, *, proc_root: str | Path = "/proc", refresh_s: float = 1.0) -> None:
        super().__init__()
        self.key = "ram"
        self.proc_root = proc_root
        self.refresh_s = refresh_s
        self._gb: float | None = None
        self._read_at_s = 0.0
        self.w_per_gb, src = memory_power_per_gb()
        total, _ = read_meminfo(proc_root)
        self.name = f"{total / 1e9:.1f} GB RAM"
        self.source = (f"{self.w_per_gb} W/GB x GB in use (MemTotal - MemAvailable, "
                       f"/proc/meminfo, re-read every {refresh_s:g} s), trapezoid; "
                       f"figure: {src}")
        self.static_details = {"attribution": "host", "counted": _HOST_RAM,
                               "w_per_gb": self.w_per_gb, "mem_total_gb": total / 1e9,
                               "uncertainty": "per-GB model: error not quantified",
                               "idle": "the model has no idle term: idle unknown"}

    def _read(self, now_s: float) -> tuple[float, float]:
        # /proc/meminfo costs ~0.1 ms to generate and memory in use changes slowly: re-read it
        # at most every refresh_s and hold the value in between (edges included)
        if self._gb is None or now_s - self._read_at_s >= self.refresh_s:
            total, available = read_meminfo(self.proc_root)
            self._gb = (total - available) / 1e9
            self._read_at_s = now_s
        return self._gb, now_s

    def _book(self, prev: tuple[float, float], cur: tuple[float, float]
              ) -> tuple[float, float, str | None, str]:
        return self.w_per_gb * (prev[0] + cur[0]) / 2 * (cur[1] - prev[1]), 0.0, None, ""



def n_logical_cpus() -> int:
    """CPUs this host shows (``os.cpu_count``), at least 1."""
    return os.cpu_count() or 1
