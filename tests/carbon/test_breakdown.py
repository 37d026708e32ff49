"""asc_e and its Breakdown: the worked example of METRICS.md, parts that sum to the total and
match a naive pint oracle, splitting a job preserves every term, and the wiring of windows,
held durations, fractions and uncertainties."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import carbon
from carbon import Q_, InvalidValueError
from tests.carbon import golden, published
from tests.carbon.examples import BOX, FAC, hourly, job, use
from tests.carbon.strategies import job_args

REL = 1e-9


def close(a: float, b: float, rel: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)


def _asc(energy: Any, intensity: Any, pue: float, embodied: Any, duration: Any,
         lifetime: Any) -> Any:
    fac = carbon.Facility(name="f", pue=pue, mix=intensity)
    box = carbon.System(name="s", embodied=embodied, lifetime=lifetime, facility=fac)
    j = carbon.Job(name="j", duration=duration,
                   energy=[carbon.EnergyUse(system=box, energy=energy, provenance="reported")])
    return carbon.asc_e(j).asc


VECTORS = golden.vectors("asc")


@pytest.mark.parametrize("vector", VECTORS, ids=golden.ids(VECTORS))
def test_golden(vector: dict[str, Any]) -> None:
    golden.check(vector, _asc)


@given(args=job_args)
def test_breakdown_parts_sum_to_total_and_match_the_pint_oracle(args: tuple) -> None:
    e, t, pue, ci, emb, lt, u, rate, n, epc, plt, npar = args
    b = carbon.asc_e(job(*args))
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
    whole = carbon.asc_e(job(e, t, *rest))
    a = carbon.asc_e(job(e * split, t * split, *rest))
    b = carbon.asc_e(job(e * (1 - split), t * (1 - split), *rest))
    for part in carbon.PARTS:
        w = getattr(whole, f"{part}_g")
        assert math.isclose(getattr(a + b, f"{part}_g"), w, rel_tol=1e-9, abs_tol=1e-12 * (1 + w))


def test_the_parts_are_the_seven_terms_in_report_order() -> None:
    b = carbon.asc_e(carbon.Job(name="j", duration="1 h", energy=[use()]))
    assert tuple(b.parts()) == carbon.PARTS == (
        "operational", "overhead", "idle", "embodied", "platform", "products", "retraining")
    assert b.total == b.asc_e and str(b.asc_e.units) == "gCO2e"


def test_one_line_per_system_with_its_provenance() -> None:
    other = carbon.System(name="gpu", embodied="150 kgCO2e", lifetime="3 year", facility=FAC)
    j = carbon.Job(name="j", duration="1 h", energy=[
        use(), carbon.EnergyUse(system=other, energy="2 kWh", provenance="sampled")])
    b = carbon.asc_e(j)
    assert [(s.system, s.provenance, s.energy_kwh) for s in b.systems] == [
        ("box", "measured", 1.0), ("gpu", "sampled", 2.0)]
    assert sum(s.operational_g + s.overhead_g for s in b.systems) == pytest.approx(b.jsc_g)
    assert b.systems[1].operational_g == pytest.approx(2 * 400)
    assert b.systems[1].overhead_g == pytest.approx(2 * 0.1 * 400)


def test_retraining_and_requests_basis_products() -> None:
    j = carbon.Job(name="j", duration="1 s", energy=[use(energy="0 kWh")],
                   products=[carbon.ProductUse(name="m", epc="1 tCO2e", requests=1e6)],
                   retraining=carbon.RetrainingUse(carbon="2 kgCO2e", requests=1e3))
    b = carbon.asc_e(j)
    assert b.products_g == pytest.approx(1.0) and b.retraining_g == pytest.approx(2.0)
    assert b.jsc_g == 0.0 and b.asc_e_g == pytest.approx(b.embodied_g + 3.0)


def test_uncertainty_is_none_when_one_figure_has_none() -> None:
    j = carbon.Job(name="j", duration="1 h",
                   energy=[use(uncertainty="0.1 kWh"), use()])
    b = carbon.asc_e(j)
    assert b.uncertainty is None and b.jsc_uncertainty is None
    assert any("energy on box" in r for r in b.jsc_u.unknown)
    job2 = carbon.Job(name="j", duration="1 h", energy=[use(uncertainty="0.1 kWh")])
    b2 = carbon.asc_e(job2)
    assert b2.jsc_uncertainty.m == pytest.approx(0.1 * 1.1 * 400)
    # BOX states no range on its embodied carbon: ASC and ASC^e uncertainty stay unknown
    assert b2.uncertainty is None and b2.asc_uncertainty is None
    assert b2.uncertainty_unknown == ("embodied carbon of box: no stated uncertainty",)


def test_jsc_uncertainty_is_the_root_sum_square_of_the_energy_figures() -> None:
    j = carbon.Job(name="j", duration="1 h",
                   energy=[use(uncertainty="0.3 kWh"), use(uncertainty="0.4 kWh")])
    assert carbon.asc_e(j).jsc_uncertainty_g == pytest.approx(0.5 * 1.1 * 400)


def _all_stated(e_u: float, ec_u: float, rate_u: float, epc_u: float, rt_u: float,
                args: tuple) -> carbon.Job:
    e, t, pue, ci, emb, lt, u, rate, n, epc, plt, npar = args
    fac = carbon.Facility(name="f", pue=pue, mix=Q_(ci, "gCO2e/kWh"))
    box = carbon.System(name="s", embodied=Q_(emb, "gCO2e"), lifetime=Q_(lt, "s"),
                        facility=fac, embodied_uncertainty=Q_(ec_u, "gCO2e"))
    return carbon.Job(
        name="j", duration=Q_(t, "s"),
        energy=[carbon.EnergyUse(system=box, energy=Q_(e, "kWh"), provenance="measured",
                                 fraction=u, uncertainty=Q_(e_u, "kWh"))],
        platform=carbon.PlatformUse(name="p", rate=Q_(rate, "gCO2e/s"), concurrent_jobs=n,
                                    uncertainty=Q_(rate_u, "gCO2e/s")),
        products=[carbon.ProductUse(name="m", epc=Q_(epc, "gCO2e"), lifetime=Q_(plt, "s"),
                                    parallel_jobs=npar, uncertainty=Q_(epc_u, "gCO2e"))],
        retraining=carbon.RetrainingUse(carbon="5 kgCO2e", requests=1e3,
                                        uncertainty=Q_(rt_u, "gCO2e")))


_u = st.floats(min_value=0, max_value=1e3)


@given(args=job_args, e_u=_u, ec_u=_u, rate_u=_u, epc_u=_u, rt_u=_u)
@example(args=(1.0, 300.0, 1.08, 665.6, 1e4, 3 * 365 * 86400.0, 1.0, 0.0, 1, 0.0, 1.0, 1),
         e_u=0.1, ec_u=0.0, rate_u=0.0, epc_u=0.0, rt_u=0.0)  # JSC's term alone
def test_asc_e_uncertainty_is_the_rss_of_each_weighted_input(
        args: tuple, e_u: float, ec_u: float, rate_u: float, epc_u: float, rt_u: float) -> None:
    _, t, pue, ci, _, lt, u, _, n, _, plt, npar = args
    b = carbon.asc_e(_all_stated(e_u, ec_u, rate_u, epc_u, rt_u, args))
    # naive oracle: each input's uncertainty times its weight, squared, summed, rooted
    terms = [e_u * pue * ci, ec_u * t / lt * u, rate_u * t / n, epc_u * t / (plt * npar),
             rt_u / 1e3]
    def near(a: float, b: float) -> bool:  # squares of terms below 1e-154 underflow
        return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-150)

    assert near(b.uncertainty_g, math.sqrt(sum(x * x for x in terms)))
    assert near(b.jsc_uncertainty_g, terms[0])
    assert near(b.asc_uncertainty.m, math.sqrt(terms[0] ** 2 + terms[1] ** 2))


@given(args=job_args, e_u=_u, k=st.floats(min_value=1e-3, max_value=1e3))
@example(args=(1.0, 300.0, 1.0, 400.0, 0.0, 1.0, 1.0, 0.0, 1, 0.0, 1.0, 1), e_u=1.0, k=2.0)
def test_uncertainty_scales_linearly_with_the_input_uncertainties(
        args: tuple, e_u: float, k: float) -> None:
    one = carbon.asc_e(_all_stated(e_u, e_u, e_u, e_u, e_u, args)).uncertainty_g
    scaled = carbon.asc_e(_all_stated(k * e_u, k * e_u, k * e_u, k * e_u, k * e_u, args))
    assert close(scaled.uncertainty_g, k * one, 1e-7)


@pytest.mark.parametrize("missing", ["embodied", "platform", "products", "retraining"])
def test_an_input_without_a_stated_uncertainty_makes_asc_e_unknown(missing: str) -> None:
    args = (1.0, 300.0, 1.1, 400.0, 1e4, 1e8, 1.0, 1.0, 1, 1e6, 1e8, 1)
    j = _all_stated(0.1, 1.0, 0.1, 1.0, 1.0, args)
    field = {"embodied": "energy", "platform": "platform", "products": "products",
             "retraining": "retraining"}[missing]
    if missing == "embodied":
        box = j.energy[0].system.model_copy(update={"embodied_uncertainty": None})
        j = j.model_copy(update={field: [j.energy[0].model_copy(update={"system": box})]})
    elif missing == "products":
        j = j.model_copy(update={field: [j.products[0].model_copy(update={"uncertainty": None})]})
    else:
        j = j.model_copy(update={field: getattr(j, field).model_copy(
            update={"uncertainty": None})})
    b = carbon.asc_e(j)
    assert b.uncertainty is None and b.jsc_uncertainty is not None  # never zero
    assert len(b.uncertainty_unknown) == 1
    assert getattr(b, f"{missing}_u").g is None


def test_adding_breakdowns_adds_uncertainties_only_when_both_are_known() -> None:
    known = carbon.asc_e(carbon.Job(name="a", duration="1 h", energy=[use(uncertainty="0.1 kWh")]))
    unknown = carbon.asc_e(carbon.Job(name="b", duration="1 h", energy=[use()]))
    # independent jobs: root-sum-square
    assert (known + known).jsc_uncertainty_g == pytest.approx(
        math.sqrt(2) * known.jsc_uncertainty_g)
    assert (known + unknown).jsc_uncertainty is None
    assert (unknown + known).jsc_uncertainty is None
    assert len((known + unknown).systems) == 2


def test_held_duration_and_fraction_per_system() -> None:
    j = carbon.Job(name="j", duration="10 h",
                   energy=[use(duration="1 h", fraction=0.25)])
    expected = 1e6 * 3600 / (4 * 365 * 86400) * 0.25
    assert carbon.asc_e(j).embodied_g == pytest.approx(expected, rel=1e-12)


def test_hourly_job_in_a_facility_uses_the_window() -> None:
    fac = carbon.Facility(name="dc", pue=1.0, mix=hourly([100.0, 300.0]))
    box = carbon.System(name="b", embodied="0 gCO2e", lifetime="1 year", facility=fac)
    j = carbon.Job(name="j", start=datetime(2026, 1, 1, 0, 30, tzinfo=UTC),
                   end=datetime(2026, 1, 1, 1, 30, tzinfo=UTC),
                   energy=[carbon.EnergyUse(system=box, energy="1 kWh", provenance="measured")])
    assert carbon.asc_e(j).jsc.m == pytest.approx(200.0)


def test_hourly_needs_a_window() -> None:
    fac = carbon.Facility(name="dc", pue=1.0, mix=hourly([100.0]))
    box = carbon.System(name="b", embodied="0 gCO2e", lifetime="1 year", facility=fac)
    j = carbon.Job(name="j", duration="1 h",
                   energy=[carbon.EnergyUse(system=box, energy="1 kWh", provenance="measured")])
    with pytest.raises(InvalidValueError, match="window"):
        carbon.asc_e(j)


def test_a_breakdown_is_frozen() -> None:
    b = carbon.asc_e(carbon.Job(name="j", duration="1 h", energy=[use()]))
    with pytest.raises(AttributeError):
        b.operational_g = 0.0  # type: ignore[misc]
    assert BOX.embodied.m == 1e6  # the records it read are untouched


# idle and infrastructure energy ----------------------------------------------------------

def _idle_job(dynamic_kwh: float, idle_kwh: float, pue: float = 1.5, ci: float = 400.0,
              u_dynamic: float | None = None, u_idle: float | None = None) -> Any:
    fac = carbon.Facility(name="f", pue=pue, mix=Q_(ci, "gCO2e/kWh"))
    box = carbon.System(name="s", embodied="1000 gCO2e", lifetime="1000 h", facility=fac)
    def u(v: float | None) -> Any:
        return None if v is None else Q_(v, "kWh")
    return carbon.Job(name="j", duration="10 h", energy=[
        carbon.EnergyUse(system=box, energy=Q_(dynamic_kwh, "kWh"), provenance="measured",
                         uncertainty=u(u_dynamic)),
        carbon.EnergyUse(system=box, energy=Q_(idle_kwh, "kWh"), provenance="estimated",
                         uncertainty=u(u_idle), role="idle")])


def test_idle_energy_is_a_part_of_its_own_inside_jsc() -> None:
    b = carbon.asc_e(_idle_job(2.0, 1.0, u_dynamic=0.1, u_idle=0.3))
    assert close(b.operational_g, 800.0) and close(b.overhead_g, 400.0)
    assert close(b.idle_g, 1.0 * 1.5 * 400.0)  # E_idle * PUE * CI
    assert close(b.jsc_g, 1800.0) and close(b.asc_g, 1800.0 + 10.0)
    assert close(b.idle_energy.m_as("kWh"), 1.5) and close(b.facility_energy.m, 4.5)
    assert [line.role for line in b.systems] == ["dynamic", "idle"]
    # its own uncertainty group, combined in quadrature into JSC
    assert b.idle_u.g is not None and close(b.idle_u.g, 0.3 * 1.5 * 400.0)
    assert b.jsc_uncertainty_g is not None and close(
        b.jsc_uncertainty_g, math.hypot(0.1 * 1.5 * 400.0, 0.3 * 1.5 * 400.0))
    assert "idle" in carbon.UNCERTAINTY_GROUPS


def test_idle_energy_without_an_uncertainty_makes_jsc_uncertainty_unknown() -> None:
    b = carbon.asc_e(_idle_job(2.0, 1.0, u_dynamic=0.1))
    assert b.jsc_u.g is not None and b.idle_u.g is None
    assert b.jsc_uncertainty is None
    assert any("idle energy" in r for r in b.uncertainty_of("jsc").unknown)


@example(dyn=1.0, idle=0.0, pue=1.0)
@example(dyn=0.0, idle=5.0, pue=2.0)
@given(dyn=st.floats(0, 1e6), idle=st.floats(0, 1e6), pue=st.floats(1, 3))
def test_idle_adds_like_dynamic_energy_but_apart(dyn: float, idle: float, pue: float) -> None:
    # oracle: the same energy all dynamic gives the same JSC; the idle part is E * PUE * CI
    b = carbon.asc_e(_idle_job(dyn, idle, pue=pue))
    all_dyn = carbon.asc_e(_idle_job(dyn + idle, 0.0, pue=pue))
    assert math.isclose(b.jsc_g, all_dyn.jsc_g, rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(b.idle_g, idle * pue * 400.0, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(sum(q.m for q in b.parts().values()), b.asc_e_g, rel_tol=1e-9,
                        abs_tol=1e-9)
    two = b + b
    assert math.isclose(two.idle_g, 2 * b.idle_g, rel_tol=1e-12, abs_tol=1e-12)


def test_an_energy_role_is_dynamic_or_idle() -> None:
    assert use().role == carbon.EnergyRole.DYNAMIC == "dynamic"
    with pytest.raises(InvalidValueError, match="role"):
        carbon.EnergyUse(system=BOX, energy="1 kWh", provenance="measured", role="standby")


def test_bloom_life_cycle_total_with_idle_and_infrastructure() -> None:
    # Luccioni, Viguier, Ligozat 2023, "Estimating the Carbon Footprint of BLOOM", JMLR
    # 24(253), arXiv:2211.02001, Table 4: dynamic 24.69 t (1,082,990 A100-hours x 400 W =
    # 433,196 kWh at 57 gCO2e/kWh), idle and infrastructure 14.6 t (256,646 kWh), embodied
    # 11.2 t (6 years at 85 % use), total 50.5 t (specs/golden/published_footprints.yaml).
    (case,) = [c for c in published.CASES if c["id"] == "bloom"]
    b = published.breakdown(case)
    assert b.idle_g / 1e6 == pytest.approx(14.6, abs=0.05)
    assert (b.operational_g + b.overhead_g) / 1e6 == pytest.approx(24.69, abs=0.005)
    assert b.embodied_g / 1e6 == pytest.approx(11.2, abs=0.05)
    assert b.asc_e.m_as("tCO2e") == pytest.approx(50.5, abs=0.05)
    assert b.jsc_g == pytest.approx(b.operational_g + b.overhead_g + b.idle_g)
    assert carbon.scopes(b)["scope 2"].m == pytest.approx(b.jsc_g)  # idle is Scope 2
    assert carbon.SCOPE_OF_PART["idle"] == "scope 2"
