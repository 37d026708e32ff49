"""A faithful fake of the NVML subset the GPU probe calls, driven by known power traces.

:class:`FakeNVML` has the ``pynvml`` functions the probe uses, with the same signatures
(a test compares them with ``inspect.signature`` against the installed ``nvidia-ml-py``), the
same return types (``c_nvmlFieldValue_t`` arrays, integer mW and mJ) and the same exceptions
(``pynvml.NVMLError`` subclasses by error code when ``nvidia-ml-py`` is installed). Each device
follows a :class:`PowerTrace` whose energy is known exactly; its energy counter updates every
``counter_period_s`` like the driver's. Errors are injected with real codes: library not found,
GPU lost mid-run, not supported, counter reset.

>>> from measure import ManualClock
>>> clock = ManualClock()
>>> fake = FakeNVML([PowerTrace.steps([(0.0, 50.0), (1.0, 250.0)])], clock=clock)
>>> fake.nvmlInit()
>>> h = fake.nvmlDeviceGetHandleByIndex(0)
>>> clock.advance(2.0)
>>> fake.nvmlDeviceGetTotalEnergyConsumption(h), fake.nvmlDeviceGetPowerUsage(h)
(300000, 250000)
"""

from __future__ import annotations

import bisect
import csv
import functools
import itertools
import math
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carbon import InvalidValueError
from measure._clock import Clock, SystemClock
from measure._fake_power import POWER_API, PowerLimitFake

__all__ = ["FakeNVML", "PowerTrace"]

# NVML constants (nvml.h); the fake exposes the real module's values when it is installed.
_CONSTANTS: dict[str, int] = {
    "NVML_SUCCESS": 0, "NVML_ERROR_UNINITIALIZED": 1, "NVML_ERROR_INVALID_ARGUMENT": 2,
    "NVML_ERROR_NOT_SUPPORTED": 3, "NVML_ERROR_NO_PERMISSION": 4,
    "NVML_ERROR_ALREADY_INITIALIZED": 5, "NVML_ERROR_NOT_FOUND": 6,
    "NVML_ERROR_DRIVER_NOT_LOADED": 9, "NVML_ERROR_LIBRARY_NOT_FOUND": 12,
    "NVML_ERROR_FUNCTION_NOT_FOUND": 13, "NVML_ERROR_GPU_IS_LOST": 15,
    "NVML_ERROR_UNKNOWN": 999, "NVML_FI_DEV_POWER_AVERAGE": 185,
    "NVML_FI_DEV_POWER_INSTANT": 186, "NVML_DEVICE_ARCH_KEPLER": 2,
    "NVML_DEVICE_ARCH_MAXWELL": 3, "NVML_DEVICE_ARCH_PASCAL": 4, "NVML_DEVICE_ARCH_VOLTA": 5,
    "NVML_DEVICE_ARCH_TURING": 6, "NVML_DEVICE_ARCH_AMPERE": 7, "NVML_DEVICE_ARCH_ADA": 8,
    "NVML_DEVICE_ARCH_HOPPER": 9, "NVML_DEVICE_ARCH_UNKNOWN": 0xFFFFFFFF,
    "NVML_DEVICE_MIG_DISABLE": 0, "NVML_DEVICE_MIG_ENABLE": 1, "NVML_VALUE_TYPE_UNSIGNED_INT": 1,
}

#: the pynvml functions the probe calls (and the fake implements)
API: tuple[str, ...] = (
    "nvmlInit", "nvmlShutdown", "nvmlSystemGetDriverVersion", "nvmlDeviceGetCount",
    "nvmlDeviceGetHandleByIndex", "nvmlDeviceGetHandleByUUID", "nvmlDeviceGetUUID",
    "nvmlDeviceGetName", "nvmlDeviceGetArchitecture", "nvmlDeviceGetTotalEnergyConsumption",
    "nvmlDeviceGetPowerUsage", "nvmlDeviceGetFieldValues", "nvmlDeviceGetMigMode",
    "nvmlDeviceGetComputeRunningProcesses", *POWER_API,
)


