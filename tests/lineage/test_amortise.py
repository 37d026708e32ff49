"""Per-request amortisation and strategy comparison, on numbers and against the formulas."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon import Q_, InvalidValueError, PlatformUse, RetrainingUse, asc_e
from lineage import (
    BOUNDARY,
    ProvenanceGraph,
    ReportedCarbon,
    Strategy,
    compare_strategies,
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
