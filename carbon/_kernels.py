"""Fast path: the metric formulas on plain magnitudes in canonical units.

Inputs and outputs are floats or float64 arrays in the units of ``carbon._units.CANONICAL``
(energy kWh, carbon gCO2e, intensity gCO2e/kWh, time s, rate gCO2e/s). The public functions in
``carbon._formulas`` and the fleet path in ``carbon._fleet`` strip units once, call these, and
re-attach gCO2e: one formula, one implementation, for scalars and arrays alike.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

__all__ = [
    "embodied_kernel",
    "jsc_kernel",
    "overhead_kernel",
    "platform_kernel",
    "product_kernel",
    "product_by_requests_kernel",
    "retraining_kernel",
]

F = TypeVar("F", float, np.ndarray)


def jsc_kernel(energy_kwh: F, pue: F | float, ci: F | float) -> F:
    """JSC = E * PUE * CI  [gCO2e]."""
    return energy_kwh * pue * ci  # type: ignore[return-value]


def overhead_kernel(energy_kwh: F, pue: F | float, ci: F | float) -> F:
    """Facility-overhead part of JSC: E * (PUE - 1) * CI  [gCO2e]."""
    return energy_kwh * (pue - 1.0) * ci  # type: ignore[return-value]


def embodied_kernel(embodied_g: F, duration_s: F, lifetime_s: F | float, fraction: F | float) -> F:
    """ec = EC * t / LT * u  [gCO2e]."""
    return embodied_g * duration_s / lifetime_s * fraction  # type: ignore[return-value]


def platform_kernel(rate_g_per_s: F, duration_s: F, share: F | float) -> F:
    """platform tax = R * t * share, share = 1 / n_concurrent for an equal split  [gCO2e]."""
    return rate_g_per_s * duration_s * share  # type: ignore[return-value]


def product_kernel(epc_g: F, duration_s: F, lifetime_s: F | float, parallel: F | float) -> F:
    """EPC * t / (LT * n_par)  [gCO2e]."""
    return epc_g * duration_s / (lifetime_s * parallel)  # type: ignore[return-value]


def product_by_requests_kernel(epc_g: F, requests: F | float) -> F:
    """EPC / N_lifetime  [gCO2e]."""
    return epc_g / requests  # type: ignore[return-value]


def retraining_kernel(retraining_g: F, requests: F | float) -> F:
    """cf_rt / n  [gCO2e]."""
    return retraining_g / requests  # type: ignore[return-value]
