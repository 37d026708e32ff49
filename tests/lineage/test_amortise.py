"""Per-request amortisation, the break-even volume and the cost curve, on numbers, against
the formulas and a naive oracle; unknown re-training refused alike everywhere."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from carbon import Q_, InvalidValueError, PlatformUse, RetrainingUse, UnitMismatchError, asc_e
from lineage import (
    BOUNDARY,
    ProvenanceGraph,
    ReportedCarbon,
    Strategy,
    break_even,
    compare_strategies,
    cost_curve,
    per_request,
)
from tests.lineage.conftest import make_job


def graph() -> ProvenanceGraph:
    g = ProvenanceGraph()
    g.add_model("m", name="m", lifetime="2 year")
    g.add_platform("srv", name="serving stack", lifetime="6 year")
    g.add_job("m", ReportedCarbon(carbon="730 kgCO2e", source="t"), phase="training")
    g.add_job("srv", ReportedCarbon(carbon="1 tCO2e", source="t"), phase="development")
    return g


def test_by_requests_and_inference_only_beside() -> None:
    r = per_request(graph(), "m", Q_(0.2, "gCO2e"), requests=1e6)
    assert r.basis == "requests"
    assert r.inference_only.m_as("gCO2e") == 0.2
    assert r.model_epc_g == pytest.approx(0.73)
    assert r.extended.m_as("gCO2e") == pytest.approx(0.93)
    assert r.label == BOUNDARY and "inference-only" in r.label
    assert sum(v.m for v in r.parts().values()) == pytest.approx(r.extended.m)


def test_by_time_with_a_job_platform_and_retraining() -> None:
    g = graph()
    g.add_job("m", ReportedCarbon(carbon="2 kgCO2e", source="t"), phase="retraining")
    job = make_job(0.001, hours=1 / 3600).model_copy(
        update={"platform": PlatformUse(name="k8s", rate="50 gCO2e/min", concurrent_jobs=10)})
    r = per_request(g, "m", job, parallel=4, platform="srv", platform_parallel=100,
                    retraining_requests=1e6)
    b = asc_e(job)
    assert r.inference_g == pytest.approx(b.asc_g)
    assert r.platform_tax_g == pytest.approx(5.0 / 60)
    lifetime_s = 2 * 365 * 86400
    assert r.model_epc_g == pytest.approx(730e3 * 1 / (lifetime_s * 4))
    assert r.platform_epc_g == pytest.approx(1e6 * 1 / (6 * 365 * 86400 * 100))
    assert r.retraining_g == pytest.approx(2e3 / 1e6)


def test_unknown_shares_are_errors_not_zero() -> None:
    g = graph()
    g.add_model("nolife", name="x")
    with pytest.raises(InvalidValueError, match="request count"):
        per_request(g, "nolife", Q_(1, "gCO2e"))
    g.add_job("m", ReportedCarbon(carbon="2 kgCO2e", source="t"), phase="retraining")
    with pytest.raises(InvalidValueError, match="retraining_requests"):
        per_request(g, "m", Q_(1, "gCO2e"), requests=10)
    r = per_request(g, "m", Q_(1, "gCO2e"), requests=10,
                    retraining=RetrainingUse(carbon="1 kgCO2e", requests=1000))
    assert r.retraining_g == pytest.approx(1.0)
    with pytest.raises(InvalidValueError):
        per_request(g, "m", make_job().model_copy(
            update={"retraining": RetrainingUse(carbon="1 gCO2e", requests=1)}), requests=1)


@settings(max_examples=40)
@given(st.floats(0, 1e9), st.floats(0, 10), st.floats(0, 1e9), st.floats(0, 10),
       st.floats(1, 1e12))
@example(5e-324, 0.0, 0.0, 10.0, 1.0)  # the crossing underflows: a is cheaper everywhere
@example(1e9, 0.0, 0.0, 5e-324, 1.0)  # the crossing overflows: b is cheaper everywhere
def test_break_even_is_where_costs_meet(ea: float, ra: float, eb: float, rb: float,
                                        volume: float) -> None:
    a = Strategy.of("a", epc=Q_(ea, "gCO2e"), per_request=Q_(ra, "gCO2e"))
    b = Strategy.of("b", epc=Q_(eb, "gCO2e"), per_request=Q_(rb, "gCO2e"))
    c = compare_strategies(a, b, [volume])
    if c.break_even_requests is None:
        # one is never worse: it is cheaper (or equal) at any volume
        winner = a if c.reason.startswith("a ") else b
        loser = b if winner is a else a
        assert winner.cost_per_request_g(volume) <= loser.cost_per_request_g(volume) * (
            1 + 1e-12) + 1e-12
    else:
        n = c.break_even_requests
        assert n > 0
        assert a.cost_per_request_g(n) == pytest.approx(b.cost_per_request_g(n), rel=1e-9)
        low, high = n / 10, n * 10
        assert c.cheaper_at(low) != c.cheaper_at(high)
        assert c.cheaper_at(low) == c.cheaper_at_low_volume


def test_strategy_from_graph_fine_tune_vs_scratch() -> None:
    g = ProvenanceGraph()
    g.add_model("foundation", name="f")
    g.add_model("tuned", name="fine-tune")
    g.add_model("small", name="small from scratch")
    g.derive("tuned", "foundation", "fine_tuned_from", share=0.01)
    g.add_job("foundation", ReportedCarbon(carbon="500 tCO2e", source="t"), phase="training")
    g.add_job("tuned", ReportedCarbon(carbon="50 kgCO2e", source="t"), phase="fine_tuning")
    g.add_job("small", ReportedCarbon(carbon="1 tCO2e", source="t"), phase="training")
    a = Strategy.from_graph(g, "tuned", Q_(2.0, "gCO2e"))
    b = Strategy.from_graph(g, "small", Q_(0.5, "gCO2e"))
    assert a.epc_g == pytest.approx(5.05e6)
    c = compare_strategies(a, b)
    assert c.break_even_requests is None  # small is cheaper up front and per request
    b2 = Strategy.from_graph(g, "small", Q_(4.0, "gCO2e"))
    c2 = compare_strategies(a, b2)
    assert c2.break_even_requests == pytest.approx((5.05e6 - 1e6) / 2.0)
    assert len(c2.curve) == 25 and c2.curve.index.name == "lifetime requests"


def g_(x: float) -> object:
    return Q_(x, "gCO2e")


@pytest.mark.parametrize(("ea", "ra", "eb", "rb", "want"), [
    (10e6, 2.0, 1e6, 5.0, 3e6),  # reuse a foundation model vs train small (the docstring)
    (1e6, 5.0, 10e6, 2.0, 3e6),  # the same, named the other way round
    (1e6, 2.0, 10e6, 5.0, None),  # a has less of both: never worse
    (5.0, 1.0, 5.0, 1.0, None),  # identical strategies
    (5.0, 1.0, 5.0, 2.0, None),  # equal EPC: the cheaper request wins at every volume
    (5.0, 1.0, 9.0, 1.0, None),  # equal requests: the smaller EPC wins at every volume
    (0.0, 3.0, 6.0, 1.0, 3.0),
])
def test_break_even_table(ea: float, ra: float, eb: float, rb: float,
                          want: float | None) -> None:
    got = break_even(g_(ea), g_(ra), g_(eb), g_(rb))
    assert got == (None if want is None else pytest.approx(want))


def test_break_even_takes_any_carbon_unit_and_refuses_bare_numbers() -> None:
    assert break_even(Q_(10, "tCO2e"), Q_(2, "gCO2e"), Q_(1000, "kgCO2e"),
                      Q_(0.005, "kgCO2e")) == pytest.approx(3e6)
    with pytest.raises(UnitMismatchError):
        break_even(10.0, g_(1), g_(1), g_(2))
    with pytest.raises(InvalidValueError):
        break_even(g_(-1.0), g_(1), g_(1), g_(2))


@settings(max_examples=60)
@given(st.floats(0, 1e9), st.floats(0, 10), st.floats(0, 1e9), st.floats(0, 10))
@example(1000.0, 0.001, 3.0, 0.004)
def test_break_even_against_lifetime_totals(ea: float, ra: float, eb: float, rb: float) -> None:
    """Naive oracle: the lifetime totals E + N r of both, evaluated on a wide grid."""
    n = break_even(g_(ea), g_(ra), g_(eb), g_(rb))
    if n is None:
        signs = {ea + v * ra < eb + v * rb for v in (10.0 ** k for k in range(-3, 16))
                 if not math.isclose(ea + v * ra, eb + v * rb)}
        assert len(signs) <= 1
    else:
        assert n > 0 and math.isfinite(n)
        assert ea + n * ra == pytest.approx(eb + n * rb, rel=1e-6)


def test_cost_curve_is_rest_plus_epc_over_volume() -> None:
    c = cost_curve(Q_(1, "tCO2e"), g_(5.0), [1e5, 1e6, 1e9])
    np.testing.assert_allclose(c.m_as("gCO2e"), [15.0, 6.0, 5.001])
    assert cost_curve(g_(10.0), g_(1.0), 4).m_as("gCO2e") == pytest.approx(3.5)
    s = Strategy.of("s", epc=Q_(1, "tCO2e"), per_request=g_(5.0))
    np.testing.assert_array_equal(s.cost_per_request_g([1e5, 1e6, 1e9]), c.m_as("gCO2e"))


@pytest.mark.parametrize("volumes", [[0.0], [-1.0], [math.nan], [1.0, math.inf]])
def test_cost_curve_refuses_volumes_that_are_not_positive(volumes: list[float]) -> None:
    with pytest.raises(InvalidValueError) as info:
        cost_curve(g_(1.0), g_(1.0), volumes)
    assert info.value.field == "requests"


def test_comparison_uses_the_break_even_and_the_curve() -> None:
    a = Strategy.of("a", epc=Q_(10, "tCO2e"), per_request=g_(2.0))
    b = Strategy.of("b", epc=Q_(1, "tCO2e"), per_request=g_(5.0))
    c = compare_strategies(a, b, [1e5, 1e7])
    assert c.break_even_requests == break_even(Q_(10, "tCO2e"), g_(2.0), Q_(1, "tCO2e"),
                                               g_(5.0))
    assert c.reason.startswith("below 3e+06 lifetime requests b is cheaper")
    np.testing.assert_array_equal(c.curve["a [gCO2e/request]"],
                                  cost_curve(Q_(10, "tCO2e"), g_(2.0), [1e5, 1e7]).m_as("gCO2e"))
    with pytest.raises(InvalidValueError, match="volumes"):
        compare_strategies(a, b, [0.0])


def test_strategy_from_graph_refuses_unknown_retraining_like_per_request() -> None:
    """Unknown is never zero: re-training jobs with no request count are refused by both."""
    g = graph()
    g.add_job("m", ReportedCarbon(carbon="2 kgCO2e", source="t"), phase="retraining")
    with pytest.raises(InvalidValueError) as info:
        Strategy.from_graph(g, "m", g_(1.0))
    assert info.value.field == "retraining_requests"
    assert "retraining_requests=" in str(info.value) and "RetrainingUse" in str(info.value)
    with pytest.raises(InvalidValueError, match="retraining_requests"):
        per_request(g, "m", g_(1.0), requests=10)
    s = Strategy.from_graph(g, "m", g_(1.0), retraining_requests=1000)
    r = per_request(g, "m", g_(1.0), requests=1e6, retraining_requests=1000)
    assert s.per_request_g == pytest.approx(1.0 + 2.0) == pytest.approx(
        r.inference_g + r.retraining_g)
    given_rt = Strategy.from_graph(g, "m", g_(1.0),
                                   retraining=RetrainingUse(carbon="1 kgCO2e", requests=100))
    assert given_rt.per_request_g == pytest.approx(11.0)
    # nothing recorded: no share, as per_request (which notes it)
    assert Strategy.from_graph(graph(), "m", g_(1.0)).per_request_g == 1.0
    assert per_request(graph(), "m", g_(1.0), requests=1).notes == ("no re-training recorded",)


# --- uncertainty of one request: root-sum-square of each part's ------------------------------

def _uncertain_graph(u_model: float | None, u_plat: float | None) -> ProvenanceGraph:
    g = ProvenanceGraph()
    g.add_model("m", name="m", lifetime="2 year")
    g.add_platform("srv", name="serving stack", lifetime="6 year")
    g.add_job("m", ReportedCarbon(carbon="1 tCO2e", source="x", uncertainty=None if u_model
                                  is None else Q_(u_model, "gCO2e")), phase="training")
    g.add_job("srv", ReportedCarbon(carbon="10 tCO2e", source="x", uncertainty=None if u_plat
                                    is None else Q_(u_plat, "gCO2e")), phase="development")
    return g


_ug = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e6))  # squares stay normal


@given(u_inf=_ug, u_model=_ug, u_plat=_ug, u_rt=_ug, n=st.floats(min_value=1.0, max_value=1e12))
@example(u_inf=0.1, u_model=0.0, u_plat=0.0, u_rt=0.0, n=1.0)
def test_per_request_uncertainty_is_the_rss_of_its_weighted_parts(
        u_inf: float, u_model: float, u_plat: float, u_rt: float, n: float) -> None:
    g = _uncertain_graph(u_model, u_plat)
    r = per_request(g, "m", Q_(0.5, "gCO2e"), inference_uncertainty=Q_(u_inf, "gCO2e"),
                    requests=n, duration="2 s", platform="srv", platform_parallel=4,
                    retraining=RetrainingUse(carbon="1 kgCO2e", requests=1e4,
                                             uncertainty=Q_(u_rt, "gCO2e")))
    plat_w = 2.0 / (6 * 365 * 86400.0 * 4)
    oracle = math.sqrt(u_inf ** 2 + (u_model / n) ** 2 + (u_plat * plat_w) ** 2
                       + (u_rt / 1e4) ** 2)
    assert r.uncertainty.m_as("gCO2e") == pytest.approx(oracle, rel=1e-9, abs=1e-300)
    assert r.uncertainty_of("model_epc").g == pytest.approx(u_model / n, rel=1e-12)


@given(k=st.floats(min_value=1e-3, max_value=1e3))
@example(k=2.0)
def test_per_request_uncertainty_scales_linearly(k: float) -> None:
    def u(scale: float) -> float:
        g = _uncertain_graph(100.0 * scale, 50.0 * scale)
        return per_request(g, "m", Q_(0.5, "gCO2e"), inference_uncertainty=Q_(0.01 * scale,
                           "gCO2e"), duration="2 s", platform="srv").uncertainty.m_as("gCO2e")
    assert u(k) == pytest.approx(k * u(1.0), rel=1e-9)


def test_per_request_uncertainty_unknown_when_one_part_is() -> None:
    g = _uncertain_graph(None, 5.0)
    r = per_request(g, "m", Q_(0.5, "gCO2e"), inference_uncertainty=Q_(0.1, "gCO2e"),
                    requests=1e6, duration="2 s", platform="srv")
    assert r.uncertainty is None and r.uncertainty_of("inference").g == pytest.approx(0.1)
    assert any("no stated uncertainty" in x for x in r.uncertainty_unknown)
    # a bare inference carbon has an unknown uncertainty, never zero
    r2 = per_request(_uncertain_graph(1.0, 1.0), "m", Q_(0.5, "gCO2e"), requests=1e6)
    assert r2.uncertainty is None
    assert r2.uncertainty_unknown == ("inference carbon: no stated uncertainty",)


def test_per_request_uncertainty_of_a_job_is_its_asc_uncertainty() -> None:
    from carbon import EnergyUse, Facility, Job, System

    fac = Facility(name="dc", pue=1.1, mix="400 gCO2e/kWh")
    box = System(name="box", embodied="1 tCO2e", embodied_uncertainty="200 kgCO2e",
                 lifetime="4 year", facility=fac)
    req = Job(name="r", duration="50 ms", energy=[EnergyUse(
        system=box, energy="10 J", uncertainty="1 J", provenance="measured")])
    r = per_request(_uncertain_graph(10.0, 1.0), "m", req, requests=1e6)
    b = asc_e(req)
    assert r.uncertainty_of("inference").quantity.m == pytest.approx(b.asc_uncertainty.m)
    assert r.uncertainty.m == pytest.approx(math.hypot(b.asc_uncertainty.m, 10.0 / 1e6))
