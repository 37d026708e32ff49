"""Fast path: the metric formulas on plain magnitudes in canonical units.

Inputs and outputs are floats or float64 arrays in the units of ``carbon._units.CANONICAL``
(energy kWh, carbon gCO2e, intensity gCO2e/kWh, time s, rate gCO2e/s). The public functions in
``carbon._formulas``, the scalar ``carbon.asc_e`` and the fleet path ``carbon.asc_e_frame`` strip
units once, call these, and re-attach gCO2e: one formula, one implementation, for scalars and
arrays alike. With arrays, ``out`` names a preallocated float64 buffer to compute into in place
(no temporaries: at ten million rows a fresh temporary costs more than the arithmetic).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "embodied_kernel",
    "embodied_rate_kernel",
    "jsc_kernel",
    "overhead_kernel",
    "platform_kernel",
    "platform_rate_kernel",
    "product_by_requests_kernel",
    "product_kernel",
    "product_rate_kernel",
    "retraining_kernel",
]


def jsc_kernel(energy_kwh: Any, pue: Any, ci: Any, out: np.ndarray | None = None) -> Any:
    """JSC = E * PUE * CI  [gCO2e]."""
    if out is None:
        return energy_kwh * pue * ci
    np.multiply(energy_kwh, pue, out=out)
    out *= ci
    return out


def overhead_kernel(energy_kwh: Any, pue: Any, ci: Any, out: np.ndarray | None = None) -> Any:
    """Facility-overhead part of JSC: E * (PUE - 1) * CI  [gCO2e]."""
    if out is None:
        return energy_kwh * (pue - 1.0) * ci
    np.subtract(pue, 1.0, out=out)
    out *= energy_kwh
    out *= ci
    return out


def embodied_kernel(embodied_g: Any, duration_s: Any, lifetime_s: Any, fraction: Any,
                    out: np.ndarray | None = None) -> Any:
    """ec = EC * t / LT * u  [gCO2e]."""
    if out is None:
        return embodied_g * duration_s / lifetime_s * fraction
    np.multiply(embodied_g, duration_s, out=out)
    out /= lifetime_s
    out *= fraction
    return out


def platform_kernel(rate_g_per_s: Any, duration_s: Any, share: Any,
                    out: np.ndarray | None = None) -> Any:
    """platform tax = R * t * share, share = 1 / n_concurrent for an equal split  [gCO2e]."""
    if out is None:
        return rate_g_per_s * duration_s * share
    np.multiply(rate_g_per_s, duration_s, out=out)
    out *= share
    return out


def product_kernel(epc_g: Any, duration_s: Any, lifetime_s: Any, parallel: Any,
                   out: np.ndarray | None = None) -> Any:
    """EPC * t / (LT * n_par)  [gCO2e]."""
    if out is None:
        return epc_g * duration_s / (lifetime_s * parallel)
    np.multiply(lifetime_s, parallel, out=out)  # one division a row: the slowest operation
    np.divide(epc_g, out, out=out)
    out *= duration_s
    return out


def product_by_requests_kernel(epc_g: Any, requests: Any, out: np.ndarray | None = None) -> Any:
    """EPC / N_lifetime  [gCO2e]."""
    if out is None:
        return epc_g / requests
    return np.divide(epc_g, requests, out=out)


def retraining_kernel(retraining_g: Any, requests: Any, out: np.ndarray | None = None) -> Any:
    """cf_rt / n  [gCO2e]."""
    if out is None:
        return retraining_g / requests
    return np.divide(retraining_g, requests, out=out)


# Rates: the parts proportional to the duration, per second of it. A sum of ASC^e parts only
# (``asc_e_frame`` without the breakdown) adds these and multiplies by t once: two passes over
# the rows fewer than each part multiplied by t on its own.


def embodied_rate_kernel(embodied_g: Any, lifetime_s: Any, fraction: Any,
                         out: np.ndarray | None = None) -> Any:
    """ec / t = EC / LT * u  [gCO2e/s] (:func:`embodied_kernel` per second).

    >>> embodied_rate_kernel(8.0, 4.0, 0.5)
    1.0
    """
    if out is None:
        return embodied_g / lifetime_s * fraction
    np.divide(embodied_g, lifetime_s, out=out)
    out *= fraction
    return out


def platform_rate_kernel(rate_g_per_s: Any, share: Any, out: np.ndarray | None = None) -> Any:
    """platform tax / t = R * share  [gCO2e/s] (:func:`platform_kernel` per second)."""
    if out is None:
        return rate_g_per_s * share
    return np.multiply(rate_g_per_s, share, out=out)


def product_rate_kernel(epc_g: Any, lifetime_s: Any, parallel: Any,
                        out: np.ndarray | None = None) -> Any:
    """EPC / (LT * n_par)  [gCO2e/s] (:func:`product_kernel` per second)."""
    if out is None:
        return epc_g / (lifetime_s * parallel)
    np.multiply(lifetime_s, parallel, out=out)
    return np.divide(epc_g, out, out=out)
