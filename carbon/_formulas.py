"""The published metric formulas, one pure function each, on pint quantities.

Every function strips units once at its edge (``carbon._units.magnitude``), computes with the
plain kernels of ``carbon._kernels`` (scalars or NumPy arrays alike) and returns gCO2e.
A bare number where a physical amount is expected is an error naming the expected unit.

References
----------
[1] modelcarbon, ``specs/metrics.md``: the project's statement of the job-, system- and
    product-level metrics (JSC, ASC, JSC^e, EPC, ASC^e) and their worked examples.
[2] A. Lacoste, A. Luccioni, V. Schmidt, T. Dandres (2019), "Quantifying the Carbon
    Emissions of Machine Learning", arXiv:1910.09700 (energy x PUE x grid intensity).
[3] ISO/IEC 30134-2:2016, "Information technology -- Data centres -- Key performance
    indicators -- Part 2: Power usage effectiveness (PUE)".
[4] Green Software Foundation (2024), "Software Carbon Intensity (SCI) Specification",
    ISO/IEC 21031:2024 (embodied emissions M = TE x TiR / EL x RR / ToR).
[5] ISO 14044:2006, "Environmental management -- Life cycle assessment -- Requirements and
    guidelines", section 4.3.4 (allocation of a shared burden among co-products).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from carbon._checks import at_least, positive, unit_interval
from carbon._electricity import EnergyMix
from carbon._errors import InvalidValueError
from carbon._kernels import (
    embodied_kernel,
    jsc_kernel,
    platform_kernel,
    product_by_requests_kernel,
    product_kernel,
    retraining_kernel,
)
from carbon._lazy import lazy_module
from carbon._units import magnitude, quantity

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")  # imported on first use: carbon's formulas need no pandas

__all__ = [
    "embodied_share",
    "intensity_of",
    "jsc",
    "platform_share",
    "product_share",
    "product_share_by_requests",
    "retraining_share",
]


def intensity_of(
    intensity: Any,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    power: pd.Series | None = None,
) -> float:
    """Magnitude [gCO2e/kWh] of a quantity or an energy mix over an optional window."""
    if isinstance(intensity, EnergyMix):
        return intensity.mean_gco2e_per_kwh(start, end, power)
    return magnitude(intensity, "gCO2e/kWh", "intensity")  # type: ignore[no-any-return]


def jsc(
    energy: Any,
    *,
    intensity: Any,
    pue: Any = 1.0,
    start: datetime | None = None,
    end: datetime | None = None,
    power: pd.Series | None = None,
) -> Any:
    """Operational carbon of a job on one system: ``JSC = E * PUE * CI`` [1], [2], [3].

    Parameters
    ----------
    energy : energy the job used on the host [energy, e.g. kJ, kWh].
    intensity : carbon intensity of the electricity [gCO2e/kWh], or an energy mix
        (``ConstantIntensity``, ``SourceMix``, ``HourlyIntensity``).
    pue : facility power usage effectiveness [dimensionless], >= 1. The default 1 books no overhead.
    start, end : the job's window (needed for an ``HourlyIntensity``).
    power : optional power trace [W] indexed by time, to weight hourly intensities.

    Returns
    -------
    gCO2e quantity (array when ``energy`` is an array quantity).

    Examples
    --------
    Worked example [1]: 1 kJ at PUE 1.08, 80 % coal and 20 % solar (665.6 gCO2e/kWh):

    >>> from carbon import Q_, SourceMix
    >>> jsc(Q_(1, "kJ"), intensity=SourceMix({"coal": 0.8, "solar_utility": 0.2}), pue=1.08)
    <Quantity(0.199680000..., 'gram_CO2e')>
    """
    e = magnitude(energy, "kWh", "energy")
    p = at_least(pue, 1.0, "pue", " (1.08 means 8 % facility overhead)")
    ci = intensity_of(intensity, start=start, end=end, power=power)
    return _carbon(jsc_kernel(e, p, ci), "jsc")


def embodied_share(embodied: Any, *, duration: Any, lifetime: Any, fraction: Any = 1.0) -> Any:
    """Embodied hardware carbon a job is taxed: ``ec = EC * t / LT * u`` [1], [4].

    Parameters
    ----------
    embodied : embodied (manufacturing) carbon of the system, EC [gCO2e, kgCO2e, ...].
    duration : how long the job held the system, t [time].
    lifetime : expected lifetime of the system, LT [time], > 0 (a year is 365 days).
    fraction : share of the system the job held, u [dimensionless], in [0, 1] (1 when alone).

    Examples
    --------
    Worked example [1]: 5 minutes alone on a system of 10,000 gCO2e over 3 years:

    >>> from carbon import Q_
    >>> embodied_share(Q_(10_000, "gCO2e"), duration=Q_(5, "min"), lifetime=Q_(3, "year"))
    <Quantity(0.031709791..., 'gram_CO2e')>
    """
    ec = magnitude(embodied, "gCO2e", "embodied")
    t = magnitude(duration, "s", "duration")
    lt = _positive_time(lifetime, "lifetime")
    u = unit_interval(fraction, "fraction")
    return _carbon(embodied_kernel(ec, t, lt, u), "embodied_share")


def platform_share(
    rate: Any, *, duration: Any, concurrent_jobs: Any = 1, share: Any | None = None
) -> Any:
    """The platform tax of a job: ``R_p * t / n_concurrent`` (or ``R_p * t * share``) [1], [5].

    Parameters
    ----------
    rate : carbon rate of the always-on platform, R_p [gCO2e per time].
    duration : how long the job ran, t [time].
    concurrent_jobs : number of equal-sized concurrent jobs sharing the platform
        [dimensionless], >= 1.
    share : instead of an equal split, the job's share of the platform [dimensionless], in
        [0, 1] (e.g. its GPU-seconds over all GPU-seconds in the interval).

    Examples
    --------
    Worked example [1]: 50 gCO2e/min, 5 minutes, beside 9 other jobs:

    >>> from carbon import Q_
    >>> platform_share(Q_(50, "gCO2e/min"), duration=Q_(5, "min"), concurrent_jobs=10)
    <Quantity(25.0, 'gram_CO2e')>
    """
    r = magnitude(rate, "gCO2e/s", "rate")
    t = magnitude(duration, "s", "duration")
    if share is None:
        n = at_least(concurrent_jobs, 1.0, "concurrent_jobs")
        s = 1.0 / n
    else:
        if concurrent_jobs != 1:
            raise InvalidValueError(
                "share", share, "either share or concurrent_jobs, not both"
            )
        s = unit_interval(share, "share")
    return _carbon(platform_kernel(r, t, s), "platform_share")


def product_share(epc: Any, *, duration: Any, lifetime: Any, parallel_jobs: Any = 1) -> Any:
    """A job's share of a product's EPC by time: ``EPC * t / (LT_p * n_par)`` [1], [5].

    Parameters
    ----------
    epc : embodied product cost of the product used [gCO2e].
    duration : how long the job used the product, t [time].
    lifetime : the product's lifetime, LT_p [time], > 0.
    parallel_jobs : jobs of about equal size running on the product at any time
        [dimensionless], >= 1.

    Examples
    --------
    Worked example [1]: a container runs 5 days on a platform beside 9 equal jobs, lifetime 6 years:

    >>> from carbon import Q_
    >>> product_share(Q_(1, "tCO2e"), duration=Q_(5, "day"), lifetime=Q_(6, "year"),
    ...               parallel_jobs=10).to("gCO2e")
    <Quantity(228.310502..., 'gram_CO2e')>
    """
    e = magnitude(epc, "gCO2e", "epc")
    t = magnitude(duration, "s", "duration")
    lt = _positive_time(lifetime, "lifetime")
    n = at_least(parallel_jobs, 1.0, "parallel_jobs")
    return _carbon(product_kernel(e, t, lt, n), "product_share")


def product_share_by_requests(epc: Any, *, requests: Any) -> Any:
    """A request's share of a model's EPC by expected request count: ``EPC / N_lifetime`` [1], [5].

    >>> from carbon import Q_
    >>> product_share_by_requests(Q_(1, "tCO2e"), requests=1e9)
    <Quantity(0.001, 'gram_CO2e')>
    """
    e = magnitude(epc, "gCO2e", "epc")
    n = positive(requests, "requests")
    return _carbon(product_by_requests_kernel(e, n), "product_share_by_requests")


def retraining_share(retraining: Any, *, requests: Any) -> Any:
    """Each request's share of re-training in an interval: ``cf_rt / n`` [1], [5].

    Parameters
    ----------
    retraining : carbon of the re-training jobs in the interval, cf_rt [gCO2e].
    requests : requests served in the same interval, n [dimensionless], > 0.

    >>> from carbon import Q_
    >>> retraining_share(Q_(2, "kgCO2e"), requests=1_000_000)
    <Quantity(0.002, 'gram_CO2e')>
    """
    c = magnitude(retraining, "gCO2e", "retraining")
    n = positive(requests, "requests")
    return _carbon(retraining_kernel(c, n), "retraining_share")


def _carbon(grams: Any, what: str) -> Any:
    """The result as gCO2e; a result that overflowed (inputs near the float limit) is an
    error, never inf (the fleet path refuses the same inputs)."""
    if not np.all(np.isfinite(grams)):
        raise InvalidValueError(what, "inf", "inputs whose product is a finite amount of "
                                "carbon (the result overflowed float64: check the units)")
    return quantity(grams, "gCO2e")


def _positive_time(value: Any, field: str) -> Any:
    t = magnitude(value, "s", field)
    return positive(t, field)
