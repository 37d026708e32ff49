"""The metric formulas (JSC, embodied, platform, product and retraining shares): golden
vectors from METRICS.md, properties against a naive pint oracle, and an edge table in which
every bad input raises an error that names the field, the value and the fix."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import carbon
from carbon import Q_, InvalidValueError, ModelCarbonError, UnitMismatchError
from tests.carbon import golden
from tests.carbon.examples import CI
from tests.carbon.strategies import (
    counts,
    durations_s,
    embodied_g,
    energies_kwh,
    intensities,
    lifetimes_s,
    pues,
)

REL = 1e-9


def close(a: float, b: float, rel: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


# golden vectors ---------------------------------------------------------------------
FUNCTIONS = {
    "jsc": carbon.jsc,
    "embodied_share": carbon.embodied_share,
    "platform_share": carbon.platform_share,
    "product_share": carbon.product_share,
    "product_share_by_requests": carbon.product_share_by_requests,
    "retraining_share": carbon.retraining_share,
}
VECTORS = golden.vectors(*FUNCTIONS)


def test_every_vector_has_a_source_a_tolerance_and_a_test_module() -> None:
    assert golden.VECTORS, "no golden vectors found"
    for v in golden.VECTORS:
        assert v["source"].strip() and v["rel_tol"] > 0 and v["function"] in golden.TESTED_IN
    assert len({v["id"] for v in golden.VECTORS}) == len(golden.VECTORS)
    assert {v["function"] for v in VECTORS} == set(FUNCTIONS)


@pytest.mark.parametrize("vector", VECTORS, ids=golden.ids(VECTORS))
def test_golden(vector: dict[str, Any]) -> None:
    golden.check(vector, FUNCTIONS[vector["function"]])


# edge table -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "field", "error"),
    [
        (lambda: carbon.jsc(Q_(-1, "kWh"), intensity=CI), "energy", InvalidValueError),
        (lambda: carbon.jsc(1.0, intensity=CI), "energy", UnitMismatchError),
        (lambda: carbon.jsc(Q_(1, "kWh"), intensity=400), "intensity", UnitMismatchError),
        (lambda: carbon.jsc(Q_(1, "kWh"), intensity=CI, pue=0.99), "pue", InvalidValueError),
        (lambda: carbon.jsc(Q_(1, "kWh"), intensity=CI, pue=float("nan")), "pue",
         InvalidValueError),
        (lambda: carbon.jsc(Q_(np.array([1.0, np.nan]), "kWh"), intensity=CI), "energy",
         InvalidValueError),
        (lambda: carbon.jsc(Q_(float("inf"), "kWh"), intensity=CI), "energy",
         InvalidValueError),
        (lambda: carbon.jsc(Q_(1, "kWh"), intensity=Q_(-1, "gCO2e/kWh")), "intensity",
         InvalidValueError),
        (lambda: carbon.embodied_share(Q_(1, "kgCO2e"), duration=Q_(1, "h"),
                                       lifetime=Q_(0, "year")), "lifetime", InvalidValueError),
        (lambda: carbon.embodied_share(Q_(1, "kgCO2e"), duration=Q_(1, "h"),
                                       lifetime=Q_(1, "year"), fraction=1.5), "fraction",
         InvalidValueError),
        (lambda: carbon.embodied_share(Q_(1, "kg"), duration=Q_(1, "h"),
                                       lifetime=Q_(1, "year")), "embodied", UnitMismatchError),
        (lambda: carbon.embodied_share(Q_(1, "kgCO2e"), duration=Q_(-1, "h"),
                                       lifetime=Q_(1, "year")), "duration", InvalidValueError),
        (lambda: carbon.platform_share(Q_(1, "gCO2e/s"), duration=Q_(1, "s"),
                                       concurrent_jobs=0), "concurrent_jobs", InvalidValueError),
        (lambda: carbon.platform_share(Q_(1, "gCO2e/s"), duration=Q_(1, "s"), share=-0.1),
         "share", InvalidValueError),
        (lambda: carbon.platform_share(Q_(1, "gCO2e"), duration=Q_(1, "s")), "rate",
         UnitMismatchError),
        (lambda: carbon.product_share(Q_(1, "gCO2e"), duration=Q_(1, "s"),
                                      lifetime=Q_(1, "year"), parallel_jobs=0.5),
         "parallel_jobs", InvalidValueError),
        (lambda: carbon.retraining_share(Q_(1, "gCO2e"), requests=0), "requests",
         InvalidValueError),
        (lambda: carbon.product_share_by_requests(Q_(1, "gCO2e"), requests=float("inf")),
         "requests", InvalidValueError),
    ],
)
def test_bad_inputs(call: Any, field: str, error: type) -> None:
    with pytest.raises(error) as info:
        call()
    assert info.value.field == field
    assert field in str(info.value) and "expected" in str(info.value)
    assert isinstance(info.value, ModelCarbonError)


def test_platform_share_and_concurrency_are_exclusive() -> None:
    with pytest.raises(InvalidValueError, match="not both"):
        carbon.platform_share(Q_(1, "gCO2e/s"), duration=Q_(1, "s"), concurrent_jobs=2,
                              share=0.5)


def test_proportional_platform_share() -> None:
    sizes = np.array([1.0, 3.0])  # GPU-seconds of two jobs
    shares = sizes / sizes.sum()
    taxes = [carbon.platform_share(Q_(10, "gCO2e/s"), duration=Q_(2, "s"), share=s).m
             for s in shares]
    assert taxes == pytest.approx([5.0, 15.0])


def test_zero_inputs_give_zero_not_errors() -> None:
    assert carbon.jsc(Q_(0, "kWh"), intensity=CI).m == 0.0
    assert carbon.embodied_share(Q_(0, "gCO2e"), duration=Q_(1, "h"),
                                 lifetime=Q_(1, "year")).m == 0.0


def test_huge_and_tiny_values_stay_finite() -> None:
    assert carbon.jsc(Q_(1e15, "kWh"), intensity=CI).m == pytest.approx(4e17)
    assert carbon.jsc(Q_(1e-300, "kWh"), intensity=CI).m == pytest.approx(4e-298)


@given(e=energies_kwh, pue=pues, ci=intensities)
@example(e=1 / 3600, pue=1.08, ci=665.6)
def test_jsc_is_unit_invariant(e: float, pue: float, ci: float) -> None:
    ref = carbon.jsc(Q_(e, "kWh"), intensity=Q_(ci, "gCO2e/kWh"), pue=pue).m_as("gCO2e")
    for unit, factor in (("kJ", 3600.0), ("Wh", 1000.0), ("MJ", 3.6), ("J", 3.6e6)):
        got = carbon.jsc(Q_(e * factor, unit), intensity=Q_(ci / 1000, "kgCO2e/kWh"), pue=pue)
        assert close(got.m_as("gCO2e"), ref)


@given(e=energies_kwh, pue=pues, ci=intensities, k=st.floats(min_value=0.0, max_value=1e3))
def test_jsc_is_linear_in_energy(e: float, pue: float, ci: float, k: float) -> None:
    one = carbon.jsc(Q_(e, "kWh"), intensity=Q_(ci, "gCO2e/kWh"), pue=pue).m_as("gCO2e")
    scaled = carbon.jsc(Q_(k * e, "kWh"), intensity=Q_(ci, "gCO2e/kWh"), pue=pue).m_as("gCO2e")
    assert close(scaled, k * one, 1e-9)


@given(e=energies_kwh, pue=pues, ci=intensities, de=energies_kwh,
       dp=st.floats(min_value=0, max_value=1), dci=st.floats(min_value=0, max_value=100))
def test_jsc_is_monotone(e: float, pue: float, ci: float, de: float, dp: float,
                         dci: float) -> None:
    def f(e_: float, p_: float, c_: float) -> float:
        return float(carbon.jsc(Q_(e_, "kWh"), intensity=Q_(c_, "gCO2e/kWh"), pue=p_).m)

    base = f(e, pue, ci)
    assert f(e + de, pue, ci) >= base
    assert f(e, pue + dp, ci) >= base
    assert f(e, pue, ci + dci) >= base


@given(rate=st.floats(min_value=0, max_value=1e4), t=durations_s, n=counts)
def test_platform_shares_of_n_equal_jobs_sum_to_rate_times_duration(rate: float, t: float,
                                                                     n: int) -> None:
    one = carbon.platform_share(Q_(rate, "gCO2e/s"), duration=Q_(t, "s"), concurrent_jobs=n)
    assert close(n * one.m_as("gCO2e"), rate * t, 1e-9)


@given(emb=embodied_g, lt=lifetimes_s, pieces=st.integers(min_value=1, max_value=50))
def test_embodied_shares_over_the_whole_lifetime_sum_to_the_embodied_carbon(
        emb: float, lt: float, pieces: int) -> None:
    total = sum(carbon.embodied_share(Q_(emb, "gCO2e"), duration=Q_(lt / pieces, "s"),
                                      lifetime=Q_(lt, "s")).m_as("gCO2e") for _ in range(pieces))
    assert math.isclose(total, emb, rel_tol=1e-9, abs_tol=1e-9)


@given(e=st.lists(energies_kwh, min_size=1, max_size=30), ci=intensities, pue=pues)
def test_formula_on_arrays_equals_formula_on_scalars(e: list[float], ci: float,
                                                     pue: float) -> None:
    arr = carbon.jsc(Q_(np.array(e), "kWh"), intensity=Q_(ci, "gCO2e/kWh"), pue=pue).m
    for x, y in zip(e, arr, strict=True):
        assert close(carbon.jsc(Q_(x, "kWh"), intensity=Q_(ci, "gCO2e/kWh"), pue=pue).m, y)


@given(epc=embodied_g, t=durations_s, lt=lifetimes_s, n=counts)
def test_product_share_matches_the_pint_oracle(epc: float, t: float, lt: float,
                                               n: int) -> None:
    got = carbon.product_share(Q_(epc, "gCO2e"), duration=Q_(t, "s"), lifetime=Q_(lt, "s"),
                               parallel_jobs=n)
    oracle = Q_(epc, "gCO2e") * Q_(t, "s") / (Q_(lt, "s") * n)
    assert close(got.m_as("gCO2e"), oracle.m_as("gCO2e"))


@given(total=embodied_g, n=counts)
@example(total=1e6, n=3)  # 1/3 does not divide exactly: the shares still add back up
def test_per_request_shares_of_n_requests_add_up_to_the_whole(total: float, n: int) -> None:
    for share in (carbon.product_share_by_requests, carbon.retraining_share):
        one = share(Q_(total, "gCO2e"), requests=n).m_as("gCO2e")
        assert math.isclose(n * one, total, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("unit, factor", [("kgCO2e", 1e3), ("tCO2e", 1e6), ("mgCO2e", 1e-3)])
def test_shares_are_returned_in_grams_whatever_the_input_unit(unit: str, factor: float) -> None:
    got = carbon.retraining_share(Q_(2, unit), requests=4)
    assert str(got.units) == "gCO2e" and got.m == pytest.approx(0.5 * factor, rel=1e-15)


def test_intensity_of_takes_a_quantity_or_a_mix() -> None:
    mix = carbon.SourceMix({"coal": 0.8, "solar_utility": 0.2})
    assert carbon.intensity_of(mix) == pytest.approx(665.6)
    assert carbon.intensity_of(Q_(0.4, "kgCO2e/kWh")) == pytest.approx(400.0)
    with pytest.raises(UnitMismatchError, match="intensity="):
        carbon.intensity_of(Q_(400, "gCO2e"))


def test_the_default_pue_books_no_overhead() -> None:
    assert carbon.jsc(Q_(1, "kWh"), intensity=CI).m == 400.0
    assert carbon.jsc(Q_(1, "kWh"), intensity=CI, pue=1.0).m == 400.0


def test_quantity_pue_in_percent_is_read_as_a_number() -> None:
    # a dimensionless quantity is a number: 108 % is a PUE of 1.08
    got = carbon.jsc(Q_(1, "kWh"), intensity=CI, pue=Q_(108, "percent"))
    assert got.m == pytest.approx(432.0)
    with pytest.raises(UnitMismatchError, match="pue"):
        carbon.jsc(Q_(1, "kWh"), intensity=CI, pue=Q_(1.1, "W"))
