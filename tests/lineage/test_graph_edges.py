"""Edge cases of the graph API: refused inputs, validation reports, policies, removals."""

from __future__ import annotations

import math
import pickle

import pytest

from carbon import Q_, InvalidValueError, ModelCarbonError, UnitMismatchError, UnknownKeyError
from lineage import (
    InvalidGraphError,
    ProvenanceGraph,
    ReportedCarbon,
    UnknownProductError,
)


def rc(grams: float, id: str | None = None) -> ReportedCarbon:
    kw = {} if id is None else {"id": id}
    return ReportedCarbon(carbon=Q_(grams, "gCO2e"), source="test", **kw)


@pytest.fixture
def g() -> ProvenanceGraph:
    g = ProvenanceGraph()
    for pid in ("a", "b", "c"):
        g.add_model(pid, name=pid)
    return g


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"share": 1.5}, InvalidValueError, "share"),
    ({"share": -0.1}, InvalidValueError, "share"),
    ({"share": math.nan}, InvalidValueError, "share"),
    ({"share": math.inf}, InvalidValueError, "share"),
    ({"share": True}, InvalidValueError, "share"),
    ({"share": Q_(0.5, "kWh")}, UnitMismatchError, "share"),
    ({"policy": "half"}, UnknownKeyError, "policy"),
    ({"policy": "share"}, InvalidValueError, "share"),
    ({"share": 0.5, "policy": "equal"}, InvalidValueError, "policy"),
    ({"policy": "usage"}, InvalidValueError, "usage"),
    ({"policy": "usage", "usage": -1.0}, InvalidValueError, "usage"),
    ({"policy": "usage", "usage": math.nan}, InvalidValueError, "usage"),
    ({"policy": "equal", "usage": 3.0}, InvalidValueError, "usage"),
])
def test_derive_refuses(g: ProvenanceGraph, kwargs: dict, error: type, field: str) -> None:
    with pytest.raises(error) as info:
        g.derive("b", "a", "fine_tuned_from", **kwargs)
    assert info.value.field == field
    assert g.nx.number_of_edges() == 0


def test_derive_refuses_self_loop_duplicates_and_unknown_kind(g: ProvenanceGraph) -> None:
    with pytest.raises(InvalidValueError, match="other than the child"):
        g.derive("a", "a", "fine_tuned_from")
    with pytest.raises(UnknownKeyError, match="fine_tuned_from"):
        g.derive("b", "a", "finetuned")
    g.derive("b", "a", "fine_tuned_from")
    with pytest.raises(InvalidValueError, match="remove_edge"):
        g.derive("b", "a", "pruned_from")


