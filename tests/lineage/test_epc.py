"""EPC: the walk and the sparse solve against the naive oracle over nx.ancestors, a golden
diamond, conservation, linearity, monotony, build order, and the edge cases of one product."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from carbon import quantity
from lineage import ProvenanceGraph, ReportedCarbon
from tests.lineage.conftest import rc
from tests.lineage.dags import DIAMOND, Spec, build, naive_epc, naive_weights, specs

FEW = settings(max_examples=25)
CONSERVING = ("share", "equal", "usage", "cutoff")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


@FEW
@given(specs())
@example(DIAMOND)
def test_fast_rollup_equals_naive_oracle(spec: Spec) -> None:
    g = build(spec)
    oracle = naive_epc(spec)
    frame = g.epc_all()
    for pid, want in oracle.items():
        assert close(frame.loc[pid, "epc [gCO2e]"], want), pid
        one = g.epc(pid)
        assert close(one.total_g, want), pid
        # the split adds up: own + each ancestor's contribution
        assert close(one.own_g + sum(one.by_ancestor_g.values()), one.total_g)


def test_diamond_golden() -> None:
    """a (100 g) -> b, c (equal: 0.5 each) -> d (0.5 of b, full c): W(a->d) = 0.25 + 0.5."""
    g = build(DIAMOND)
    d = g.epc("d")
    assert d.total.m_as("gCO2e") == pytest.approx(75.0)
    assert d.by_ancestor_g == {"a": pytest.approx(75.0), "b": 0.0, "c": 0.0}
    assert d.retraining_g == 1.0
    assert not d.conserving and d.double_counted == (("c", "d"),)
    assert "double-counts" in d.label
    assert d.unknown == ("d", "b", "c")  # no EPC job recorded: a lower bound
    frame = g.epc_all()
    assert frame["conserving"].tolist() == [True, True, True, False]
    assert frame["complete"].tolist() == [True, False, False, False]


@FEW
@given(specs(policies=CONSERVING))
def test_conservation(spec: Spec) -> None:
    """No gram counted twice: children carry at most the parent's EPC, sinks at most all."""
    g = build(spec)
    frame = g.epc_all()
    w = naive_weights(spec)
    for pid, _ in spec.nodes:
        carried = sum(x for (p, _), x in w.items() if p == pid)
        assert carried <= 1 + 1e-9
        assert g.epc_all().loc[pid, "epc [gCO2e]"] * carried <= frame.loc[
            pid, "epc [gCO2e]"] * (1 + 1e-9) + 1e-6
    sinks = [pid for pid, _ in spec.nodes if g.nx.out_degree(pid) == 0]
    own_total = frame["own [gCO2e]"].sum()
    assert frame.loc[sinks, "epc [gCO2e]"].sum() <= own_total * (1 + 1e-9) + 1e-6
    assert frame["conserving"].all()


@FEW
@given(specs(), st.data())
def test_linear_in_each_job(spec: Spec, data: st.DataObject) -> None:
    pid = data.draw(st.sampled_from([p for p, _ in spec.nodes]))
    c1 = data.draw(st.floats(0, 1e6))
    c2 = data.draw(st.floats(0, 1e6))
    base = build(spec).epc_all()["epc [gCO2e]"]

    def with_jobs(*cs: float) -> np.ndarray:
        g = build(spec)
        for k, c in enumerate(cs):
            g.add_job(pid, ReportedCarbon(carbon=quantity(c, "gCO2e"), source="t",
                                          id=f"extra{k}"), phase="experiment")
        return (g.epc_all()["epc [gCO2e]"] - base).to_numpy()

    unit = with_jobs(1.0)
    np.testing.assert_allclose(with_jobs(c1), c1 * unit, rtol=1e-7, atol=1e-3)
    np.testing.assert_allclose(with_jobs(c1, c2), with_jobs(c1) + with_jobs(c2),
                               rtol=1e-7, atol=1e-3)


@FEW
@given(specs(policies=("share", "cutoff", "full")), st.data())
def test_monotone_in_each_share(spec: Spec, data: st.DataObject) -> None:
    shared = [k for k, e in enumerate(spec.edges) if e["policy"] == "share"]
    assume(shared)
    k = data.draw(st.sampled_from(shared))
    e = spec.edges[k]
    others = sum(x.get("share", 0) for x in spec.edges
                 if x["parent"] == e["parent"] and x is not e and x["policy"] == "share")
    up = data.draw(st.floats(e["share"], max(e["share"], 1 - others)))
    before = build(spec).epc_all()["epc [gCO2e]"]
    spec.edges[k] = {**e, "share": up}
    after = build(spec).epc_all()["epc [gCO2e]"]
    assert (after >= before * (1 - 1e-12) - 1e-9).all()


