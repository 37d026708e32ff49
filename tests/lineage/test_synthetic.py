"""The synthetic hub lineage: valid, complete, deterministic for a seed, about three edges each."""

from __future__ import annotations

import numpy as np

from lineage import hub_graph, hub_spec


def test_hub_graph_is_valid_and_complete() -> None:
    g = hub_graph(3000, seed=2)
    assert len(g) == 3000 and g.validate().ok
    frame = g.epc_all()
    assert frame["complete"].all() and frame["conserving"].all()
    assert (frame["epc [gCO2e]"] >= frame["own [gCO2e]"]).all()


def test_hub_spec_is_deterministic_and_hub_shaped() -> None:
    a, b = hub_spec(5000, seed=7), hub_spec(5000, seed=7)
    assert np.array_equal(a.parent, b.parent) and np.array_equal(a.carbon_g, b.carbon_g)
    assert a.n_products == 5000 and a.n_datasets == 250 and a.n_foundations == 4
    assert 2.0 <= len(a.parent) / a.n_products <= 3.5
    assert len(set(zip(a.parent.tolist(), a.child.tolist(), strict=True))) == len(a.parent)
    assert not np.array_equal(hub_spec(5000, seed=8).parent, a.parent)


def test_without_jobs_every_epc_is_a_lower_bound() -> None:
    g = hub_graph(500, seed=1, jobs=False)
    assert not g.jobs() and not g.epc_all()["complete"].any()


def test_stages_are_reported_in_order() -> None:
    seen: list[str] = []
    hub_graph(300, seed=3, on_stage=seen.append)
    assert seen == ["spec", "products", "edges", "freed", "jobs"]