def test_usage_dimensions_must_agree(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from", policy="usage", usage=Q_(3, "h"))
    with pytest.raises(UnitMismatchError):
        g.derive("c", "a", "fine_tuned_from", policy="usage", usage=Q_(3, "kWh"))
    g.derive("c", "a", "fine_tuned_from", policy="usage", usage=Q_(60, "min"))
    assert g.weight("b", "a") == pytest.approx(0.75)
    assert g.weight("c", "a") == pytest.approx(0.25)


@pytest.mark.parametrize(("call", "error"), [
    (lambda g: g.add_model("a", name="again"), InvalidValueError),
    (lambda g: g.add_model("", name="x"), InvalidValueError),
    (lambda g: g.add_model("x", name="x", lifetime="0 year"), InvalidValueError),
    (lambda g: g.add_model("x", name="x", lifetime=3), UnitMismatchError),
    (lambda g: g.add_model("x", name="x", lifetime="3 kg"), UnitMismatchError),
    (lambda g: g.add_platform("x", name="x", lifetime=None), InvalidValueError),
    (lambda g: g.epc("nope"), UnknownProductError),
    (lambda g: g.add_job("a", rc(1.0), phase="inference"), UnknownKeyError),
    (lambda g: g.add_job("a", "10 gCO2e", phase="training"), InvalidValueError),
    (lambda g: g.remove_edge("b", "a"), UnknownProductError),
    (lambda g: g.remove_job("nope"), UnknownProductError),
    (lambda g: g.add_products(["x", "x"], kind="model"), InvalidValueError),
    (lambda g: g.derive_many(["b"], ["a"], "fine_tuned_from", policy="share", shares=[2.0]),
     InvalidValueError),
])
def test_refused_calls(g: ProvenanceGraph, call: object, error: type) -> None:
    with pytest.raises(error):
        call(g)  # type: ignore[operator]


def test_same_job_twice_is_refused(g: ProvenanceGraph) -> None:
    job = rc(5.0, id="j1")
    g.add_job("a", job, phase="training")
    with pytest.raises(InvalidValueError, match="twice"):
        g.add_job("b", job, phase="training")


def test_validate_reports_cycle_with_path(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from")
    g.derive("c", "b", "fine_tuned_from")
    g.derive("a", "c", "derived_from")
    report = g.validate()
    assert not report.ok
    (cycle,) = [p for p in report.problems if p.code == "cycle"]
    assert cycle.path[0] == cycle.path[-1]
    assert set(cycle.path) == {"a", "b", "c"}
    with pytest.raises(InvalidGraphError) as info:
        g.epc("a")
    assert info.value.report is report
    assert "cycle" in str(info.value)
    with pytest.raises(InvalidGraphError):
        g.epc_all()
    g.remove_edge("a", "c")
    assert g.validate().ok


def test_validate_reports_missing_out_shares_pools_and_usage(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from", share=0.7)
    g.derive("c", "a", "fine_tuned_from", share=0.6)
    g.derive("ghost", "b", "quantised_from")
    g.derive("c", "b", "pruned_from", policy="usage", usage=0.0)
    g.add_job("phantom", rc(1.0), phase="data")
    codes = sorted(p.code for p in g.validate().problems)
    assert codes == ["missing_node", "missing_node", "mixed_pool", "out_shares", "usage"]
    fields = {p.value for p in g.validate().problems if p.code == "missing_node"}
    assert fields == {"ghost", "phantom"}


def test_incremental_validation_catches_new_problems(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from", share=0.7)
    assert g.validate().ok
    g.derive("c", "a", "fine_tuned_from", share=0.6)  # out-shares 1.3
    assert [p.code for p in g.validate().problems] == ["out_shares"]
    g.remove_edge("c", "a")
    assert g.validate().ok
    g.derive("a", "c", "derived_from")
    g.derive("c", "b", "derived_from")  # closes a -> b -> c -> a: c had children
    assert [p.code for p in g.validate().problems] == ["cycle"]


def test_full_policy_is_a_warning_and_labels_figures(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "distilled_from", policy="full")
    g.derive("c", "a", "distilled_from", policy="full")
    g.add_job("a", rc(10.0), phase="training")
    report = g.validate()
    assert report.ok and [w.code for w in report.warnings] == ["double_counting"] * 2
    assert g.epc("b").total_g == g.epc("c").total_g == 10.0
    assert not g.epc("b").conserving
    assert g.epc_all()["conserving"].tolist() == [True, False, False]


def test_equal_split_takes_the_remainder_after_explicit_shares(g: ProvenanceGraph) -> None:
    g.add_model("d", name="d")
    g.derive("b", "a", "fine_tuned_from", share=0.4)
    g.derive("c", "a", "fine_tuned_from")
    g.derive("d", "a", "fine_tuned_from")
    g.add_job("a", rc(100.0), phase="training")
    assert [g.epc(x).total_g for x in "bcd"] == pytest.approx([40.0, 30.0, 30.0])
    g.derive("d", "b", "quantised_from", policy="cutoff")
    assert g.epc("d").total_g == pytest.approx(30.0)


def test_runs_on_defaults_to_cutoff(g: ProvenanceGraph) -> None:
    g.add_platform("k8s", name="serving", lifetime="6 year")
    g.derive("a", "k8s", "runs_on")
    g.add_job("k8s", rc(100.0), phase="development")
    assert g.weight("a", "k8s") == 0.0
    assert g.epc("a").by_ancestor_g == {}


def test_retraining_is_kept_out_of_epc(g: ProvenanceGraph) -> None:
    g.add_job("a", rc(10.0), phase="training")
    g.add_job("a", rc(4.0), phase="retraining")
    b = g.epc("a")
    assert b.total_g == 10.0 and b.retraining_g == 4.0
    assert list(b.by_phase) == ["training"]


def test_unknown_is_not_zero(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from")
    g.add_job("b", rc(3.0), phase="fine_tuning")
    b = g.epc("b")
    assert b.unknown == ("a",) and not b.complete and "lower bound" in b.label


def test_remove_product_and_job(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from")
    g.derive("c", "a", "fine_tuned_from")
    g.add_job("a", rc(10.0, "ja"), phase="training")
    assert g.epc("c").total_g == pytest.approx(5.0)
    g.remove_product("b")
    assert "b" not in g and len(g) == 2
    assert g.epc("c").total_g == pytest.approx(10.0)
    g.remove_job("ja")
    assert g.epc("c").total_g == 0.0
    g.add_model("b", name="back")
    assert g.epc_all().index.tolist() == ["a", "b", "c"]


def test_phases_by_canonical_order(g: ProvenanceGraph) -> None:
    for phase in ("compression", "data", "training"):
        g.add_job("a", rc(1.0), phase=phase)
    assert list(g.epc("a").by_phase) == ["data", "training", "compression"]


def test_errors_pickle() -> None:
    err = InvalidGraphError("edges", "a -> a", "acyclic")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, ModelCarbonError) and back.field == "edges"
