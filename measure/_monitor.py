"""The monitor: named windows (nested, overlapping) over every device it watches.

``begin_window(name)`` / ``end_window(name) -> Measurement``, the context manager
``window(name)`` and the decorator ``measured(name)``. A window's duration comes from the
monotonic clock; its UTC start places it in time for hourly grid data. At each edge the
monitor synchronises CUDA (only when torch is imported and CUDA initialised) and reads every
device once; between edges a sleeping thread polls the devices that need it (power sampling,
counter reset and wrap detection, memory in use) every ``interval`` seconds.

Where CPU and memory are estimated (no RAPL), ``attribution="process"`` (the default) charges
a window with the CPU time and resident memory of this process and its children only (see
``measure._attributed``); ``attribution="host"`` charges it with the whole host's. Measured
figures (NVML, RAPL) are whole-device either way, and every record says which applies.

>>> import tempfile, pathlib
>>> from measure import FakeNVML, ManualClock, PowerTrace
>>> fake = FakeNVML([PowerTrace.constant(100.0)], clock=(clock := ManualClock()))
>>> mon = Monitor(gpus="auto", cpu=None, memory=None, nvml=fake, clock=clock, interval=None,
...               idle_power={"gpu:0": "40 W"})
>>> with mon.window("step") as w:
...     clock.advance(2.0)
>>> d = w.measurement.device("gpu:0")
>>> d.energy, d.provenance, d.idle, d.dynamic
(<Quantity(200.0, 'joule')>, 'measured', <Quantity(80.0, 'joule')>, <Quantity(120.0, 'joule')>)
>>> mon.close()
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

from carbon import InvalidValueError, magnitude, quantity
from measure._clock import Clock, SystemClock
from measure._decorator import measured_calls
from measure._devices import (
    HOST_NOTE,
    PROCESS_NOTE,
    WHOLE_DEVICE,
    Attribution,
    gpu_probe_set,
    host_probes,
    sampler,
    stop_thread,
)
from measure._errors import (
    WindowError,
)
from measure._estimate import CpuTdp
from measure._measurement import DeviceEnergy, Measurement
from measure._probe import Probe, ProbeState
from measure._process import ProcessTree
from measure._rapl import DEFAULT_RAPL_ROOT

__all__ = ["Attribution", "Monitor", "WindowHandle"]


P = ParamSpec("P")
R = TypeVar("R")



@dataclass
class _Window:
    name: str
    t0_ns: int
    start: datetime
    snaps: dict[str, ProbeState]
    edge: dict[str, dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    scope: frozenset[int] | None = None


@dataclass
class WindowHandle:
    """What ``with monitor.window(name) as w`` gives: ``w.measurement`` after the block."""

    monitor: Monitor
    key: str
    measurement: Measurement | None = None

    def peek(self) -> Measurement:
        """The window so far (it stays open)."""
        return self.monitor._read(self.key, close=False)


class Monitor:
    """Energy of named windows over GPUs (NVML), CPU packages and DRAM (RAPL) or estimates.

    Parameters
    ----------
    gpus : ``"auto"`` (every visible GPU if NVML works, else none, with a note), a list of
        CUDA device indices (NVML must work), or None.
    cpu : ``"auto"`` (RAPL, else the TDP estimate), ``"rapl"``, ``"estimate"`` or None.
    memory : ``"auto"`` (RAPL DRAM, else the per-GB estimate), ``"rapl"``, ``"estimate"``,
        or None.
    attribution : whom the CPU and memory *estimates* charge. ``"process"`` (default): the
        CPU time and resident memory of this process (every thread) and its child
        processes, plus any pid given to :meth:`add_own_pid` with its descendants;
        ``"host"``: busy time of every CPU and memory in use on the whole host, every other
        process included. Measured figures (NVML, RAPL) are whole-device in both modes.
    nvml : a module-like NVML (``measure.FakeNVML`` in tests); default: ``pynvml`` from
        ``nvidia-ml-py``, imported here (and only here), lazily.
    interval : sampler period [s] (default 0.1), or None for readings at edges only.
    idle_seconds : measure every device's idle power for this long [s] before any window
        (0: do not; ``Monitor.auto`` uses 1 s).
    idle_power : idle power per device key, given (quantities or strings such as "60 W").
    cpu_tdp : a :class:`measure.CpuTdp` to use instead of the table lookup.
    clock : the clock (``SystemClock`` by default; ``ManualClock`` in tests).
    record : a JSON-lines file every closed window is appended to (see ``ReplayMonitor``).
    probes : explicit probes (then gpus/cpu/memory are ignored).
    """

    def __init__(
        self, *, gpus: Sequence[int] | Literal["auto"] | None = "auto",
        cpu: Literal["auto", "rapl", "estimate"] | None = "auto",
        memory: Literal["auto", "rapl", "estimate"] | None = "auto",
        attribution: Attribution = "process",
        nvml: Any = None, rapl_root: str | Path = DEFAULT_RAPL_ROOT,
        proc_root: str | Path = "/proc", interval: float | None = 0.1,
        idle_seconds: float = 0.0, idle_power: Mapping[str, Any] | None = None,
        cpu_tdp: CpuTdp | None = None, clock: Clock | None = None, sync_cuda: bool = True,
        record: str | Path | None = None, probes: Sequence[Probe] | None = None,
    ) -> None:
        if interval is not None and not interval > 0:
            raise InvalidValueError("interval", interval, "a period > 0 [s], or None")
        if attribution not in ("process", "host"):
            raise InvalidValueError("attribution", attribution, "'process' (the window's own "
                                    "processes) or 'host' (every process on the host)")
        self.attribution: Attribution = attribution
        #: the processes the estimates follow (process attribution with an estimate only)
        self.process_tree: ProcessTree | None = None
        self.clock: Clock = clock or SystemClock()
        self.interval = interval
        self.sync_cuda = sync_cuda
        self.notes: list[str] = []
        self._nvml: Any = None
        self._lock = threading.RLock()
        self._open: dict[str, _Window] = {}
        self._callbacks: list[Callable[[Measurement], None]] = []
        self._record = Path(record) if record is not None else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sampler_errors: list[str] = []
        self._counter = itertools.count()
        self._cuda_indices: list[int] = []
        if probes is not None:
            self.probes = list(probes)
        else:
            self._nvml, gpu = gpu_probe_set(gpus, nvml, self._now_s, self.notes)
            self._cuda_indices = [int(p.key.split(":")[1]) for p in gpu]
            self.probes = (gpu
                           + host_probes(cpu, memory, rapl_root, proc_root, cpu_tdp,
                                         attribution, lambda: self._tree(proc_root),
                                         self.notes))
        if not self.probes:
            raise InvalidValueError("probes", [], "at least one device to measure (gpus, cpu "
                                    "or memory)")
        keys = [p.key for p in self.probes]
        if len(set(keys)) != len(keys):
            raise InvalidValueError("probes", keys, "distinct device keys")
        whole = [p.key for p in self.probes if getattr(p, "attribution", "host") != "process"]
        if whole:
            self.notes.append(f"{WHOLE_DEVICE} ({', '.join(whole)})")
        self.idle_power_w: dict[str, float] = {}
        for key, value in (idle_power or {}).items():
            if key not in keys:
                raise WindowError("idle_power", key, f"a device key among {keys}")
            self.idle_power_w[key] = float(magnitude(value, "W", f"idle_power[{key}]"))
        self._finalizer = weakref.finalize(self, stop_thread, self._stop, None)
        if idle_seconds > 0:
            self.measure_idle(idle_seconds)

    @classmethod
    def auto(cls, **kw: Any) -> Monitor:
        """NVML GPUs if any, CPU by RAPL else by estimate, memory likewise; idle measured.

        Never fails for missing hardware: what it could not use is said in ``notes``, and
        every figure carries its label (measured, sampled, estimated).
        """
        kw.setdefault("idle_seconds", 1.0)
        return cls(**kw)

    # --- set-up -------------------------------------------------------------------------
    def _now_s(self) -> float:
        return self.clock.monotonic_ns() / 1e9

    def _tree(self, proc_root: str | Path) -> ProcessTree:
        if self.process_tree is None:
            self.process_tree = ProcessTree(proc_root)
        return self.process_tree

    @property
    def devices(self) -> list[dict[str, str]]:
        """Key, kind, name, method, label and attribution of each device watched.

        ``attribution``: ``process`` (an estimate charged to the window's processes),
        ``host`` (an estimate over the whole host) or ``device`` (a whole-device reading).
        """
        return [{"key": p.key, "kind": p.kind, "name": p.name, "method": p.method,
                 "provenance": p.provenance,
                 "attribution": getattr(p, "attribution", "device")} for p in self.probes]

    def add_own_pid(self, pid: int) -> None:
        """Count ``pid`` as this job's: not another process sharing a GPU, and (process
        attribution) a root whose process tree the CPU and memory estimates count."""
        with self._lock:
            for p in self.probes:
                own = getattr(p, "own_pids", None)
                if own is not None:
                    own.add(pid)
            if self.process_tree is not None:
                self.process_tree.add_root(pid)

    def _set_scope(self, key: str, pids: Sequence[int]) -> None:
        """Charge the open window ``key``'s estimates to these roots' trees only.

        ``run_command`` does this so that the command's window counts the command and its
        descendants, not the monitoring process. Whole-device figures are not affected.
        """
        for pid in pids:
            self.add_own_pid(pid)
        self._open[key].scope = frozenset(pids)

    def subscribe(self, callback: Callable[[Measurement], None]) -> None:
        """Call ``callback(measurement)`` whenever a window closes."""
        self._callbacks.append(callback)

    # --- idle ---------------------------------------------------------------------------
    def measure_idle(self, seconds: float = 1.0) -> dict[str, Any]:
        """Measure each device's idle power over ``seconds`` [s] (no window may be open).

        Devices whose method has no idle reading (estimates) are left out; where no device
        has one, nothing is waited for (a note says so). Returns the power per device key
        (quantities) and keeps it for the windows that follow.
        """
        if self._open:
            raise WindowError("measure_idle", sorted(self._open),
                              "no open window while idle power is measured")
        if not seconds > 0:
            raise InvalidValueError("seconds", seconds, "a duration > 0 [s]")
        if all(p.provenance == "estimated" or type(p).idle_power_w is Probe.idle_power_w
               for p in self.probes):
            self.notes.append("idle power not measured: no device here has an idle reading "
                              "(estimates have no idle term), so nothing was waited for")
            return {}
        step = min(self.interval or seconds / 10, seconds / 10) if seconds > 0 else seconds
        with self._lock:
            self._poll_all()
            a = {p.key: p.snapshot() for p in self.probes}
        waited = 0.0
        while waited < seconds - 1e-9:
            dt = min(step, seconds - waited)
            self.clock.sleep(dt)
            waited += dt
            with self._lock:
                self._poll_all()
        out = {}
        with self._lock:
            for p in self.probes:
                if p.provenance == "estimated":  # a model, not a reading: no idle term
                    continue
                w = p.idle_power_w(a[p.key], p.snapshot())
                if w is not None:
                    self.idle_power_w[p.key] = w
                    out[p.key] = quantity(w, "W")
        return out

    # --- windows ------------------------------------------------------------------------
    def _poll_all(self) -> None:
        t = self._now_s()
        for p in self.probes:
            p.poll(t)

    def poll(self) -> None:
        """Read every device once now (what the sampler thread does each ``interval``).

        For ``interval=None`` monitors that sample at points of the caller's choosing.
        """
        with self._lock:
            self._poll_all()

    def _sync(self) -> None:
        if not self.sync_cuda:
            return
        torch = sys.modules.get("torch")
        if torch is None:
            return
        try:
            if not torch.cuda.is_initialized():
                return
        except AttributeError:
            return
        for i in self._cuda_indices or range(torch.cuda.device_count()):
            torch.cuda.synchronize(i)

    def _ensure_sampler(self) -> None:
        if self._thread is not None or self.interval is None:
            return
        polled = [p for p in self.probes if p.needs_polling]
        if not polled:
            return
        self._thread = threading.Thread(
            target=sampler, name="modelcarbon-measure-sampler", daemon=True,
            args=(self._stop, self._lock, polled, self.interval, self._now_s,
                  self.sampler_errors))
        self._thread.start()
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, stop_thread, self._stop, self._thread)

    def _begin(self, key: str, name: str) -> None:
        if key in self._open:
            raise WindowError("window", name, f"a name not already open (end_window({name!r}) "
                              "first, or use another name)")
        self._sync()
        with self._lock:
            self._poll_all()
            snaps = {p.key: p.snapshot() for p in self.probes}
            t0 = self.clock.monotonic_ns()
            start = self.clock.utc_now()
            self._open[key] = _Window(name, t0, start, snaps, {})
        self._open[key].edge = {p.key: p.edge_details() for p in self.probes}
        self._ensure_sampler()

    def begin_window(self, name: str) -> None:
        """Open the window ``name`` (windows may nest and overlap; names are unique)."""
        self._begin(name, name)

    def end_window(self, name: str) -> Measurement:
        """Close the window ``name`` and return its :class:`Measurement`."""
        return self._read(name, close=True)

    def peek(self, name: str) -> Measurement:
        """The open window ``name`` so far; it stays open (devices flagged ``open``)."""
        return self._read(name, close=False)

    @property
    def open_windows(self) -> list[str]:
        """Names of the windows open now."""
        return [w.name for w in self._open.values()]

    def _read(self, key: str, *, close: bool) -> Measurement:
        w = self._open.get(key)
        if w is None:
            raise WindowError("window", key, f"an open window (open: {self.open_windows}); "
                              f"call begin_window({key!r}) first")
        self._sync()
        with self._lock:
            self._poll_all()
            t1 = self.clock.monotonic_ns()
            ends = {p.key: p.snapshot() for p in self.probes}
            if close:
                del self._open[key]
        duration_s = (t1 - w.t0_ns) / 1e9
        devices = []
        counted: list[str] = []
        host = False
        for p in self.probes:
            a, b = w.snaps[p.key], ends[p.key]
            if w.scope is not None:
                a, b = p.scoped(a, w.scope), p.scoped(b, w.scope)
            d = p.result(a, b, duration_s, self.idle_power_w.get(p.key), is_open=not close)
            if d.details.get("attribution") == "process" and d.details.get("counted"):
                counted.append(str(d.details["counted"]))
            host = host or d.details.get("attribution") == "host"
            edge = {**w.edge.get(p.key, {})}
            for k, v in p.edge_details().items():
                edge[k] = sorted(set(edge.get(k, [])) | set(v))
            if edge.get("other_pids"):
                d = _with(d, flags=(*d.flags, "shared_gpu"),
                          details={**d.details, "other_pids": edge["other_pids"]})
            devices.append(d)
        notes = list(self.notes) + w.notes
        if counted:
            notes.append(PROCESS_NOTE.format(counted=counted[0]))
        if host:
            notes.append(HOST_NOTE)
        if self.sampler_errors:
            notes.append(f"sampler errors: {self.sampler_errors[:5]}")
        m = Measurement(name=w.name, start=w.start, duration=quantity(duration_s, "s"),
                        devices=tuple(devices), notes=tuple(notes))
        if close:
            for cb in self._callbacks:
                cb(m)
            if self._record is not None:
                with self._record.open("a", encoding="utf-8") as f:
                    f.write(json.dumps({"window": w.name, "measurement": m.to_dict()}) + "\n")
        return m

    @contextmanager
    def window(self, name: str) -> Iterator[WindowHandle]:
        """``with monitor.window(name) as w: ...``; ``w.measurement`` after the block.

        If the block raises, the window is still closed (with a note) and the error
        propagates.
        """
        self._begin(name, name)
        handle = WindowHandle(self, name)
        try:
            yield handle
        except BaseException as e:
            self._open[name].notes.append(f"the block raised {type(e).__name__}: {e}")
            handle.measurement = self.end_window(name)
            raise
        handle.measurement = self.end_window(name)

    def measured(self, name: str | None = None
                 ) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorator: each call is a window; measurements go to ``fn.measurements``.

        Calls may recurse or run in several threads (each call is its own window).
        """
        return measured_calls(self, name)

    # --- life cycle ---------------------------------------------------------------------
    def _shutdown_nvml(self) -> None:
        if self._nvml is not None:
            with suppress(Exception):  # shutting down a lost driver: nothing to release
                self._nvml.nvmlShutdown()
            self._nvml = None

    def close(self) -> None:
        """Stop the sampler and release NVML (open windows are abandoned)."""
        self._finalizer()
        self._thread = None
        for p in self.probes:
            p.close()
        self._shutdown_nvml()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _with(d: DeviceEnergy, **changes: Any) -> DeviceEnergy:
    return replace(d, **changes)

