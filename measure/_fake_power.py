"""The power-limit part of :class:`measure.FakeNVML`: NVML's power management limit calls.

Same names, signatures and return types as ``pynvml`` (checked against the installed
``nvidia-ml-py`` with ``inspect.signature`` like the rest of the fake): limits are integers in
milliwatts [mW]; ``nvmlDeviceGetPowerManagementLimitConstraints`` returns ``[min_mw, max_mw]``;
setting a limit outside the constraints raises ``NVML_ERROR_INVALID_ARGUMENT`` and, without
the rights (``settable=False``, NVML needs root), ``NVML_ERROR_NO_PERMISSION``.

The fake records the limit; its power traces are not throttled by it (how a workload's power
and duration answer a cap is what a real GPU measures; the fake only checks the wiring).
"""

from __future__ import annotations

from typing import Any

__all__ = ["POWER_API", "PowerLimitFake"]

#: the power-limit pynvml functions the fake implements
POWER_API: tuple[str, ...] = (
    "nvmlDeviceGetPowerManagementLimit", "nvmlDeviceGetPowerManagementLimitConstraints",
    "nvmlDeviceGetPowerManagementDefaultLimit", "nvmlDeviceSetPowerManagementLimit",
)


class PowerLimitFake:
    """Mixin of :class:`measure.FakeNVML` holding one power limit per device [mW].

    ``_enter`` and ``_raise`` are the fake's (call counting, injected errors, lost GPUs).
    """

    _enter: Any
    _raise: Any

    def _init_power_limits(self, n: int, default_w: float, range_w: tuple[float, float],
                           settable: bool) -> None:
        self._limit_default_mw = round(default_w * 1e3)
        self._limit_range_mw = (round(range_w[0] * 1e3), round(range_w[1] * 1e3))
        self._limits_mw = [self._limit_default_mw] * n
        self._limit_settable = settable

    def power_limit_w(self, index: int) -> float:
        """The limit device ``index`` is set to now [W] (control, not NVML)."""
        return self._limits_mw[index] / 1e3

    def nvmlDeviceGetPowerManagementLimit(self, handle: Any) -> int:
        self._enter("nvmlDeviceGetPowerManagementLimit", handle)
        return int(self._limits_mw[handle.index])

    def nvmlDeviceGetPowerManagementLimitConstraints(self, handle: Any) -> list[int]:
        self._enter("nvmlDeviceGetPowerManagementLimitConstraints", handle)
        return list(self._limit_range_mw)

    def nvmlDeviceGetPowerManagementDefaultLimit(self, handle: Any) -> int:
        self._enter("nvmlDeviceGetPowerManagementDefaultLimit", handle)
        return self._limit_default_mw

    def nvmlDeviceSetPowerManagementLimit(self, handle: Any, limit: int) -> None:
        self._enter("nvmlDeviceSetPowerManagementLimit", handle)
        if not self._limit_settable:
            self._raise(4)  # NVML_ERROR_NO_PERMISSION
        low, high = self._limit_range_mw
        if isinstance(limit, bool) or not isinstance(limit, int) or not low <= limit <= high:
            self._raise(2)  # NVML_ERROR_INVALID_ARGUMENT
        self._limits_mw[handle.index] = limit
