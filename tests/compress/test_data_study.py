"""The data-centric study at a tiny size: its table, its lineage, its statistics."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("sklearn")

import carbon
from compress._data_study import ALGORITHMS, data_study, make_algorithm


def test_tiny_study(setting: Any, graph: Any) -> None:
    d = data_study(setting=setting, algorithms=("naive_bayes", "decision_tree"),
                   row_fractions=(0.25, 1.0), feature_fractions=(0.5, 1.0), repeats=2,
                   graph=graph, min_seconds=0.02)
    t = d.table
    assert len(t) == 2 * 2 * 2 * 2
    assert (t["training_energy [J]"] > 0).all() and (t["inference_energy [J]"] > 0).all()
    full = t[(t["rows"] == 1.0) & (t["features"] == 1.0)]
    assert full["reduction_energy [J]"].isna().all()  # nothing reduced: unknown, not zero
    assert set(t["n_features"]) == {32, 64}
    again = data_study(setting=setting, algorithms=("naive_bayes",), row_fractions=(0.25,),
                       feature_fractions=(0.5,), repeats=1, min_seconds=0.02)
    assert again.table["accuracy"].iloc[0] == t[
        (t["algorithm"] == "naive_bayes") & (t["rows"] == 0.25) & (t["features"] == 0.5)
        & (t["repeat"] == 0)]["accuracy"].iloc[0]
    g = d.effect("rows", "accuracy")
    assert d.effect("rows", algorithm="naive_bayes").groups[0].n == 4
    assert {x.name for x in g.groups} == {"0.25", "1.0"}
    assert len(d.summary()) == 8
    assert any(e["kind"] == "derived_from" for e in graph.edges())
    assert any(e["kind"] == "trained_on" and e["child"].startswith("naive_bayes@")
               for e in graph.edges())


def test_unknown_algorithm(setting: Any) -> None:
    assert len(ALGORITHMS) == 6
    with pytest.raises(carbon.UnknownKeyError):
        make_algorithm("xgboost", 0)
    with pytest.raises(carbon.UnknownKeyError):
        data_study(setting=setting, algorithms=("xgboost",))
