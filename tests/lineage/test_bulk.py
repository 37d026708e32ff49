"""Bulk builders: a bulk build equals the one-at-a-time build; a refused batch changes nothing."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, settings

from carbon import Q_, InvalidValueError, UnitMismatchError, UnknownKeyError, quantity
from lineage import ProvenanceGraph
from tests.lineage.dags import DIAMOND, Spec, build, specs


def build_bulk(spec: Spec) -> ProvenanceGraph:
    """The spec built with the bulk methods: one call per product kind, edge policy, phase."""
    g = ProvenanceGraph()
    for kind in ("dataset", "model"):
        ids = [pid for pid, k in spec.nodes if k == kind]
        if ids:
            g.add_products(ids, kind=kind)
    for policy in ("share", "equal", "usage", "cutoff", "full"):
        es = [e for e in spec.edges if e["policy"] == policy]
        if not es:
            continue
        kw: dict[str, Any] = {}
        if policy == "share":
            kw["shares"] = [e["share"] for e in es]
        if policy == "usage":
            kw["usages"] = np.array([e["usage"] for e in es])
        g.derive_many([e["child"] for e in es], [e["parent"] for e in es],
                      [e["kind"] for e in es], policy=policy, **kw)
    for phase in sorted({p for _, _, p in spec.jobs}):
        ks = [k for k, (_, _, p) in enumerate(spec.jobs) if p == phase]
        g.add_reported_many([spec.jobs[k][0] for k in ks],
                            quantity(np.array([spec.jobs[k][1] for k in ks]), "gCO2e"),
                            phase=phase, source="test", ids=[f"job{k}" for k in ks])
    return g


def _edges(g: ProvenanceGraph) -> list[dict[str, Any]]:
    return sorted(g.edges(), key=lambda e: (e["parent"], e["child"]))


@settings(max_examples=40)
@given(specs(max_nodes=10))
@example(DIAMOND)
def test_bulk_build_equals_one_at_a_time(spec: Spec) -> None:
    one, bulk = build(spec), build_bulk(spec)
    assert set(bulk.products()) == set(one.products())
    assert all(bulk.product(p) == one.product(p) for p in one.products())
    assert _edges(bulk) == _edges(one)
    for e in one.edges():
        assert math.isclose(bulk.weight(e["child"], e["parent"]),
                            one.weight(e["child"], e["parent"]), rel_tol=1e-12, abs_tol=1e-15)
    assert bulk == one  # the canonical snapshot: products, edges, jobs and their records
    assert sorted(j.id for j in bulk.jobs()) == sorted(j.id for j in one.jobs())
    assert bulk.validate().ok and one.validate().ok
    assert [w.code for w in bulk.validate().warnings] == [w.code for w in one.validate().warnings]
    fb, fo = bulk.epc_all(), one.epc_all()
    np.testing.assert_allclose(fb.loc[fo.index, "epc [gCO2e]"], fo["epc [gCO2e]"],
                               rtol=1e-9, atol=1e-6)
    assert (fb.loc[fo.index, ["complete", "conserving"]] == fo[["complete", "conserving"]]
            ).all().all()
    for pid in one.products():
        b, o = bulk.epc(pid), one.epc(pid)
        assert math.isclose(b.total_g, o.total_g, rel_tol=1e-9, abs_tol=1e-6)
        assert b.unknown == o.unknown or set(b.unknown) == set(o.unknown)
        assert math.isclose(b.retraining_g, o.retraining_g, rel_tol=1e-12, abs_tol=1e-9)


def test_bulk_and_single_mix(g: ProvenanceGraph) -> None:
    g.add_products(["d1", "d2"], kind="dataset", names=["one", "two"])
    g.derive_many(["a", "b"], ["d1", "d1"], "trained_on", policy="usage",
                  usages=Q_(np.array([1.0, 3.0]), "h"))
    g.derive("c", "a", "fine_tuned_from", share=0.5)
    g.add_reported_many(["d1", "d2"], Q_(np.array([4.0, 8.0]), "kgCO2e"), phase="data",
                        source="test")
    assert g.weight("b", "d1") == pytest.approx(0.75)
    assert g.product("d1")["name"] == "one"
    assert g.epc("c").total_g == pytest.approx(0.5 * 0.25 * 4000)
    assert g.jobs("d2")[0].record.carbon.m_as("gCO2e") == pytest.approx(8000.0)
    assert g.edges()[0]["usage_unit"] == "h"


@pytest.mark.parametrize(("call", "error"), [
    (lambda g: g.add_products(["x", "x"], kind="model"), InvalidValueError),
    (lambda g: g.add_products(["a"], kind="model"), InvalidValueError),
    (lambda g: g.add_products(["x"], kind="platform"), InvalidValueError),
    (lambda g: g.add_products(["x"], kind="robot"), UnknownKeyError),
    (lambda g: g.add_products(["x", ""], kind="model"), InvalidValueError),
    (lambda g: g.add_products(["x"], kind="model", names=["x", "y"]), InvalidValueError),
    (lambda g: g.derive_many(["b"], ["a"], "fine_tuned_from", policy="share", shares=[2.0]),
     InvalidValueError),
    (lambda g: g.derive_many(["b"], ["a"], "fine_tuned_from", policy="share"),
     InvalidValueError),
    (lambda g: g.derive_many(["b"], ["a"], "fine_tuned_from", shares=[0.5]),
     InvalidValueError),
    (lambda g: g.derive_many(["b"], ["a"], "fine_tuned_from", policy="usage",
                             usages=[-1.0]), InvalidValueError),
    (lambda g: g.derive_many(["b", "c"], ["a"], "fine_tuned_from"), InvalidValueError),
    (lambda g: g.derive_many(["b"], ["a"], ["fine_tuned_from"] * 2), InvalidValueError),
    (lambda g: g.derive_many(["b"], ["a"], "finetuned"), UnknownKeyError),
    (lambda g: g.derive_many(["a"], ["a"], "fine_tuned_from"), InvalidValueError),
    (lambda g: g.derive_many(["b", "b"], ["a", "a"], "fine_tuned_from"), InvalidValueError),
    (lambda g: g.add_reported_many(["a"], Q_(np.array([1.0, 2.0]), "gCO2e"), phase="data",
                                   source="t"), InvalidValueError),
    (lambda g: g.add_reported_many(["a"], Q_(np.array([1.0]), "gCO2e"), phase="data",
                                   source=""), InvalidValueError),
    (lambda g: g.add_reported_many(["a", "b"], Q_(np.array([1.0, 2.0]), "gCO2e"),
                                   phase="data", source="t", ids=["j", "j"]),
     InvalidValueError),
    (lambda g: g.add_reported_many(["a"], np.array([1.0]), phase="data", source="t"),
     UnitMismatchError),
])
def test_refused_batches_change_nothing(g: ProvenanceGraph, call: object, error: type) -> None:
    before = g.snapshot()
    with pytest.raises(error):
        call(g)  # type: ignore[operator]
    assert g.snapshot() == before


def test_a_batch_clashing_with_an_existing_edge_or_usage_unit_is_refused(
        g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from")
    with pytest.raises(InvalidValueError, match="exists"):
        g.derive_many(["c", "b"], ["a", "a"], "fine_tuned_from")
    g.derive("c", "b", "pruned_from", policy="usage", usage=Q_(2, "h"))
    with pytest.raises(UnitMismatchError):
        g.derive_many(["a2"], ["b"], "pruned_from", policy="usage", usages=Q_(np.array([1.0]),
                                                                              "kWh"))


def test_a_bulk_edge_that_closes_a_cycle_is_found(g: ProvenanceGraph) -> None:
    g.derive_many(["b", "c"], ["a", "b"], "derived_from")
    assert g.validate().ok
    g.derive_many(["a"], ["c"], "derived_from")
    assert [p.code for p in g.validate().problems] == ["cycle"]



def test_a_large_batch_pays_for_its_first_collection(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    import lineage._bulk as bulk

    monkeypatch.setattr(bulk, "COLLECT_AFTER", 500)
    g = ProvenanceGraph()
    g.add_products([f"m{i}" for i in range(2000)], kind="model")  # 2000 attribute mappings
    assert gc.isenabled() and gc.get_count()[0] < 500  # collected before returning
    g.derive_many(["m1"], ["m0"], "fine_tuned_from")  # a small batch: left to Python
    assert gc.isenabled() and g.nx.edges["m0", "m1"]["kind"] == "fine_tuned_from"
