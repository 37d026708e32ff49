"""A synthetic lineage shaped like a public model hub, for benchmarks and property tests.

About one foundation model per thousand products (at most a thousand of them), each trained
on a few datasets; the other models are fine-tunes, quantisations, prunings and
distillations whose parents are drawn from a heavy-tailed (Zipf) popularity, a fifth of them
from earlier derived models (chains), a tenth of them merges with a second parent; datasets
shared by many models, allocated in proportion to tokens. About three edges a product.
Every product gets one reported job. Deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from carbon import quantity
from lineage._graph import ProvenanceGraph

__all__ = ["HubSpec", "hub_graph", "hub_spec"]

_DERIVED_KINDS = ("fine_tuned_from", "quantised_from", "pruned_from", "distilled_from")


@dataclass(frozen=True)
class HubSpec:
    """The arrays of a synthetic hub graph (ids ``d<i>`` datasets, ``m<i>`` models)."""

    n_datasets: int
    n_models: int
    n_foundations: int
    parent: np.ndarray  # edge parent ids (str objects)
    child: np.ndarray
    kind: np.ndarray
    usage: np.ndarray  # tokens on dataset edges, nan elsewhere
    carbon_g: np.ndarray  # one job per product: datasets first, then models

    @property
    def n_products(self) -> int:
        return self.n_datasets + self.n_models


def hub_spec(products: int, *, seed: int = 0, edges_per_product: float = 3.0) -> HubSpec:
    """Draw the arrays of a hub-shaped lineage of ``products`` products (vectorised)."""
    rng = np.random.default_rng(seed)
    n_ds = max(1, products // 20)
    n_m = max(1, products - n_ds)
    n_f = max(1, min(1000, n_m // 1000))
    n_derived = n_m - n_f
    # parents of derived models: 80 % foundations by Zipf popularity, 20 % an earlier model
    zipf_f = np.minimum(rng.zipf(1.6, n_derived), n_f) - 1
    child_idx = np.arange(n_f, n_m)
    earlier = (rng.random(n_derived) * child_idx).astype(np.int64)
    use_earlier = rng.random(n_derived) < 0.2
    first_parent = np.where(use_earlier, earlier, zipf_f)
    merge = rng.random(n_derived) < 0.1
    second_parent = (rng.random(n_derived) * child_idx).astype(np.int64)
    merge &= second_parent != first_parent
    # datasets: foundations take 3 each; derived models share the rest of the edge budget
    budget = int(edges_per_product * products) - n_derived - int(merge.sum())
    per_model = max(0.0, (budget - 3 * n_f) / max(1, n_derived))
    n_ds_edges = rng.poisson(per_model * 1.2, n_derived)  # oversampled: duplicates go below
    ds_child = np.concatenate([np.repeat(np.arange(n_f), 3),
                               np.repeat(child_idx, n_ds_edges)])
    ds_parent = np.minimum(rng.zipf(1.3, len(ds_child)), n_ds) - 1
    pairs = np.unique(ds_parent * np.int64(n_m) + ds_child)  # one edge per (dataset, model)
    if len(pairs) > budget > 0:  # the edge budget: about edges_per_product edges a product
        pairs = np.sort(rng.choice(pairs, budget, replace=False))
    ds_parent, ds_child = pairs // n_m, pairs % n_m

    m_ids = np.array([f"m{i}" for i in range(n_m)], dtype=object)
    d_ids = np.array([f"d{i}" for i in range(n_ds)], dtype=object)
    kinds = np.array(_DERIVED_KINDS, dtype=object)[rng.integers(0, 4, n_derived)]
    parent = np.concatenate([m_ids[first_parent], m_ids[second_parent[merge]],
                             d_ids[ds_parent]])
    child = np.concatenate([m_ids[child_idx], m_ids[child_idx[merge]], m_ids[ds_child]])
    kind = np.concatenate([kinds, np.full(int(merge.sum()), "derived_from", dtype=object),
                           np.full(len(ds_child), "trained_on", dtype=object)])
    usage = np.concatenate([np.full(n_derived + int(merge.sum()), np.nan),
                            np.round(rng.lognormal(20, 1.5, len(ds_child)))])
    carbon = np.concatenate([rng.lognormal(12, 1.0, n_ds), rng.lognormal(16, 1.5, n_f),
                             rng.lognormal(9, 2.0, n_derived)])
    return HubSpec(n_ds, n_m, n_f, parent, child, kind, usage, carbon)


def hub_graph(products: int, *, seed: int = 0, edges_per_product: float = 3.0,
              jobs: bool = True,
              on_stage: Callable[[str], None] | None = None) -> ProvenanceGraph:
    """Build the synthetic hub graph with the bulk methods (``add_products``, ``derive_many``).

    Model edges use the ``equal`` policy, dataset edges ``usage`` (tokens). ``on_stage`` is
    called with ``"spec"``, ``"products"``, ``"edges"``, ``"freed"`` (the drawn arrays let go
    of, before the jobs are made: the peak memory) and ``"jobs"`` as each stage ends (a
    benchmark reads the memory each took).

    >>> g = hub_graph(2000, seed=1)
    >>> len(g), g.validate().ok
    (2000, True)
    """
    stage = on_stage if on_stage is not None else (lambda _: None)
    spec = hub_spec(products, seed=seed, edges_per_product=edges_per_product)
    stage("spec")
    g = ProvenanceGraph()
    g.add_products([f"d{i}" for i in range(spec.n_datasets)], kind="dataset")
    g.add_products([f"m{i}" for i in range(spec.n_models)], kind="model")
    stage("products")
    on_data = spec.kind == "trained_on"
    g.derive_many(spec.child[~on_data].tolist(), spec.parent[~on_data].tolist(),
                  spec.kind[~on_data].tolist(), policy="equal")
    g.derive_many(spec.child[on_data].tolist(), spec.parent[on_data].tolist(), "trained_on",
                  policy="usage", usages=spec.usage[on_data])
    stage("edges")
    n_ds, n_m, carbon_g = spec.n_datasets, spec.n_models, spec.carbon_g
    del spec, on_data  # the edge arrays and their id strings: freed before the jobs are made
    stage("freed")
    if jobs:
        ids = [f"d{i}" for i in range(n_ds)] + [f"m{i}" for i in range(n_m)]
        g.add_reported_many(ids, quantity(carbon_g, "gCO2e"), phase="training",
                            source="synthetic", ids=[f"j{k}" for k in range(len(ids))])
    stage("jobs")
    return g
