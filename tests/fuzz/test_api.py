"""Fuzzing the public API: only the project's errors, never NaN, inf or negative carbon.

Generated inputs of every kind a careless caller passes (numbers, strings with and without
units, quantities of other dimensions, NaN, inf, huge and tiny magnitudes, bools, arrays,
None) go to the formulas and records; each call either returns finite, non-negative carbon
(and a breakdown whose parts sum to its total) or raises a ``carbon.ModelCarbonError``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import carbon
from carbon import Q_, ModelCarbonError

_UNITS = ["kWh", "J", "MJ", "gCO2e", "kgCO2e", "s", "h", "year", "W", "gCO2e/kWh",
          "gCO2e/day", "g", "m", "dimensionless", "1/s"]
_MAGS = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                  st.sampled_from([0.0, -0.0, 1e-300, 1e300, -1.0, 5e-324, 1.7e308]),
                  st.integers(-10**30, 10**30))
_VALUES = st.one_of(
    _MAGS,
    st.booleans(),
    st.none(),
    st.text(max_size=20),
    st.builds(lambda m, u: f"{m} {u}", _MAGS, st.sampled_from(_UNITS)),
    st.builds(lambda m, u: Q_(m, u), st.floats(allow_nan=True, allow_infinity=True),
              st.sampled_from(_UNITS)),
    st.builds(lambda u: Q_(np.array([1.0, -2.0]), u), st.sampled_from(_UNITS)),
)


def _plausible(unit: str) -> st.SearchStrategy[Any]:
    """The right unit with any magnitude from 0 to the float limit (overflow territory)."""
    return st.builds(lambda m: Q_(m, unit), st.one_of(
        st.floats(0, 1.7e308), st.sampled_from([0.0, 5e-324, 1e-300, 1e300, 1.7e308])))


def _either(unit: str) -> st.SearchStrategy[Any]:
    """Mostly the right unit (so that whole records get built), sometimes anything."""
    return st.one_of(_plausible(unit), _plausible(unit), _plausible(unit), _VALUES)


def _check_carbon(result: Any) -> None:
    m = np.asarray(result.m_as("gCO2e"), dtype=float)
    assert np.all(np.isfinite(m)) and np.all(m >= 0), result


@settings(max_examples=300, deadline=None)
@given(energy=_either("kWh"), intensity=_either("gCO2e/kWh"),
       pue=st.one_of(st.floats(1, 1e308), _VALUES))
def test_jsc(energy: Any, intensity: Any, pue: Any) -> None:
    try:
        out = carbon.jsc(energy, intensity=intensity, pue=pue)
    except ModelCarbonError:
        return
    _check_carbon(out)


@settings(max_examples=300, deadline=None)
@given(embodied=_either("gCO2e"), duration=_either("s"), lifetime=_either("s"),
       fraction=st.one_of(st.floats(0, 1), _VALUES))
def test_embodied_share(embodied: Any, duration: Any, lifetime: Any, fraction: Any) -> None:
    try:
        out = carbon.embodied_share(embodied, duration=duration, lifetime=lifetime,
                                    fraction=fraction)
    except ModelCarbonError:
        return
    _check_carbon(out)


@settings(max_examples=200, deadline=None)
@given(rate=_either("gCO2e/s"), duration=_either("s"), n=st.one_of(st.floats(1, 1e9), _VALUES))
def test_platform_share(rate: Any, duration: Any, n: Any) -> None:
    try:
        out = carbon.platform_share(rate, duration=duration, concurrent_jobs=n)
    except ModelCarbonError:
        return
    _check_carbon(out)


@settings(max_examples=200, deadline=None)
@given(epc=_either("gCO2e"), requests=st.one_of(st.floats(5e-324, 1e308), _VALUES),
       carbon_rt=_either("gCO2e"))
def test_request_shares(epc: Any, requests: Any, carbon_rt: Any) -> None:
    for call in (lambda: carbon.product_share_by_requests(epc, requests=requests),
                 lambda: carbon.retraining_share(carbon_rt, requests=requests)):
        try:
            out = call()
        except ModelCarbonError:
            continue
        _check_carbon(out)


@settings(max_examples=300, deadline=None)
@given(energy=_either("kWh"), embodied=_either("gCO2e"), lifetime=_either("s"),
       pue=st.one_of(st.floats(1, 1e308), _VALUES), mix=_either("gCO2e/kWh"),
       duration=_either("s"), fraction=st.one_of(st.floats(0, 1), _VALUES))
@example(energy=Q_(1e300, "kWh"), embodied=Q_(1e300, "gCO2e"), lifetime=Q_(1, "s"), pue=1.0,
         mix=Q_(1e300, "gCO2e/kWh"), duration=Q_(1e300, "s"), fraction=1.0)  # bug: inf carbon
def test_records_and_breakdown(energy: Any, embodied: Any, lifetime: Any, pue: Any, mix: Any,
                               duration: Any, fraction: Any) -> None:
    try:
        fac = carbon.Facility(name="dc", pue=pue, mix=mix)
        box = carbon.System(name="box", embodied=embodied, lifetime=lifetime, facility=fac)
        use = carbon.EnergyUse(system=box, energy=energy, provenance="measured",
                               fraction=fraction)
        job = carbon.Job(name="j", duration=duration, energy=[use])
        b = carbon.asc_e(job)
    except ModelCarbonError:
        return
    parts = b.parts()
    total = b.asc_e.m_as("gCO2e")
    assert math.isfinite(total) and total >= 0
    assert math.isclose(sum(v.m_as("gCO2e") for v in parts.values()), total, rel_tol=1e-9,
                        abs_tol=1e-300)
    for v in parts.values():
        _check_carbon(v)


_ARRAYS = st.one_of(
    st.builds(lambda u: Q_(np.array([1.0, 2.0]), u), st.sampled_from(["kWh", "gCO2e", "s"])),
    st.builds(lambda u: Q_([1, 2], u), st.sampled_from(["kWh", "gCO2e", "s"])),
    st.builds(lambda u: Q_(np.array(1.0), u), st.sampled_from(["kWh", "gCO2e", "s"])),
    st.builds(lambda u: Q_(np.array([True]), u), st.sampled_from(["kWh", "gCO2e", "s"])),
    st.just(True), st.just(np.float64(0.7)), st.just(np.array([1.0])),
)


@settings(max_examples=100, deadline=None)
@given(value=_ARRAYS, field=st.sampled_from(["energy", "embodied", "lifetime", "duration"]))
@example(value=Q_([1, 2], "kWh"), field="energy")
@example(value=True, field="energy")
def test_records_refuse_arrays_and_bools(value: Any, field: str) -> None:
    """A record field holds one amount: an array, a list or a bool is refused, named."""
    fac = carbon.Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
    kw: dict[str, Any] = {"embodied": "1 kgCO2e", "lifetime": "1 year", "energy": "1 kWh",
                          "duration": "1 h"}
    kw[field] = value
    try:
        box = carbon.System(name="box", embodied=kw["embodied"], lifetime=kw["lifetime"],
                            facility=fac)
        use = carbon.EnergyUse(system=box, energy=kw["energy"], provenance="measured")
        job = carbon.Job(name="j", duration=kw["duration"], energy=[use])
    except ModelCarbonError as e:
        text = str(e)
        assert "np.float64" not in text and "Quantity(" not in text and "array(" not in text, text
        return
    # only a 0-d array of the right unit is one amount
    assert np.ndim(getattr(value, "magnitude", value)) == 0 and not isinstance(value, bool)
    assert np.ndim(job.energy[0].energy.magnitude) == 0


@settings(max_examples=200, deadline=None)
@given(value=_VALUES)
def test_magnitude_errors_are_short(value: Any) -> None:
    """An error shows the value as a user reads it, never an object dump."""
    try:
        carbon.magnitude(value, "kWh", "energy", scalar=True)
    except ModelCarbonError as e:
        text = str(e)
        assert "np.float64" not in text and "<Quantity" not in text and len(text) < 300, text
