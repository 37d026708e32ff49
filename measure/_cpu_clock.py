"""A CPU estimate at the resolution of the process CPU clock, for windows of milliseconds.

The process-attributed CPU estimate (``measure._attributed``) counts CPU time in kernel
accounting ticks (10 ms at USER_HZ = 100): a window shorter than a few ticks, such as the
prefill of a small language model on a handful of prompts, reads below its resolution and is
unknown. This probe uses the same model (the Green Algorithms core-usage model, Lannelongue
et al. 2021, "Green Algorithms: Quantifying the Carbon Footprint of Computation", Advanced
Science, doi:10.1002/advs.202100707) with this process's CPU clock
(``time.process_time_ns``: ``CLOCK_PROCESS_CPUTIME_ID``, every thread of this process, in
nanoseconds)::

    E_cpu [J] = TDP / threads_per_chip [W per logical CPU] * CPU-seconds of this process

Child processes are not counted (use the tick-based probe for a process tree), and the
model has no idle term: the whole figure is the process's (dynamic) part, labelled
``estimated``, its error not quantified (an order of magnitude).

>>> from measure import lookup_cpu
>>> p = CpuClockProbe(lookup_cpu("AMD EPYC 7763"))
>>> p.key, p.method, p.provenance, round(p.w_per_cpu, 4)
('cpu', 'tdp-estimate', 'estimated', 2.1875)
"""

from __future__ import annotations

import time
from typing import Any

from measure._attributed import ProcessRamProbe
from measure._estimate import CpuTdp, EstimateAccumulator, cpu_model, lookup_cpu
from measure._monitor import Monitor
from measure._process import ProcessTree

__all__ = ["CpuClockProbe", "cpu_clock_monitor"]

_NO_ERROR_BOUND = ("TDP per logical CPU x CPU time is a model, not a reading: its error is "
                   "not quantified (treat the figure as an order of magnitude)")


class CpuClockProbe(EstimateAccumulator):
    """CPU energy of this process: W per logical CPU x its CPU clock (``estimated``)."""

    kind = "cpu"
    method = "tdp-estimate"
    provenance = "estimated"
    needs_polling = False
    attribution = "process"

    def __init__(self, entry: CpuTdp) -> None:
        super().__init__()
        self.key = "cpu"
        self.entry = entry
        self.name = entry.model
        self.w_per_cpu = entry.w_per_thread
        self.source = (f"{entry.model}: {entry.tdp_w:g} W TDP / {entry.threads} threads = "
                       f"{self.w_per_cpu:.4g} W per logical CPU x CPU-seconds of this process "
                       "(time.process_time_ns, every thread, ns resolution; child processes "
                       f"not counted); TDP source: {entry.source}; model: Green Algorithms "
                       "(Lannelongue et al. 2021)")
        self.static_flags = ("generic_tdp",) if entry.generic else ()
        self.static_details = {
            "attribution": "process", "tdp_w": entry.tdp_w, "threads_per_chip": entry.threads,
            "w_per_logical_cpu": self.w_per_cpu, "clock": "CLOCK_PROCESS_CPUTIME_ID",
            "uncertainty": _NO_ERROR_BOUND,
            "idle": "the model has no idle term: the whole figure is the process's part"}

    def _read(self, now_s: float) -> tuple[float, float]:
        return time.process_time_ns() / 1e9, now_s

    def _book(self, prev: tuple[float, float], cur: tuple[float, float]
              ) -> tuple[float, float, str | None, str]:
        return self.w_per_cpu * max(cur[0] - prev[0], 0.0), 0.0, None, ""


def cpu_clock_monitor(*, memory: bool = True, cpu_tdp: CpuTdp | None = None,
                      **kw: Any) -> Monitor:
    """A :class:`Monitor` of this process: :class:`CpuClockProbe` and (``memory``) the
    process-attributed memory estimate; ``kw`` go to ``Monitor`` (``interval``, ``clock``).

    >>> mon = cpu_clock_monitor(interval=None)
    >>> [d["key"] for d in mon.devices]
    ['cpu', 'ram']
    >>> with mon.window("w") as w:
    ...     _ = sum(range(10_000))
    >>> w.measurement.device("cpu").energy.m > 0
    True
    >>> mon.close()
    """
    entry = cpu_tdp or lookup_cpu(cpu_model())
    probes: list[Any] = [CpuClockProbe(entry)]
    if memory:
        probes.append(ProcessRamProbe(ProcessTree()))
    return Monitor(probes=probes, **kw)
