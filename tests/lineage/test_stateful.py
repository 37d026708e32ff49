"""A stateful test: the in-memory graph and the ledger, driven by the same random changes."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from carbon import quantity
from lineage import Ledger, ProvenanceGraph, ReportedCarbon


class GraphAndLedger(RuleBasedStateMachine):
    """Adds and removals applied to both; after each step they must hold the same lineage."""

    url = ""  # set per test from the ledger_url fixture

    def __init__(self) -> None:
        super().__init__()
        self.graph = ProvenanceGraph()
        self.ledger = Ledger(self.url)
        self.counter = itertools.count()
        self.rank: dict[str, int] = {}  # edges go from lower to higher rank: acyclic

    @initialize()
    def start(self) -> None:
        self.ledger.save(self.graph)  # the previous run's products, edges and jobs go

    @rule(kind=st.sampled_from(["dataset", "model"]))
    def add_product(self, kind: str) -> None:
        k = next(self.counter)
        pid = f"p{k}"
        self.rank[pid] = k  # never reused, so edges low -> high rank stay acyclic
        (self.graph.add_dataset if kind == "dataset" else self.graph.add_model)(pid, name=pid)
        self.ledger.add_product(pid, kind=kind, name=pid)

    @precondition(lambda self: len(self.rank) >= 2)
    @rule(data=st.data(), share=st.one_of(st.none(), st.floats(0, 0.3)))
    def derive(self, data: st.DataObject, share: float | None) -> None:
        a, b = sorted(data.draw(st.permutations(sorted(self.rank)))[:2], key=self.rank.get)
        if self.graph.nx.has_edge(a, b):
            return
        if share is not None and sum(
                d.get("share") or 0 for _, _, d in self.graph.nx.out_edges(a, data=True)) > 0.6:
            share = 0.0
        kw = {"share": share} if share is not None else {}
        self.graph.derive(b, a, "fine_tuned_from", **kw)
        self.ledger.derive(b, a, "fine_tuned_from", **kw)

    @precondition(lambda self: self.graph.nx.number_of_edges() > 0)
    @rule(data=st.data())
    def remove_edge(self, data: st.DataObject) -> None:
        a, b = data.draw(st.sampled_from(sorted(self.graph.nx.edges())))
        self.graph.remove_edge(b, a)
        self.ledger.remove_edge(b, a)

    @precondition(lambda self: len(self.rank) > 0)
    @rule(data=st.data(), grams=st.floats(0, 1e6),
          phase=st.sampled_from(["data", "training", "retraining"]))
    def add_job(self, data: st.DataObject, grams: float, phase: str) -> None:
        pid = data.draw(st.sampled_from(sorted(self.rank)))
        job = ReportedCarbon(carbon=quantity(grams, "gCO2e"), source="stateful",
                             id=f"j{next(self.counter)}")
        self.graph.add_job(pid, job, phase=phase)
        self.ledger.add_job(job, pid, phase)

    @precondition(lambda self: len(self.graph.jobs()) > 0)
    @rule(data=st.data())
    def remove_job(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from([j.id for j in self.graph.jobs()]))
        self.graph.remove_job(job_id)
        self.ledger.remove_job(job_id)

    @precondition(lambda self: len(self.rank) > 0)
    @rule(data=st.data())
    def remove_product(self, data: st.DataObject) -> None:
        pid = data.draw(st.sampled_from(sorted(self.rank)))
        del self.rank[pid]
        self.graph.remove_product(pid)
        self.ledger.remove_product(pid)

    @invariant()
    def same_lineage(self) -> None:
        loaded = self.ledger.load()
        assert loaded == self.graph
        a, b = loaded.epc_all(), self.graph.epc_all()
        np.testing.assert_allclose(a.loc[b.index, "epc [gCO2e]"], b["epc [gCO2e]"],
                                   rtol=1e-9, atol=1e-6)

    def teardown(self) -> None:
        self.ledger.close()


def test_graph_and_ledger_agree(ledger_url: str) -> None:
    machine = type("Machine", (GraphAndLedger,), {"url": ledger_url})
    run_state_machine_as_test(machine, settings=settings(
        max_examples=12, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
