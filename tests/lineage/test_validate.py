"""Validation: each rule reported with its place and fix, incremental equal to full, the report."""

from __future__ import annotations

import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lineage import InvalidGraphError, Problem, ProvenanceGraph, ValidationReport
from tests.lineage.conftest import rc
from tests.lineage.dags import DIAMOND, Spec, build, specs


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


def test_removing_a_full_edge_drops_its_warning(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "distilled_from", policy="full")
    assert len(g.validate().warnings) == 1
    g.remove_edge("b", "a")
    assert g.validate().warnings == ()


def test_the_report_is_cached_until_the_graph_changes(g: ProvenanceGraph) -> None:
    first = g.validate()
    assert g.validate() is first
    g.add_model("d", name="d")
    assert g.validate() is not first and g.validate().ok


def _codes(report: ValidationReport) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return (sorted((p.code, p.field) for p in report.problems),
            sorted((w.code, w.field) for w in report.warnings))


@settings(max_examples=25)
@given(specs(), st.randoms(use_true_random=False))
@example(DIAMOND, random.Random(0))
def test_validating_as_it_grows_equals_validating_once(spec: Spec, rnd: object) -> None:
    """The incremental path (after every step) ends where one full check ends."""
    order = list(range(len(spec.nodes) + len(spec.edges) + len(spec.jobs)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    grown = build(spec, order, after=lambda g: g.validate())
    once = build(spec, order)
    assert _codes(grown.validate()) == _codes(once.validate())
    assert grown.validate().ok


def test_report_text_lists_problems_and_warnings() -> None:
    many = tuple(Problem("missing_node", "product", f"p{i}", "add it") for i in range(25))
    warn = (Problem("double_counting", "edge a -> b", "full", "a conserving policy"),)
    text = str(ValidationReport(many, warn))
    assert text.startswith("25 problem(s):") and "... and 5 more" in text
    assert "1 warning(s):" in text
    assert str(ValidationReport()) == "valid"
    assert str(ValidationReport((), warn)).startswith("valid\n1 warning(s):")
    ValidationReport((), warn).raise_if_invalid()  # warnings do not block EPC


def test_cycle_problem_message_shows_the_path() -> None:
    p = Problem("cycle", "edges", "a -> b -> a", "an acyclic lineage", ("a", "b", "a"))
    assert p.message == ("cycle: edges='a -> b -> a' (cycle a -> b -> a); expected an "
                         "acyclic lineage")
