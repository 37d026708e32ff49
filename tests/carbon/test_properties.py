"""Hypothesis properties of the carbon formulas, against a naive pint oracle."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

import carbon
from carbon import Q_
from tests.carbon.strategies import (
    counts,
    durations_s,
    embodied_g,
    energies_kwh,
    fractions,
    intensities,
    lifetimes_s,
    pues,
)

REL = 1e-9


def close(a: float, b: float, rel: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


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


def _job(e: float, t: float, pue: float, ci: float, emb: float, lt: float, u: float,
         rate: float, n: int, epc: float, plt: float, npar: int) -> carbon.Job:
    fac = carbon.Facility(name="f", pue=pue, mix=Q_(ci, "gCO2e/kWh"))
    box = carbon.System(name="s", embodied=Q_(emb, "gCO2e"), lifetime=Q_(lt, "s"), facility=fac)
    return carbon.Job(
        name="j", duration=Q_(t, "s"),
        energy=[carbon.EnergyUse(system=box, energy=Q_(e, "kWh"), provenance="measured",
                                 fraction=u)],
        platform=carbon.PlatformUse(name="p", rate=Q_(rate, "gCO2e/s"), concurrent_jobs=n),
        products=[carbon.ProductUse(name="m", epc=Q_(epc, "gCO2e"), lifetime=Q_(plt, "s"),
                                    parallel_jobs=npar)],
    )


job_args = st.tuples(energies_kwh, durations_s, pues, intensities, embodied_g, lifetimes_s,
                     fractions, st.floats(min_value=0, max_value=100), counts, embodied_g,
                     lifetimes_s, counts)


@given(args=job_args)
def test_breakdown_parts_sum_to_total_and_match_the_pint_oracle(args: tuple) -> None:
    e, t, pue, ci, emb, lt, u, rate, n, epc, plt, npar = args
    b = carbon.asc_e(_job(*args))
    assert close(sum(q.m for q in b.parts().values()), b.asc_e.m)
    # naive oracle: the formulas written out with pint quantities
    E, T = Q_(e, "kWh"), Q_(t, "s")
    oracle = (E * pue * Q_(ci, "gCO2e/kWh") + Q_(emb, "gCO2e") * T / Q_(lt, "s") * u
              + Q_(rate, "gCO2e/s") * T / n + Q_(epc, "gCO2e") * T / (Q_(plt, "s") * npar))
    assert close(b.asc_e.m, oracle.m_as("gCO2e"))
    assert close(b.jsc.m + b.embodied_g, b.asc.m) and close(b.jsc.m + b.platform_g, b.jsc_e.m)


@given(args=job_args, split=st.floats(min_value=0.01, max_value=0.99))
def test_splitting_a_job_in_two_preserves_every_term(args: tuple, split: float) -> None:
    e, t, *rest = args
    whole = carbon.asc_e(_job(e, t, *rest))
    a = carbon.asc_e(_job(e * split, t * split, *rest))
    b = carbon.asc_e(_job(e * (1 - split), t * (1 - split), *rest))
    for part in carbon.PARTS:
        w = getattr(whole, f"{part}_g")
        assert math.isclose(getattr(a + b, f"{part}_g"), w, rel_tol=1e-9, abs_tol=1e-12 * (1 + w))


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


@given(name=st.sampled_from(sorted(carbon.emission_factors())))
def test_a_one_source_mix_equals_that_sources_factor(name: str) -> None:
    assert carbon.mix_intensity({name: 1.0}).m == carbon.emission_factors()[name].gco2e_per_kwh


@given(ci=intensities, hours=st.integers(min_value=1, max_value=72),
       start_min=st.integers(min_value=0, max_value=59), length_min=st.integers(1, 600))
def test_a_constant_hourly_series_equals_the_constant(ci: float, hours: int, start_min: int,
                                                      length_min: int) -> None:
    idx = pd.date_range("2026-03-01", periods=hours + 12, freq="h", tz="UTC")
    series = carbon.HourlyIntensity(pd.Series(ci, index=idx), source="constant test series")
    start = idx[0] + pd.Timedelta(minutes=start_min)
    end = start + pd.Timedelta(minutes=min(length_min, 60 * hours))
    assert math.isclose(series.mean_gco2e_per_kwh(start, end), ci, rel_tol=1e-12, abs_tol=1e-12)


@given(rows=st.lists(job_args, min_size=1, max_size=20))
def test_vectorised_equals_scalar_on_random_frames(rows: list[tuple]) -> None:
    cols = ["energy [kWh]", "duration [s]", "pue", "intensity [gCO2e/kWh]", "embodied [gCO2e]",
            "lifetime [s]", "fraction", "platform_rate [gCO2e/s]", "concurrent_jobs",
            "epc [gCO2e]", "product_lifetime [s]", "parallel_jobs"]
    df = pd.DataFrame(rows, columns=cols)
    frame = carbon.asc_e_frame(df)
    for i, args in enumerate(rows):
        b = carbon.asc_e(_job(*args))
        for part in carbon.PARTS:
            assert close(frame[f"{part} [gCO2e]"].iloc[i], getattr(b, f"{part}_g"))
        assert close(frame["asc_e [gCO2e]"].iloc[i], b.asc_e_g)
        assert close(frame["jsc [gCO2e]"].iloc[i], b.jsc_g)
    assert np.allclose(carbon.asc_e_frame(df, breakdown=False).to_numpy(),
                       frame["asc_e [gCO2e]"].to_numpy(), rtol=1e-12)


@given(e=st.lists(energies_kwh, min_size=1, max_size=30), ci=intensities, pue=pues)
def test_formula_on_arrays_equals_formula_on_scalars(e: list[float], ci: float,
                                                     pue: float) -> None:
    arr = carbon.jsc(Q_(np.array(e), "kWh"), intensity=Q_(ci, "gCO2e/kWh"), pue=pue).m
    for x, y in zip(e, arr, strict=True):
        assert close(carbon.jsc(Q_(x, "kWh"), intensity=Q_(ci, "gCO2e/kWh"), pue=pue).m, y)
