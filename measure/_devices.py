"""The monitor's devices and its sampler thread: which probes a monitor builds for the CPU
and memory (RAPL zones, or labelled estimates charged to the window's processes or the whole
host), the notes it attaches to every window, and the polling loop that sleeps between reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal

from carbon import InvalidValueError
from measure._attributed import ProcessCpuProbe, ProcessRamProbe
from measure._errors import MeasureError, NVMLUnavailableError, ProbePermissionError
from measure._estimate import CpuEstimateProbe, CpuTdp, RamEstimateProbe, cpu_model, lookup_cpu
from measure._gpu import gpu_probes, load_pynvml, nvml_call
from measure._probe import Probe
from measure._process import ProcessTree
from measure._rapl import RaplProbe, rapl_probes

__all__ = ["HOST_NOTE", "PROCESS_NOTE", "WHOLE_DEVICE", "Attribution", "gpu_probe_set",
           "host_probes", "sampler", "stop_thread"]

#: whom the CPU and memory *estimates* charge: the window's processes, or the whole host
Attribution = Literal["process", "host"]

WHOLE_DEVICE = ("whole-device energy: other work on the same devices is included (see the "
                 "shared_gpu flag for GPUs)")
HOST_NOTE = ("attribution='host': the CPU and memory estimates count every process on the "
              "host (busy time of all CPUs, memory in use): other work is charged to the window")
PROCESS_NOTE = ("attribution='process': the CPU and memory estimates count only {counted}; "
                 "other processes on the host are not charged")


def stop_thread(stop: threading.Event, thread: threading.Thread | None) -> None:
    stop.set()
    if thread is not None and thread.is_alive() and thread is not threading.current_thread():
        thread.join(timeout=2.0)


def sampler(stop: threading.Event, lock: threading.RLock, probes: Sequence[Probe],
             interval: float, now_s: Callable[[], float], errors: list[str]) -> None:
    """Poll ``probes`` every ``interval`` [s]; sleeps on an Event, never spins."""
    while not stop.wait(interval):
        with lock:
            t = now_s()
            for p in probes:
                try:
                    p.poll(t)
                except Exception as e:  # the sampler never dies; the error is reported
                    if len(errors) < 100:
                        errors.append(f"{p.key}: {e!r}")


def host_probes(cpu: str | None, memory: str | None, rapl_root: str | Path,
            proc_root: str | Path, cpu_tdp: CpuTdp | None, attribution: Attribution,
            tree: Callable[[], ProcessTree], notes: list[str]) -> list[Probe]:
    """The CPU and memory probes: RAPL zones where readable, else labelled estimates charged
    to the window's processes (``attribution='process'``) or the whole host; what could not
    be used is said in ``notes``."""
    for arg, value in (("cpu", cpu), ("memory", memory)):
        if value not in ("auto", "rapl", "estimate", None):
            raise InvalidValueError(arg, value, "'auto', 'rapl', 'estimate' or None")
    rapl: list[RaplProbe] = []
    if cpu in ("auto", "rapl") or memory in ("auto", "rapl"):
        try:
            rapl = rapl_probes(rapl_root)
        except ProbePermissionError as e:
            if "rapl" in (cpu, memory):
                raise
            notes.append(f"RAPL not used: {e}")
        if not rapl and "rapl" in (cpu, memory):
            raise MeasureError("rapl_root", str(rapl_root), "RAPL zones (intel-rapl:*)",
                               f"no RAPL zones under {rapl_root}: use cpu='estimate'")
        if not rapl and (cpu == "auto" or memory == "auto"):
            notes.append(f"no RAPL under {rapl_root}: CPU and memory are estimated")
    packages: list[Probe] = [p for p in rapl if p.kind == "cpu"]
    drams: list[Probe] = [p for p in rapl if p.kind == "dram"]
    out: list[Probe] = []
    if cpu in ("auto", "rapl") and packages:
        out += packages
    elif cpu in ("auto", "estimate"):
        entry = cpu_tdp or lookup_cpu(cpu_model(proc_root))
        if attribution == "process":
            out.append(ProcessCpuProbe(entry, tree(), proc_root=proc_root))
        else:
            out.append(CpuEstimateProbe(entry, proc_root=proc_root))
    if memory in ("auto", "rapl") and drams:
        out += drams
    elif memory == "rapl":
        raise MeasureError("memory", "rapl", "a RAPL dram zone",
                           f"no RAPL dram zone under {rapl_root}: use memory='estimate'")
    elif memory in ("auto", "estimate"):
        if attribution == "process":
            out.append(ProcessRamProbe(tree(), proc_root=proc_root))
        else:
            out.append(RamEstimateProbe(proc_root=proc_root))
    return out


def gpu_probe_set(gpus: Sequence[int] | Literal["auto"] | None, nvml: Any,
                  now_s: Callable[[], float], notes: list[str]) -> tuple[Any, list[Probe]]:
    """(the initialised NVML module or None, one probe per GPU): ``gpus="auto"`` uses every
    GPU NVML sees and says in ``notes`` why there is none; a list of CUDA indices requires
    them (an error when NVML is unavailable)."""
    if gpus is None:
        return None, []
    auto = isinstance(gpus, str)
    if auto and gpus != "auto":
        raise InvalidValueError("gpus", gpus, "'auto', a list of CUDA indices, or None")
    try:
        module = nvml if nvml is not None else load_pynvml()
        nvml_call(module, "nvmlInit", module.nvmlInit)
    except NVMLUnavailableError as e:
        if not auto:
            raise
        notes.append(f"no GPU probe: {e}")
        return None, []
    try:
        probes = gpu_probes(module, None if isinstance(gpus, str) else list(gpus), now_s)
    except MeasureError:
        with suppress(Exception):
            nvml_call(module, "nvmlShutdown", module.nvmlShutdown)
        raise
    if not probes:
        notes.append("no GPU probe: NVML sees no device")
    return module, probes