class PowerTrace:
    """Piecewise-linear power [W] over trace time [s]; its energy is integrated exactly.

    Breakpoints ``(t_s, power_w)`` in non-decreasing time; two points at one time make a
    step. Before the first point and after the last, power holds constant.

    >>> tr = PowerTrace([0.0, 10.0], [100.0, 300.0])
    >>> tr.power_w(5.0), tr.energy_j(0.0, 10.0), tr.energy_j(-1.0, 0.0)
    (200.0, 2000.0, 100.0)
    """

    def __init__(self, times_s: Sequence[float], power_w: Sequence[float]) -> None:
        if len(times_s) != len(power_w) or not times_s:
            raise InvalidValueError("times_s", len(times_s), "as many times as powers (>= 1)")
        if any(b < a for a, b in itertools.pairwise(times_s)):
            raise InvalidValueError("times_s", list(times_s), "non-decreasing times")
        if any(not math.isfinite(p) or p < 0 for p in power_w):
            raise InvalidValueError("power_w", list(power_w), "finite powers >= 0 [W]")
        self.t = [float(x) for x in times_s]
        self.p = [float(x) for x in power_w]
        self._cum = [0.0]
        for i in range(1, len(self.t)):
            self._cum.append(self._cum[-1] + (self.p[i - 1] + self.p[i]) / 2
                             * (self.t[i] - self.t[i - 1]))

    @classmethod
    def constant(cls, power_w: float) -> PowerTrace:
        """A constant draw [W]."""
        return cls([0.0], [power_w])

    @classmethod
    def steps(cls, levels: Sequence[tuple[float, float]]) -> PowerTrace:
        """Piecewise-constant: ``[(t_s, power_w), ...]``, each level held until the next."""
        times: list[float] = []
        powers: list[float] = []
        for i, (t, p) in enumerate(levels):
            if i:
                times.append(t)
                powers.append(powers[-1])
            times.append(t)
            powers.append(p)
        return cls(times, powers)

    @classmethod
    def from_csv(cls, path: str | Path) -> PowerTrace:
        """A recorded trace: a CSV with columns ``t_s`` and ``power_w``."""
        with open(path, encoding="utf-8", newline="") as f:
            rows = [(float(r["t_s"]), float(r["power_w"])) for r in csv.DictReader(f)]
        return cls([r[0] for r in rows], [r[1] for r in rows])

    def power_w(self, t_s: float) -> float:
        """Power at ``t_s`` (the later value at a step)."""
        i = bisect.bisect_right(self.t, t_s) - 1
        if i < 0:
            return self.p[0]
        if i >= len(self.t) - 1:
            return self.p[-1]
        t0, t1 = self.t[i], self.t[i + 1]
        return self.p[i] + (self.p[i + 1] - self.p[i]) * (t_s - t0) / (t1 - t0)

    def _cumulative(self, t_s: float) -> float:
        # energy from the first breakpoint to t_s (negative before it)
        if t_s <= self.t[0]:
            return self.p[0] * (t_s - self.t[0])
        i = bisect.bisect_right(self.t, t_s) - 1
        if i >= len(self.t) - 1:
            return self._cum[-1] + self.p[-1] * (t_s - self.t[-1])
        return self._cum[i] + (self.p[i] + self.power_w(t_s)) / 2 * (t_s - self.t[i])

    def energy_j(self, t0_s: float, t1_s: float) -> float:
        """Exact energy [J] between two trace times."""
        return self._cumulative(t1_s) - self._cumulative(t0_s)


@dataclass
class _Device:
    trace: PowerTrace
    name: str
    uuid: str
    architecture: int
    counter: bool
    instant: bool
    mig: bool
    pids: tuple[int, ...]
    lost_at_ns: int | None = None
    resets_ns: tuple[int, ...] = ()


@dataclass
class _Injection:
    function: str
    code: int
    device: int | None
    at_ns: int
    count: int | None