@FEW
@given(specs(), st.randoms(use_true_random=False))
def test_build_order_does_not_matter(spec: Spec, rnd: object) -> None:
    n_ops = len(spec.nodes) + len(spec.edges) + len(spec.jobs)
    order = list(range(n_ops))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    a, b = build(spec), build(spec, order)
    fa, fb = a.epc_all(), b.epc_all()
    np.testing.assert_allclose(fb.loc[fa.index, "epc [gCO2e]"], fa["epc [gCO2e]"],
                               rtol=1e-9, atol=1e-6)
    assert a.to_json() == b.to_json()  # the export is sorted: same bytes


@FEW
@given(specs(max_nodes=12))
def test_incremental_epc_matches_full_after_adding_a_fine_tune(spec: Spec) -> None:
    g = build(spec)
    g.epc_all()
    parents = [p for p, k in spec.nodes if k == "model"][:2]
    g.add_model("new", name="new fine-tune")
    for p in parents:
        pools = {e["policy"] for e in spec.edges if e["parent"] == p} & {"equal", "usage"}
        if pools == {"usage"}:
            g.derive("new", p, "fine_tuned_from", policy="usage", usage=2.0)
        else:
            g.derive("new", p, "fine_tuned_from")
    g.add_job("new", ReportedCarbon(carbon="3 gCO2e", source="t"), phase="fine_tuning")
    assert close(g.epc("new").total_g, g.epc_all().loc["new", "epc [gCO2e]"])


def test_empty_graph() -> None:
    g = ProvenanceGraph()
    assert g.epc_all().empty
    assert g.validate().ok


def test_equal_split_takes_the_remainder_after_explicit_shares(g: ProvenanceGraph) -> None:
    g.add_model("d", name="d")
    g.derive("b", "a", "fine_tuned_from", share=0.4)
    g.derive("c", "a", "fine_tuned_from")
    g.derive("d", "a", "fine_tuned_from")
    g.add_job("a", rc(100.0), phase="training")
    assert [g.epc(x).total_g for x in "bcd"] == pytest.approx([40.0, 30.0, 30.0])
    g.derive("d", "b", "quantised_from", policy="cutoff")
    assert g.epc("d").total_g == pytest.approx(30.0)


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


def test_phases_by_canonical_order(g: ProvenanceGraph) -> None:
    for phase in ("compression", "data", "training"):
        g.add_job("a", rc(1.0), phase=phase)
    assert list(g.epc("a").by_phase) == ["data", "training", "compression"]


def test_epc_all_is_cached_and_a_copy(g: ProvenanceGraph) -> None:
    g.add_job("a", rc(2.0), phase="training")
    first = g.epc_all()
    first.loc["a", "epc [gCO2e]"] = -1.0  # the caller's copy, not the cache
    assert g.epc_all().loc["a", "epc [gCO2e]"] == 2.0
    assert list(first.columns) == ["kind", "epc [gCO2e]", "own [gCO2e]", "inherited [gCO2e]",
                                   "complete", "conserving"]


# --- uncertainty: root-sum-square of the weighted own uncertainties --------------------------

def _with_uncertain_jobs(spec: Spec, k: float = 1.0) -> tuple[ProvenanceGraph, dict[str, float]]:
    """The spec's graph with one job per product, each with an uncertainty (k times a fixed
    figure), and the own variance of each product."""
    g = build(Spec(spec.nodes, spec.edges, []))
    var: dict[str, float] = {}
    for i, (pid, _) in enumerate(spec.nodes):
        for j in range(1 + i % 2):
            u = k * (1.0 + i + 0.5 * j)
            g.add_job(pid, ReportedCarbon(carbon=quantity(10.0 * (i + 1), "gCO2e"),
                                          uncertainty=quantity(u, "gCO2e"), source="test"),
                      phase="training")
            var[pid] = var.get(pid, 0.0) + u * u
    return g, var


