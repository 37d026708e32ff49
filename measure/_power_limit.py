"""GPU power limits through NVML: read the limits, set one, restore the old one after a block.

NVML keeps limits in integer milliwatts [mW]; they are converted once here to quantities in
watts [W] and back (``limit_mw = round(1000 * limit_w)``). Every NVML error is translated into
:mod:`measure._errors` with ``from e`` (``nvmlDeviceSetPowerManagementLimit`` needs root:
:class:`measure.ProbePermissionError`). ``nvml`` is ``pynvml`` (``measure.load_pynvml()``) or a
:class:`measure.FakeNVML`; each call initialises NVML and shuts it down after (NVML counts
its initialisations, so this nests inside a monitor's).

A lower power cap lowers the GPU's power draw and, for compute-bound work, lengthens it: the
energy of a job is the integral ``E = int P(t) dt`` [J], so whether a cap saves energy is a
measurement, not an assumption (Zeus, You et al. 2023, NSDI, "Zeus: Understanding and
Optimizing GPU Energy Consumption of DNN Training").

>>> from measure import FakeNVML, PowerTrace
>>> fake = FakeNVML([PowerTrace.constant(300.0)])
>>> with power_limited(fake, 0, "500 W") as before:
...     power_limits(fake, 0).current
<Quantity(500.0, 'watt')>
>>> before.current, power_limits(fake, 0).current
(<Quantity(700.0, 'watt')>, <Quantity(700.0, 'watt')>)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from carbon import InvalidValueError, magnitude, quantity
from measure._gpu import nvml_call

__all__ = ["PowerLimits", "power_limited", "power_limits", "set_power_limit"]


@dataclass(frozen=True)
class PowerLimits:
    """One GPU's power limits [W]: the one in force, the default, and the settable range."""

    index: int
    current: Any
    default: Any
    low: Any
    high: Any


@contextlib.contextmanager
def _session(nvml: Any, index: int) -> Iterator[Any]:
    nvml_call(nvml, "nvmlInit", nvml.nvmlInit)
    try:
        yield nvml_call(nvml, f"gpu:{index}", nvml.nvmlDeviceGetHandleByIndex, index)
    finally:
        nvml_call(nvml, "nvmlShutdown", nvml.nvmlShutdown)


def _limits(nvml: Any, index: int, handle: Any) -> PowerLimits:
    f = f"gpu:{index}"
    cur = nvml_call(nvml, f, nvml.nvmlDeviceGetPowerManagementLimit, handle)
    default = nvml_call(nvml, f, nvml.nvmlDeviceGetPowerManagementDefaultLimit, handle)
    low, high = nvml_call(nvml, f, nvml.nvmlDeviceGetPowerManagementLimitConstraints, handle)
    w = [quantity(v / 1e3, "W") for v in (cur, default, low, high)]
    return PowerLimits(index, *w)


def power_limits(nvml: Any, index: int) -> PowerLimits:
    """The power limits [W] of GPU ``index`` (NVML's index, not CUDA's)."""
    with _session(nvml, index) as h:
        return _limits(nvml, index, h)


def set_power_limit(nvml: Any, index: int, limit: Any) -> PowerLimits:
    """Set GPU ``index``'s power limit to ``limit`` [W] (a quantity, or a string: "250 W").

    Refuses a limit outside the device's constraints with :class:`carbon.InvalidValueError`
    before calling NVML; returns the limits as they were before the change.
    """
    watts = magnitude(limit, "W", "limit")
    with _session(nvml, index) as h:
        before = _limits(nvml, index, h)
        lo, hi = before.low.m_as("W"), before.high.m_as("W")
        if not lo <= watts <= hi:
            raise InvalidValueError("limit", limit, f"a power limit in [{lo:g}, {hi:g}] W "
                                    f"(GPU {index}'s constraints)")
        nvml_call(nvml, f"gpu:{index}", nvml.nvmlDeviceSetPowerManagementLimit, h,
                  round(watts * 1e3))
    return before


@contextlib.contextmanager
def power_limited(nvml: Any, index: int, limit: Any) -> Iterator[PowerLimits]:
    """Run a block with GPU ``index`` capped at ``limit`` [W]; the old limit is restored
    after it, also when the block raises. Yields the limits as they were before."""
    before = set_power_limit(nvml, index, limit)
    try:
        yield before
    finally:
        set_power_limit(nvml, index, before.current)
