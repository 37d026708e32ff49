"""CPU and memory estimates attributed to processes (``attribution="process"``).

On a shared host, host-wide utilisation charges every other process to the window. In
process mode the estimates count only the processes a window is for (a
:class:`~measure._process.ProcessTree`: this process and its children, or the command
``run_command`` starts, with its descendants):

CPU (the Green Algorithms core-usage model, Lannelongue et al. 2021, per logical CPU)::

    E_cpu [J] = TDP / threads_per_chip [W per logical CPU] * CPU-seconds of the processes

where CPU-seconds = ``(utime + stime + cutime + cstime)`` ticks / ``SC_CLK_TCK``, summed over
the processes (every thread). The host-wide form ``TDP / threads * n_logical * u * t`` is the
same model with the busy seconds of every process on the host; process mode swaps in the
processes' own seconds, so both modes agree when the processes are all that runs.

Memory::

    E_ram [J] = 0.3725 W/GB * integral of (VmRSS of the processes [GB]) dt

The models have no idle term: the host's idle (baseline) draw is charged to no window, in
either mode; ``idle`` stays unknown and the whole figure is the usage-attributed (dynamic)
part.

Resolution: CPU time is reported in clock ticks (10 ms at the usual USER_HZ = 100), each of
the four counters truncated at each edge, so a window's count is within a few ticks per
process (``resolution_j`` in the details is the energy of one tick). A window in which
the processes used less than one tick gives ``None`` with the reason and the bound (flag
``short_window`` when the window itself lasted under five ticks, ``below_resolution`` when
the processes were idle), never zero; fewer than five ticks counted in a longer window is
flagged ``coarse``.

>>> from measure._estimate import lookup_cpu
>>> from measure._process import ProcessTree
>>> p = ProcessCpuProbe(lookup_cpu("AMD EPYC 7763"), ProcessTree(), n_logical=2)
>>> round(p.w_per_cpu, 4), p.method, p.provenance
(2.1875, 'tdp-estimate', 'estimated')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from carbon import quantity
from measure._errors import MeasureError
from measure._estimate import CpuTdp, RamEstimateProbe, read_proc_stat
from measure._measurement import DeviceEnergy
from measure._probe import Probe, ProbeState
from measure._process import ProcessTree, TreeReading

__all__ = ["FEW_TICKS", "ProcessCpuProbe", "ProcessRamProbe"]

#: a window shorter than this many clock ticks is ``short_window``; fewer ticks counted
#: than this is ``coarse``
FEW_TICKS = 5

_NO_ERROR_BOUND = ("TDP per logical CPU x CPU time is a model, not a reading: its error is "
                   "not quantified (treat the figure as an order of magnitude)")
_NO_IDLE = ("the model has no idle term: the host's idle draw is charged to no window; idle "
            "unknown, the whole figure is the processes' (dynamic) part")


@dataclass(frozen=True, slots=True)
class _Groups:
    """Per-group values at one instant (ticks for CPU, joules for memory) and who counted."""

    values: dict[int, float]
    seen: dict[int, tuple[int, ...]]
    unseen: frozenset[int]
    scope: frozenset[int] | None = None

    def pick(self, scope: frozenset[int] | None) -> tuple[float, tuple[int, ...]]:
        groups = tuple(self.values) if scope is None else tuple(g for g in scope)
        return sum(self.values.get(g, 0.0) for g in groups), groups


def _scope(state: ProbeState, scope: frozenset[int]) -> ProbeState:
    g = state.extra
    if not isinstance(g, _Groups):
        return state
    return replace(state, extra=replace(g, scope=scope))


class ProcessCpuProbe(Probe):
    """CPU energy of a process tree: W per logical CPU x its CPU-seconds (``estimated``)."""

    kind = "cpu"
    method = "tdp-estimate"
    provenance = "estimated"
    needs_polling = False
    attribution = "process"

    def __init__(self, entry: CpuTdp, tree: ProcessTree, *, proc_root: str | Path = "/proc",
                 n_logical: int | None = None) -> None:
        self.key = "cpu"
        self.entry = entry
        self.tree = tree
        self.name = entry.model
        self.n_logical = n_logical or read_proc_stat(proc_root)[2]
        self.w_per_cpu = entry.w_per_thread
        self.tick_s = 1.0 / tree.clock_ticks_per_s
        self.source = (f"{entry.model}: {entry.tdp_w:g} W TDP / {entry.threads} threads = "
                       f"{self.w_per_cpu:.4g} W per logical CPU x CPU-seconds of the counted "
                       f"processes (utime+stime+cutime+cstime, {tree.proc_root}/<pid>/stat); "
                       f"TDP source: {entry.source}; model: Green Algorithms (Lannelongue et "
                       "al. 2021)")
        self.static_flags = ("generic_tdp",) if entry.generic else ()
        self.static_details: dict[str, Any] = {
            "attribution": "process", "tdp_w": entry.tdp_w, "threads_per_chip": entry.threads,
            "w_per_logical_cpu": self.w_per_cpu, "n_logical": self.n_logical,
            "tick_s": self.tick_s, "resolution_j": self.w_per_cpu * self.tick_s}
        if entry.w_per_thread_range is not None:
            self.static_details["w_per_logical_cpu_range"] = entry.w_per_thread_range
        self._state: _Groups | None = None
        self._t: float | None = None
        self._error: str | None = None

    def poll(self, now_s: float) -> None:
        try:
            r = self.tree.read()
        except MeasureError as e:
            self._state, self._error = None, str(e)
            return
        self._state = _from_reading(r, {g: float(t) for g, t in r.ticks.items()})
        self._t = now_s

    def snapshot(self) -> ProbeState:
        return ProbeState(0.0, 0.0, 0, self._t, 0, None, self._state)

    def scoped(self, state: ProbeState, scope: frozenset[int]) -> ProbeState:
        return _scope(state, scope)

    def result(self, a: ProbeState, b: ProbeState, duration_s: float,
               idle_power_w: float | None, *, is_open: bool = False) -> DeviceEnergy:
        flags = [*self.static_flags, *(["open"] if is_open else [])]
        details: dict[str, Any] = {**self.static_details, "uncertainty": _NO_ERROR_BOUND,
                                   "idle": _NO_IDLE}
        base: dict[str, Any] = {"key": self.key, "kind": self.kind, "name": self.name,
                                "method": self.method, "source": self.source}
        ga, gb = a.extra, b.extra
        if not isinstance(ga, _Groups) or not isinstance(gb, _Groups):
            return DeviceEnergy(**base, energy=None, provenance=None, flags=tuple(flags),
                                reason=f"the processes' CPU time could not be read "
                                       f"({self._error or 'no reading'})",
                                complete=False, details=details)
        scope = gb.scope
        _, groups = gb.pick(scope)
        details["counted"] = self.tree.describe(groups)
        details["pids"] = {str(g): list(gb.seen.get(g, ())) for g in groups}
        unseen = sorted(set(groups) & gb.unseen)
        if unseen:
            return DeviceEnergy(**base, energy=None, provenance=None, flags=tuple(flags),
                                reason=f"process {unseen} not found under "
                                       f"{self.tree.proc_root}: its CPU time is unknown",
                                complete=False, details=details)
        # summed before clamping: a process moved between groups (add_own_pid on a child
        # already counted) leaves one group for another, and the total is unchanged
        ticks = max(sum(gb.values.get(g, 0.0) - ga.values.get(g, 0.0) for g in groups), 0.0)
        cpu_s = ticks * self.tick_s
        details.update(cpu_ticks=ticks, cpu_seconds=cpu_s)
        short = duration_s < FEW_TICKS * self.tick_s
        if short:
            flags.append("short_window")
        if ticks <= 0:
            if not short:
                flags.append("below_resolution")
            bound = self.w_per_cpu * self.tick_s
            why = ("window shorter than the kernel's CPU accounting tick" if short else
                   "the counted processes used less than one CPU accounting tick")
            return DeviceEnergy(**base, energy=None, provenance=None, flags=tuple(flags),
                                reason=f"{why} ({self.tick_s * 1e3:g} ms): CPU energy below "
                                       f"the resolution of {bound:.3g} J (one tick), unknown "
                                       "(not zero)", details=details)
        if ticks < FEW_TICKS and not short:
            flags.append("coarse")
        cap_s = self.n_logical * duration_s + len(groups) * self.tick_s
        if cpu_s > cap_s:  # children reaped in the window whose time began before it
            details["cpu_seconds_capped_from"] = cpu_s
            cpu_s = self.n_logical * duration_s
        energy = quantity(self.w_per_cpu * cpu_s, "J")
        return DeviceEnergy(**base, energy=energy, provenance=self.provenance, dynamic=energy,
                            flags=tuple(flags), details=details)


def _from_reading(r: TreeReading, values: dict[int, float]) -> _Groups:
    return _Groups(values=values, seen=r.seen, unseen=r.unseen)


class ProcessRamProbe(RamEstimateProbe):
    """Memory energy of a process tree: W/GB x its resident memory, integrated (``estimated``).

    Resident memory is re-read every ``refresh_s`` [s] (held in between, edges included) and
    integrated by trapezoid per group, so windows restricted to some groups (``run_command``)
    get only theirs.
    """

    attribution = "process"

    def __init__(self, tree: ProcessTree, *, proc_root: str | Path = "/proc",
                 refresh_s: float = 1.0) -> None:
        super().__init__(proc_root=proc_root, refresh_s=refresh_s)
        self.tree = tree
        self.source = (f"{self.w_per_gb} W/GB x resident memory of the counted processes "
                       f"(sum of VmRSS, {tree.proc_root}/<pid>/stat, re-read every "
                       f"{refresh_s:g} s), trapezoid; figure: "
                       f"{self.source.split('figure: ', 1)[-1]}")
        self.static_details = {**self.static_details, "attribution": "process",
                               "idle": _NO_IDLE,
                               "shared_pages": "pages shared between the processes count once "
                                               "per process: an upper bound"}
        self._groups_gb: dict[int, float] | None = None
        self._pending_gb: dict[int, float] = {}
        self._group_j: dict[int, float] = {}
        self._reading: TreeReading | None = None

    def _read(self, now_s: float) -> tuple[float, float]:
        # re-read every refresh_s, and at once when a root was added (a command started)
        if (self._reading is None or now_s - self._read_at_s >= self.refresh_s
                or len(self._reading.ticks) != len(self.tree.roots)):
            self._reading = self.tree.read()
            self._read_at_s = now_s
            self._pending_gb = {g: b / 1e9 for g, b in self._reading.rss_bytes.items()}
            if self._groups_gb is None:
                self._groups_gb = dict(self._pending_gb)
        return sum(self._pending_gb.values()), now_s

    def _book(self, prev: tuple[float, float], cur: tuple[float, float]
              ) -> tuple[float, float, str | None, str]:
        dt = cur[1] - prev[1]
        total = 0.0
        before = self._groups_gb or {}
        for g in set(before) | set(self._pending_gb):
            j = self.w_per_gb * (before.get(g, 0.0) + self._pending_gb.get(g, 0.0)) / 2 * dt
            self._group_j[g] = self._group_j.get(g, 0.0) + j
            total += j
        self._groups_gb = dict(self._pending_gb)
        return total, 0.0, None, ""

    def snapshot(self) -> ProbeState:
        s = super().snapshot()
        r = self._reading
        if r is None:
            return s
        return replace(s, extra=_from_reading(r, dict(self._group_j)))

    def scoped(self, state: ProbeState, scope: frozenset[int]) -> ProbeState:
        g = state.extra
        if not isinstance(g, _Groups):
            return state
        return replace(state, energy_j=g.pick(scope)[0], extra=replace(g, scope=scope))

    def result(self, a: ProbeState, b: ProbeState, duration_s: float,
               idle_power_w: float | None, *, is_open: bool = False) -> DeviceEnergy:
        d = super().result(a, b, duration_s, None, is_open=is_open)
        g = b.extra
        if not isinstance(g, _Groups):
            return d
        _, groups = g.pick(g.scope)
        details = {**d.details, "counted": self.tree.describe(groups),
                   "pids": {str(x): list(g.seen.get(x, ())) for x in groups}}
        unseen = sorted(set(groups) & g.unseen)
        if unseen and d.energy is not None:
            return replace(d, energy=None, provenance=None, dynamic=None, complete=False,
                           reason=f"process {unseen} not found under {self.tree.proc_root}: "
                                  "its resident memory is unknown", details=details)
        return replace(d, details=details)