def _naive_u(spec: Spec, var: dict[str, float], p: str) -> float:
    """u(EPC(p)) = sqrt(var(own p) + sum over ancestors a (W(a -> p))^2 var(own a)), W summed
    over nx.all_simple_paths (no shared code with lineage)."""
    import itertools

    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(pid for pid, _ in spec.nodes)
    g.add_edges_from((e["parent"], e["child"]) for e in spec.edges)
    w = naive_weights(spec)
    total = var[p]
    for a in nx.ancestors(g, p):
        carried = sum(math.prod(w[(x, y)] for x, y in itertools.pairwise(path))
                      for path in nx.all_simple_paths(g, a, p))
        total += carried * carried * var[a]
    return math.sqrt(total)


@FEW
@given(specs())
@example(DIAMOND)
def test_epc_uncertainty_is_the_rss_of_weighted_own_uncertainties(spec: Spec) -> None:
    g, var = _with_uncertain_jobs(spec)
    for pid, _ in spec.nodes:
        got = g.epc(pid).uncertainty_g
        assert got is not None, g.epc(pid).uncertainty_unknown
        assert math.isclose(got, _naive_u(spec, var, pid), rel_tol=1e-9, abs_tol=1e-9), pid


@FEW
@given(specs(), st.floats(min_value=1e-3, max_value=1e3))
@example(DIAMOND, 2.0)
def test_epc_uncertainty_scales_linearly_with_the_jobs(spec: Spec, k: float) -> None:
    g1, _ = _with_uncertain_jobs(spec)
    gk, _ = _with_uncertain_jobs(spec, k)
    for pid, _ in spec.nodes:
        assert math.isclose(gk.epc(pid).uncertainty_g, k * g1.epc(pid).uncertainty_g,
                            rel_tol=1e-9)


@FEW
@given(specs(min_nodes=1), st.data())
@example(DIAMOND, None)
def test_a_job_of_unknown_uncertainty_makes_every_carrying_epc_unknown(
        spec: Spec, data: st.DataObject | None) -> None:
    g, _ = _with_uncertain_jobs(spec)
    ids = [pid for pid, _ in spec.nodes]
    where = ids[0] if data is None else data.draw(st.sampled_from(ids))
    g.add_job(where, ReportedCarbon(carbon="1 gCO2e", source="no range", id="bare"),
              phase="training")
    for pid in ids:
        e = g.epc(pid)
        carries = pid == where or e.weights.get(where, 0.0) > 0
        assert (e.uncertainty is None) == carries, pid
        if carries:
            assert any("bare" in r for r in e.uncertainty_unknown)


def test_epc_uncertainty_is_unknown_without_a_job_and_never_zero() -> None:
    g = ProvenanceGraph()
    g.add_model("a", name="a")
    g.add_model("b", name="b")
    g.derive("b", "a", "fine_tuned_from", share=0.5)
    g.add_job("b", ReportedCarbon(carbon="4 gCO2e", uncertainty="0.3 gCO2e", source="x"),
              phase="fine_tuning")
    assert g.epc("b").uncertainty is None
    assert g.epc("b").uncertainty_unknown == ("a: no job recorded",)
    g.add_job("a", ReportedCarbon(carbon="10 gCO2e", uncertainty="0.8 gCO2e", source="x"),
              phase="training")
    assert g.epc("b").uncertainty_g == pytest.approx(math.hypot(0.3, 0.5 * 0.8))
    # re-training stays outside EPC, and outside its uncertainty
    g.add_job("b", ReportedCarbon(carbon="4 gCO2e", source="x"), phase="retraining")
    assert g.epc("b").uncertainty_g == pytest.approx(math.hypot(0.3, 0.5 * 0.8))


def test_epc_uncertainty_of_a_measured_job_is_its_breakdowns() -> None:
    from carbon import EnergyUse, Facility, Job, System, asc_e

    fac = Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
    box = System(name="box", embodied="1 tCO2e", embodied_uncertainty="100 kgCO2e",
                 lifetime="4 year", facility=fac)
    job = Job(name="train", duration="10 h", energy=[EnergyUse(
        system=box, energy="50 kWh", uncertainty="2 kWh", provenance="measured")])
    g = ProvenanceGraph()
    g.add_model("m", name="m")
    g.add_job("m", job, phase="training")
    assert g.epc("m").uncertainty_g == pytest.approx(asc_e(job).uncertainty_g)
