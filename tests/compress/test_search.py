"""Search strategies as measured experiments: jobs on the lineage, the comparison's wiring."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("optuna")

import carbon
from compress._search import (
    GRID,
    SearchRun,
    SearchTrial,
    compare_strategies,
    search,
    strategies,
)
from lineage import ReportedCarbon


def _run(energies: list[float], accs: list[float]) -> SearchRun:
    trials = tuple(SearchTrial(i, {}, a, carbon.Q_(e, "J"), f"j{i}")
                   for i, (e, a) in enumerate(zip(energies, accs, strict=True)))
    return SearchRun("x", 0, trials)


def test_energy_to_reach_and_accuracy_within() -> None:
    r = _run([1.0, 2.0, 3.0], [0.5, 0.9, 0.95])
    assert r.energy_to_reach(0.9) == carbon.Q_(3.0, "J")
    assert r.energy_to_reach(0.99) is None  # unknown, never zero
    assert r.accuracy_within("3.5 J") == 0.9
    assert r.accuracy_within("0.5 J") is None
    assert r.energy == carbon.Q_(6.0, "J") and r.best.number == 2


def test_search_jobs_enter_the_models_epc(split: Any, setting: Any, graph: Any) -> None:
    graph.add_job("teacher", ReportedCarbon(carbon="1 gCO2e", source="test"),
                  phase="training")
    before = graph.epc("teacher").total.m_as("gCO2e")
    run = search("random", setting=setting, n_trials=3, seed=0, split=split, graph=graph,
                 model="teacher")
    after = graph.epc("teacher").total.m_as("gCO2e")
    trial_carbon = sum(carbon.asc_e(j).asc_e.m_as("gCO2e") for j in run.jobs)
    assert len(run.trials) == 3 and trial_carbon > 0
    assert after == pytest.approx(before + trial_carbon, rel=1e-9)
    assert sorted(e.phase for e in graph.jobs("teacher")) == ["experiment"] * 3 + ["training"]


def test_search_is_reproducible_in_accuracy(split: Any, setting: Any) -> None:
    a = search("tpe", setting=setting, n_trials=3, seed=1, split=split)
    b = search("tpe", setting=setting, n_trials=3, seed=1, split=split)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]
    assert [t.accuracy for t in a.trials] == [t.accuracy for t in b.trials]


def test_grid_stays_on_the_grid(split: Any, setting: Any) -> None:
    run = search("grid", setting=setting, n_trials=2, seed=0, split=split)
    for t in run.trials:
        assert all(t.params[k] in GRID[k] for k in GRID)


def test_unknown_strategy_and_half_lineage(setting: Any, graph: Any) -> None:
    with pytest.raises(carbon.UnknownKeyError):
        search("annealing", setting=setting, n_trials=1)
    with pytest.raises(carbon.InvalidValueError):
        search("random", setting=setting, n_trials=1, graph=graph)


def test_compare_strategies_tiny(split: Any, setting: Any) -> None:
    names = strategies()[:3]
    c = compare_strategies(names, setting=setting, seeds=(0, 1), n_trials=2, target=0.5,
                           split=split)
    table = c.table()
    assert list(table["strategy"].unique()) == list(names) and len(table) == 6
    assert c.budget.units == carbon.ureg.J
    if c.energy_to_target is not None:
        assert {g.name for g in c.energy_to_target.groups} <= set(names)