class _Handle:
    def __init__(self, index: int) -> None:
        self.index = index

    def __repr__(self) -> str:
        return f"<FakeNVML device {self.index}>"


@functools.cache
def _real_pynvml() -> Any:
    try:
        from measure._gpu import load_pynvml
        return load_pynvml()
    except Exception:  # no or refused bindings: the fake brings its own error classes
        return None


class FakeNVML(PowerLimitFake):
    """NVML for tests and GPU-less machines; see the module docstring.

    Parameters: ``traces`` (one :class:`PowerTrace` per device), ``names``, ``uuids``,
    ``architecture`` (NVML arch code, Hopper by default), ``counter`` (the device has the
    energy counter), ``instant_power`` (the instant power field is supported),
    ``power_average_s`` (``nvmlDeviceGetPowerUsage`` averages this long [s]; 0 = instant),
    ``counter_period_s`` (counter update period [s]), ``mig``, ``processes`` (pids using each
    GPU), ``library_found`` (False: ``nvmlInit`` raises LibraryNotFound), ``clock``, and
    ``power_limit_w``, ``power_limit_range_w`` [W], ``power_limit_settable`` (_fake_power).
    Trace time 0 is the moment the fake is made.
    """

    def __init__(self, traces: Sequence[PowerTrace], *, names: Sequence[str] | None = None,
                 uuids: Sequence[str] | None = None, architecture: int = 9,
                 counter: bool = True, instant_power: bool = True, power_average_s: float = 0.0,
                 counter_period_s: float = 0.1, mig: bool = False,
                 processes: Sequence[Sequence[int]] | None = None, library_found: bool = True,
                 clock: Clock | None = None, power_limit_w: float = 700.0,
                 power_limit_range_w: tuple[float, float] = (200.0, 700.0),
                 power_limit_settable: bool = True) -> None:
        real = _real_pynvml()
        self._real = real
        for k, v in _CONSTANTS.items():
            setattr(self, k, getattr(real, k, v) if real is not None else v)
        if real is not None:
            self.NVMLError: type[Exception] = real.NVMLError
            for k in dir(real):
                if k.startswith("NVMLError_"):
                    setattr(self, k, getattr(real, k))
        else:
            self.NVMLError = _make_error_class()
        self.clock = clock or SystemClock()
        self._t0_ns = self.clock.monotonic_ns()
        n = len(traces)
        names = list(names or ["NVIDIA H100 80GB HBM3 (fake)"] * n)
        uuids = list(uuids or [f"GPU-00000000-0000-4000-8000-{i:012d}" for i in range(n)])
        procs = list(processes or [()] * n)
        self._devices = [
            _Device(traces[i], names[i], uuids[i], architecture, counter, instant_power, mig,
                    tuple(procs[i])) for i in range(n)]
        self._period_ns = round(counter_period_s * 1e9)
        self._average_ns = round(power_average_s * 1e9)
        self._library_found = library_found
        self._initialised = 0
        self._injections: list[_Injection] = []
        self.calls: dict[str, int] = {}
        self._init_power_limits(n, power_limit_w, power_limit_range_w, power_limit_settable)

    # --- control (not NVML) -------------------------------------------------------------
    def now_s(self) -> float:
        """Trace time now [s]."""
        return (self.clock.monotonic_ns() - self._t0_ns) / 1e9

    def energy_j(self, index: int, t0_s: float, t1_s: float) -> float:
        """Exact energy [J] of device ``index`` between two trace times."""
        return self._devices[index].trace.energy_j(t0_s, t1_s)

    def inject(self, function: str, code: int, *, device: int | None = None,
               at_s: float = 0.0, count: int | None = None) -> None:
        """From trace time ``at_s``, ``function`` raises ``NVMLError(code)`` (``count`` times,
        or always), for one device or all."""
        if function not in API:
            raise InvalidValueError("function", function, f"one of {API}")
        self._injections.append(_Injection(function, code, device, round(at_s * 1e9), count))

    def lose_gpu(self, index: int, at_s: float) -> None:
        """Device ``index`` answers every call with GPU_IS_LOST from trace time ``at_s``."""
        self._devices[index].lost_at_ns = round(at_s * 1e9)

    def reset_counter(self, index: int, at_s: float) -> None:
        """Device ``index``'s energy counter restarts from 0 at ``at_s`` (a driver reload)."""
        d = self._devices[index]
        d.resets_ns = tuple(sorted((*d.resets_ns, round(at_s * 1e9))))

    # --- internals ----------------------------------------------------------------------
    def _t_ns(self) -> int:
        return self.clock.monotonic_ns() - self._t0_ns

    def _raise(self, code: int) -> None:
        raise self.NVMLError(code)

    def _enter(self, function: str, handle: _Handle | None = None) -> _Device | None:
        self.calls[function] = self.calls.get(function, 0) + 1
        if function != "nvmlInit" and not self._initialised:
            self._raise(self.NVML_ERROR_UNINITIALIZED)  # type: ignore[attr-defined]
        now = self._t_ns()
        for inj in self._injections:
            if (inj.function == function and now >= inj.at_ns and inj.count != 0
                    and (inj.device is None or (handle is not None
                                                and handle.index == inj.device))):
                if inj.count is not None:
                    inj.count -= 1
                self._raise(inj.code)
        if handle is None:
            return None
        if not isinstance(handle, _Handle) or not 0 <= handle.index < len(self._devices):
            self._raise(self.NVML_ERROR_INVALID_ARGUMENT)  # type: ignore[attr-defined]
        d = self._devices[handle.index]
        if d.lost_at_ns is not None and now >= d.lost_at_ns:
            self._raise(self.NVML_ERROR_GPU_IS_LOST)  # type: ignore[attr-defined]
        return d

    def _power_mw(self, d: _Device, t_ns: int, average_ns: int) -> int:
        t = t_ns / 1e9
        if average_ns <= 0:
            return round(d.trace.power_w(t) * 1e3)
        return round(d.trace.energy_j(t - average_ns / 1e9, t) / (average_ns / 1e9) * 1e3)

    # --- the pynvml API subset (same names and signatures) ------------------------------
    def nvmlInit(self) -> None:
        self.calls["nvmlInit"] = self.calls.get("nvmlInit", 0) + 1
        if not self._library_found:
            self._raise(self.NVML_ERROR_LIBRARY_NOT_FOUND)  # type: ignore[attr-defined]
        self._enter("nvmlInit")
        self._initialised += 1

    def nvmlShutdown(self) -> None:
        self._enter("nvmlShutdown")
        self._initialised -= 1

    def nvmlSystemGetDriverVersion(self) -> str:
        self._enter("nvmlSystemGetDriverVersion")
        return "550.00.00 (fake)"

    def nvmlDeviceGetCount(self) -> int:
        self._enter("nvmlDeviceGetCount")
        return len(self._devices)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> _Handle:
        self._enter("nvmlDeviceGetHandleByIndex")
        if not 0 <= index < len(self._devices):
            self._raise(self.NVML_ERROR_INVALID_ARGUMENT)  # type: ignore[attr-defined]
        h = _Handle(index)
        self._enter("nvmlDeviceGetHandleByIndex", h)
        return h

    def nvmlDeviceGetHandleByUUID(self, uuid: str | bytes) -> _Handle:
        self._enter("nvmlDeviceGetHandleByUUID")
        text = uuid.decode() if isinstance(uuid, bytes) else uuid
        for i, d in enumerate(self._devices):
            if d.uuid == text:
                return _Handle(i)
        self._raise(self.NVML_ERROR_NOT_FOUND)  # type: ignore[attr-defined]
        raise AssertionError  # unreachable

    def nvmlDeviceGetUUID(self, handle: _Handle) -> str:
        d = self._enter("nvmlDeviceGetUUID", handle)
        assert d is not None
        return d.uuid

    def nvmlDeviceGetName(self, handle: _Handle) -> str:
        d = self._enter("nvmlDeviceGetName", handle)
        assert d is not None
        return d.name

    def nvmlDeviceGetArchitecture(self, device: _Handle) -> int:
        d = self._enter("nvmlDeviceGetArchitecture", device)
        assert d is not None
        return d.architecture

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: _Handle) -> int:
        d = self._enter("nvmlDeviceGetTotalEnergyConsumption", handle)
        assert d is not None
        if not d.counter or d.architecture < self.NVML_DEVICE_ARCH_VOLTA:  # type: ignore[attr-defined]
            self._raise(self.NVML_ERROR_NOT_SUPPORTED)  # type: ignore[attr-defined]
        tq_ns = self._t_ns() // self._period_ns * self._period_ns
        since_ns = max((r for r in d.resets_ns if r <= tq_ns), default=None)
        t0 = 0.0 if since_ns is None else since_ns / 1e9
        return math.floor(d.trace.energy_j(t0, tq_ns / 1e9) * 1e3 + 1e-9)

    def nvmlDeviceGetPowerUsage(self, handle: _Handle) -> int:
        d = self._enter("nvmlDeviceGetPowerUsage", handle)
        assert d is not None
        return self._power_mw(d, self._t_ns(), self._average_ns)

    def nvmlDeviceGetFieldValues(self, handle: _Handle, fieldIds: Sequence[Any]) -> Any:
        d = self._enter("nvmlDeviceGetFieldValues", handle)
        assert d is not None
        t_ns = self._t_ns()
        values = (self._real.c_nvmlFieldValue_t * len(fieldIds))() if self._real is not None \
            else [types.SimpleNamespace(value=types.SimpleNamespace()) for _ in fieldIds]
        for i, fid in enumerate(fieldIds):
            field_id, scope = (fid if isinstance(fid, tuple) else (fid, 0))
            v = values[i]
            v.fieldId, v.scopeId = field_id, scope
            v.timestamp = t_ns // 1000
            v.latencyUsec = 0
            v.valueType = self.NVML_VALUE_TYPE_UNSIGNED_INT  # type: ignore[attr-defined]
            if field_id == self.NVML_FI_DEV_POWER_INSTANT and d.instant:  # type: ignore[attr-defined]
                v.nvmlReturn = self.NVML_SUCCESS  # type: ignore[attr-defined]
                v.value.uiVal = self._power_mw(d, t_ns, 0)
            elif field_id == self.NVML_FI_DEV_POWER_AVERAGE:  # type: ignore[attr-defined]
                v.nvmlReturn = self.NVML_SUCCESS  # type: ignore[attr-defined]
                v.value.uiVal = self._power_mw(d, t_ns, max(self._average_ns, 10**9))
            else:
                v.nvmlReturn = self.NVML_ERROR_NOT_SUPPORTED  # type: ignore[attr-defined]
        return values

    def nvmlDeviceGetMigMode(self, device: _Handle) -> list[int]:
        d = self._enter("nvmlDeviceGetMigMode", device)
        assert d is not None
        if d.architecture < self.NVML_DEVICE_ARCH_AMPERE:  # type: ignore[attr-defined]
            self._raise(self.NVML_ERROR_NOT_SUPPORTED)  # type: ignore[attr-defined]
        mode = int(d.mig)
        return [mode, mode]

    def nvmlDeviceGetComputeRunningProcesses(self, handle: _Handle) -> list[Any]:
        d = self._enter("nvmlDeviceGetComputeRunningProcesses", handle)
        assert d is not None
        return [types.SimpleNamespace(pid=p, usedGpuMemory=1 << 30, gpuInstanceId=0xFFFFFFFF,
                                      computeInstanceId=0xFFFFFFFF) for p in d.pids]


def _make_error_class() -> type[Exception]:
    """An ``NVMLError`` like pynvml's (``NVMLError(code)`` with ``.value``) when it is absent."""

    class NVMLError(Exception):
        def __init__(self, value: int) -> None:
            super().__init__(value)
            self.value = value

        def __str__(self) -> str:
            return f"NVML error {self.value}"

    return NVMLError
