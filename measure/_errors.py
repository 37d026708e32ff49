"""The errors of ``measure``: each names the field, the value and the fix.

Every one derives from a :mod:`carbon` error (and so from :class:`carbon.ModelCarbonError`);
vendor errors (NVML, sysfs) are translated at the boundary with ``raise ... from e``.

>>> err = WindowError("window", "train", "a window that is open (begin_window('train') first)")
>>> isinstance(err, LookupError), str(err)
(True, "window='train' is invalid: expected a window that is open (begin_window('train') first)")
"""

from __future__ import annotations

from carbon import DataError, ModelCarbonError, UnknownKeyError

__all__ = [
    "GPULostError",
    "JournalError",
    "MeasureError",
    "NVMLBindingError",
    "NVMLUnavailableError",
    "NotSupportedError",
    "ProbePermissionError",
    "WindowError",
]


class MeasureError(ModelCarbonError, RuntimeError):
    """A probe could not read its hardware (the base of the probe errors below)."""


class NVMLUnavailableError(MeasureError):
    """NVML cannot be used here: no library, no driver, or a library/driver mismatch.

    ``Monitor.auto`` takes this as "no NVIDIA GPU" and goes on with the CPU-only path.
    """


class NVMLBindingError(MeasureError, ImportError):
    """The ``pynvml`` module found is not NVIDIA's ``nvidia-ml-py`` (deprecated or too old)."""


class GPULostError(MeasureError):
    """The GPU fell off the bus or stopped answering (NVML_ERROR_GPU_IS_LOST)."""


class NotSupportedError(MeasureError):
    """The device does not support a query (no energy counter, no instant power field)."""


class ProbePermissionError(MeasureError, PermissionError):
    """The process may not read a counter (RAPL ``energy_uj`` is often root-only)."""


class WindowError(UnknownKeyError):
    """A window name that is not open, or one opened twice."""


class JournalError(DataError):
    """A measurement journal or recording file that cannot be read."""
