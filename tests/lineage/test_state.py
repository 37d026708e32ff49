"""The graph's state: version counters, the roll-up cached per structure, declared products."""

from __future__ import annotations

import pytest

from lineage import ProvenanceGraph, UnknownProductError
from tests.lineage.conftest import rc


def test_structure_and_version_counters(g: ProvenanceGraph) -> None:
    v, s = g._version, g._structure
    g.add_job("a", rc(1.0), phase="training")
    assert (g._version, g._structure) == (v + 1, s)  # a job changes costs, not the pattern
    g.derive("b", "a", "fine_tuned_from")
    assert (g._version, g._structure) == (v + 2, s + 1)


def test_the_rollup_is_reused_while_the_structure_stands(g: ProvenanceGraph) -> None:
    g.derive("b", "a", "fine_tuned_from")
    first = g._get_rollup()
    g.add_job("a", rc(1.0), phase="training")
    assert g._get_rollup() is first
    g.derive("c", "b", "fine_tuned_from")
    assert g._get_rollup() is not first and g._get_rollup().acyclic


def test_declared_refuses_placeholders_and_non_ids(g: ProvenanceGraph) -> None:
    g.derive("ghost", "a", "derived_from")
    assert g._declared("a") == 0
    for pid in ("ghost", "nope", 3):
        with pytest.raises(UnknownProductError):
            g._declared(pid)
    assert g.nx is g._g and "ghost" in g.nx
