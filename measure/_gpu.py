"""NVIDIA GPUs through NVML (``nvidia-ml-py``, imported lazily as ``pynvml``).

Per device, the best method it supports:

1. ``counter`` (Volta and later): ``nvmlDeviceGetTotalEnergyConsumption`` [mJ since the
   driver loaded], polled so that a counter going backwards (driver reload) is detected and
   never booked as negative energy; labelled ``measured``.
2. ``power-sampling``: the instant power field (``NVML_FI_DEV_POWER_INSTANT``) with its device
   timestamp [us], else ``nvmlDeviceGetPowerUsage`` (a ~1 s average on Ampere and newer,
   flagged), integrated by trapezoid on the real timestamps; labelled ``sampled``.

Uncertainty (MEASUREMENT.md, recipe 3): ``2 * T * P_mean + 0.05 * E`` with ``T`` the counter
update period (0.1 s) or the mean sampling gap (at least the sensor's averaging window), plus
any energy a counter reset left unobserved.

CUDA device ``i`` is mapped to its NVML device by UUID (from torch when it is already
imported, or from ``CUDA_VISIBLE_DEVICES``); every NVML error is translated into
:mod:`measure._errors` with ``from e``.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from measure._errors import (
    GPULostError,
    MeasureError,
    NotSupportedError,
    NVMLBindingError,
    NVMLUnavailableError,
    ProbePermissionError,
)
from measure._probe import AccumulatingProbe, Probe

__all__ = ["GpuCounterProbe", "GpuPowerProbe", "gpu_probes", "load_pynvml", "translate_nvml"]

#: NVML energy counter update period [s] (MEASUREMENT.md: about every 100 ms).
COUNTER_UPDATE_S = 0.1
#: GPU power sensor gain error (MEASUREMENT.md: about +-5 %).
SENSOR_GAIN = 0.05
#: nvmlDeviceGetPowerUsage averaging window on Ampere and newer [s] (MEASUREMENT.md).
POWER_USAGE_WINDOW_S = 1.0
#: oldest nvidia-ml-py with the energy counter and field values we call.
MIN_NVIDIA_ML_PY = (11, 515)

_FIX_BINDINGS = ("NVIDIA's bindings: `pip uninstall -y pynvml nvidia-ml-py && "
                 "pip install 'nvidia-ml-py>=12.535'` (the `pynvml` distribution is deprecated)")

_UNAVAILABLE = {9: "driver not loaded", 12: "NVML shared library not found",
                13: "function not found (driver too old)", 18: "NVML/driver version mismatch"}

T = TypeVar("T")


def _ships(distribution: str, module: str) -> bool:
    """Whether the installed ``distribution`` ships the top-level ``module`` (that one
    distribution's metadata is read: scanning every installed one takes seconds)."""
    try:
        dist = md.distribution(distribution)
    except md.PackageNotFoundError:
        return False
    top = (dist.read_text("top_level.txt") or "").split()
    return module in top or any(
        f.parts[0] in (module, f"{module}.py") for f in dist.files or ())


def load_pynvml() -> Any:
    """Import NVIDIA's ``nvidia-ml-py`` as ``pynvml``, refusing other bindings.

    The deprecated ``pynvml`` distribution (and old unofficial bindings shipped as a
    ``pynvml/`` package) is refused with :class:`NVMLBindingError` before it is imported (it
    prints a deprecation warning on import); so is an ``nvidia-ml-py`` older than 11.515.
    No bindings at all raises :class:`NVMLUnavailableError`.
    """
    spec = importlib.util.find_spec("pynvml")
    if spec is None:
        raise NVMLUnavailableError(
            "pynvml", None, "nvidia-ml-py installed",
            "no NVML bindings: `pip install 'nvidia-ml-py>=12.535'` to measure NVIDIA GPUs")
    providers = ["pynvml"] if _ships("pynvml", "pynvml") else []
    if providers or (
            spec.origin or "").endswith("__init__.py"):
        raise NVMLBindingError(
            "pynvml", spec.origin, _FIX_BINDINGS,
            f"pynvml at {spec.origin!r} comes from {providers or 'unknown bindings'}, not "
            f"nvidia-ml-py; install {_FIX_BINDINGS}")
    try:
        version = md.version("nvidia-ml-py")
    except md.PackageNotFoundError as e:
        raise NVMLBindingError(
            "pynvml", spec.origin, _FIX_BINDINGS,
            f"pynvml at {spec.origin!r} is not from nvidia-ml-py; install {_FIX_BINDINGS}") from e
    parts = tuple(int(p) for p in version.split(".")[:2] if p.isdigit())
    if parts < MIN_NVIDIA_ML_PY:
        raise NVMLBindingError(
            "nvidia-ml-py", version, _FIX_BINDINGS,
            f"nvidia-ml-py {version} is too old (energy counter and field values need "
            f">= 11.515); install {_FIX_BINDINGS}")
    return importlib.import_module("pynvml")


def translate_nvml(e: BaseException, field: str) -> MeasureError:
    """The project error for an ``NVMLError`` raised by ``field`` (the call, or device)."""
    code = getattr(e, "value", None)
    text = str(e)
    what = f"NVML error {code} ({text})"
    if code in _UNAVAILABLE:
        return NVMLUnavailableError(
            field, what, "a working NVIDIA driver",
            f"{field}: {what}: {_UNAVAILABLE[code]}; install or reload the NVIDIA driver, or "
            "measure without GPUs (Monitor.auto() does so and says so)")
    if code == 15:
        return GPULostError(field, what, "a GPU that answers",
                            f"{field}: {what}: the GPU fell off the bus; check `nvidia-smi` "
                            "and the kernel log, a reset or reboot is needed")
    if code == 3:
        return NotSupportedError(field, what, "a query the device supports",
                                 f"{field}: {what}: this device does not support it")
    if code == 4:
        return ProbePermissionError(field, what, "permission to query the GPU",
                                    f"{field}: {what}: run with the rights to query NVML")
    return MeasureError(field, what, "a successful NVML call", f"{field}: {what}")


def nvml_call(nvml: Any, field: str, fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn(*args)``, translating ``nvml.NVMLError``."""
    try:
        return fn(*args)
    except nvml.NVMLError as e:
        raise translate_nvml(e, field) from e


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _norm_uuid(u: str) -> str:
    u = u.strip().lower()
    for prefix in ("gpu-", "mig-"):
        if u.startswith(prefix):
            u = u[len(prefix):]
    return u


class _GpuProbe(AccumulatingProbe):
    provenance = "measured"

    def __init__(self, nvml: Any, handle: Any, cuda_index: int, name: str, uuid: str,
                 clock_s: Callable[[], float]) -> None:
        super().__init__()
        self.nvml = nvml
        self.handle = handle
        self.key = f"gpu:{cuda_index}"
        self.kind = "gpu"
        self.name = name
        self.uuid = uuid
        self._clock_s = clock_s
        self.own_pids: set[int] = {os.getpid()}
        self.static_details = {"uuid": uuid}

    def edge_details(self) -> dict[str, Any]:
        try:
            procs = nvml_call(self.nvml, f"{self.key}.processes",
                              self.nvml.nvmlDeviceGetComputeRunningProcesses, self.handle)
        except MeasureError:
            return {}
        others = sorted({int(p.pid) for p in procs} - self.own_pids)
        return {"other_pids": others} if others else {}


class GpuCounterProbe(_GpuProbe):
    """Volta+ energy counter [mJ], polled; resets detected (``measured``)."""

    method = "counter"
    short_window_s = 3 * COUNTER_UPDATE_S

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._power_w = 0.0  # mean power of the last poll interval [W]
        self.source = (f"NVML energy counter (nvmlDeviceGetTotalEnergyConsumption), "
                       f"{self.name} {self.uuid}")

    def _read(self, now_s: float) -> tuple[float, float]:
        energy_mj = nvml_call(self.nvml, f"{self.key}.energy",
                              self.nvml.nvmlDeviceGetTotalEnergyConsumption, self.handle)
        return float(energy_mj), now_s

    def _book(self, prev: tuple[float, float], cur: tuple[float, float]
              ) -> tuple[float, float, str | None, str]:
        delta_mj = cur[0] - prev[0]
        gap_s = cur[1] - prev[1]
        if delta_mj >= 0:
            self._power_w = delta_mj / 1e3 / gap_s
            return delta_mj / 1e3, 0.0, None, ""
        # the counter restarted from 0 (driver reload): book what it counted since the reset
        # (never a negative delta); the energy between the previous poll and the reset is
        # unobserved, bounded by the larger of the last interval's power and the power since
        # the reset, over the whole gap
        since_j = cur[0] / 1e3
        unobserved_j = max(self._power_w, since_j / gap_s) * gap_s
        return since_j, unobserved_j, "counter_reset", (
            f"counter went from {prev[0]:.0f} mJ to {cur[0]:.0f} mJ within {gap_s:.3f} s")

    def _uncertainty_j(self, energy_j: float, span_s: float, reads: int) -> float | None:
        return 2 * COUNTER_UPDATE_S * energy_j / span_s + SENSOR_GAIN * energy_j


class GpuPowerProbe(_GpuProbe):
    """Power readings with timestamps, trapezoid-integrated (``sampled``)."""

    method = "power-sampling"
    provenance = "sampled"

    def __init__(self, *args: Any, instant: bool) -> None:
        super().__init__(*args)
        self.instant = instant
        self.sensor_window_s = 0.0 if instant else POWER_USAGE_WINDOW_S
        self.short_window_s = 3 * max(self.sensor_window_s, 0.02)
        if instant:
            self.source = (f"NVML instant power field (NVML_FI_DEV_POWER_INSTANT) with device "
                           f"timestamps, trapezoid, {self.name} {self.uuid}")
        else:
            self.static_flags = ("averaged_power",)
            self.source = (f"NVML nvmlDeviceGetPowerUsage with host timestamps, trapezoid, "
                           f"{self.name} {self.uuid}")

    def _read(self, now_s: float) -> tuple[float, float]:
        if self.instant:
            values = nvml_call(self.nvml, f"{self.key}.power", self.nvml.nvmlDeviceGetFieldValues,
                               self.handle, [self.nvml.NVML_FI_DEV_POWER_INSTANT])
            v = values[0]
            if v.nvmlReturn != 0:
                raise translate_nvml(self.nvml.NVMLError(v.nvmlReturn), f"{self.key}.power")
            power_mw = float(v.value.uiVal)
            t_us = int(v.timestamp)
            return power_mw, (t_us / 1e6 if t_us > 0 else now_s)
        power_mw = nvml_call(self.nvml, f"{self.key}.power", self.nvml.nvmlDeviceGetPowerUsage,
                             self.handle)
        return float(power_mw), now_s

    def _book(self, prev: tuple[float, float], cur: tuple[float, float]
              ) -> tuple[float, float, str | None, str]:
        # trapezoid on the real timestamps: mW * s = mJ
        return (prev[0] + cur[0]) / 2 * (cur[1] - prev[1]) / 1e3, 0.0, None, ""

    def _uncertainty_j(self, energy_j: float, span_s: float, reads: int) -> float | None:
        gap_s = max(span_s / max(reads - 1, 1), self.sensor_window_s)
        return 2 * gap_s * energy_j / span_s + SENSOR_GAIN * energy_j


def _handles(nvml: Any, cuda_indices: Sequence[int] | None
             ) -> list[tuple[int, Any, tuple[str, ...]]]:
    """(CUDA index, NVML handle, flags) for each device to watch, mapped by UUID."""
    count = nvml_call(nvml, "nvmlDeviceGetCount", nvml.nvmlDeviceGetCount)
    torch = sys.modules.get("torch")
    uuids: list[str] | None = None
    if torch is not None:
        try:
            if torch.cuda.is_available():
                uuids = [str(torch.cuda.get_device_properties(i).uuid)
                         for i in range(torch.cuda.device_count())]
        except Exception:  # torch without CUDA support or a broken runtime: fall back
            uuids = None
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    entries: list[str] | None = None
    if uuids is None and visible is not None:
        entries = [s.strip() for s in visible.split(",") if s.strip()]
    n_cuda = len(uuids) if uuids is not None else len(entries) if entries is not None else count
    wanted = list(range(n_cuda)) if cuda_indices is None else list(cuda_indices)
    by_uuid: dict[str, int] | None = None
    out = []
    for i in wanted:
        if not 0 <= i < n_cuda:
            raise NotSupportedError("gpus", i, f"a CUDA device index in [0, {n_cuda})")
        flags: tuple[str, ...] = ()
        ref = uuids[i] if uuids is not None else entries[i] if entries is not None else None
        if ref is not None and not ref.isdigit():
            if by_uuid is None:
                by_uuid = {}
                for j in range(count):
                    h = nvml_call(nvml, f"gpu[{j}]", nvml.nvmlDeviceGetHandleByIndex, j)
                    by_uuid[_norm_uuid(_text(nvml_call(nvml, f"gpu[{j}].uuid",
                                                       nvml.nvmlDeviceGetUUID, h)))] = j
            found = by_uuid.get(_norm_uuid(ref))
            if found is None:
                raise NotSupportedError(f"gpu:{i}", ref, f"a UUID NVML knows ({sorted(by_uuid)})")
            j = found
        else:
            j = int(ref) if ref is not None else i
            if count > 1 and os.environ.get("CUDA_DEVICE_ORDER") != "PCI_BUS_ID":
                flags = ("cuda_index_assumed",)
        out.append((i, nvml_call(nvml, f"gpu:{i}", nvml.nvmlDeviceGetHandleByIndex, j), flags))
    return out


def gpu_probes(nvml: Any, cuda_indices: Sequence[int] | None,
               clock_s: Callable[[], float]) -> list[Probe]:
    """One probe per GPU, each with the best method the device supports.

    ``nvml`` must be initialised. Raises the translated NVML error when a device cannot be
    opened at all.
    """
    probes: list[Probe] = []
    for cuda_index, handle, flags in _handles(nvml, cuda_indices):
        key = f"gpu:{cuda_index}"
        name = _text(nvml_call(nvml, f"{key}.name", nvml.nvmlDeviceGetName, handle))
        uuid = _text(nvml_call(nvml, f"{key}.uuid", nvml.nvmlDeviceGetUUID, handle))
        try:
            arch = int(nvml_call(nvml, f"{key}.architecture", nvml.nvmlDeviceGetArchitecture,
                                 handle))
        except NotSupportedError:
            arch = -1
        args = (nvml, handle, cuda_index, name, uuid, clock_s)
        probe: _GpuProbe | None = None
        if arch >= nvml.NVML_DEVICE_ARCH_VOLTA and arch != nvml.NVML_DEVICE_ARCH_UNKNOWN:
            try:
                nvml_call(nvml, f"{key}.energy", nvml.nvmlDeviceGetTotalEnergyConsumption, handle)
                probe = GpuCounterProbe(*args)
            except NotSupportedError:
                probe = None
        if probe is None:
            values = nvml_call(nvml, f"{key}.power", nvml.nvmlDeviceGetFieldValues, handle,
                               [nvml.NVML_FI_DEV_POWER_INSTANT])
            probe = GpuPowerProbe(*args, instant=values[0].nvmlReturn == 0)
        try:
            mig = nvml_call(nvml, f"{key}.mig", nvml.nvmlDeviceGetMigMode, handle)
            if int(mig[0]) == nvml.NVML_DEVICE_MIG_ENABLE:
                flags = (*flags, "mig")
        except NotSupportedError:
            pass
        probe.static_flags = (*probe.static_flags, *flags)
        probe.static_details["architecture"] = arch
        probes.append(probe)
    return probes
