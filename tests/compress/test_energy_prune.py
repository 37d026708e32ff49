"""Energy-aware pruning: the energy model's arithmetic, the greedy choice, the measured job."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

import carbon  # noqa: E402
import compress  # noqa: E402
from compress._energy_prune import (  # noqa: E402
    layer_energy,
    linear_pairs,
    prune_energy,
    prune_energy_aware,
)


def test_flops_allocation_conserves_energy() -> None:
    m = compress.mlp((64, 32, 16, 10))
    e = layer_energy(m, None, "6 mJ", allocation="flops")
    assert sum(v.m_as("mJ") for v in e.values()) == pytest.approx(6.0)
    macs = {"0": 64 * 32, "2": 32 * 16, "4": 16 * 10}
    total = sum(macs.values())
    for k, v in e.items():
        assert v.m_as("mJ") == pytest.approx(6.0 * macs[k] / total)


def test_time_allocation_conserves_energy(split: Any) -> None:
    m = compress.mlp((64, 32, 10))
    e = layer_energy(m, split.x_test, carbon.Q_(2.0, "mJ"), repeats=3)
    assert sum(v.m_as("mJ") for v in e.values()) == pytest.approx(2.0)
    assert all(v.m_as("J") > 0 for v in e.values())


def test_energy_guides_the_choice() -> None:
    """With all the energy booked on the first pair, only its hidden layer shrinks."""
    m = compress.mlp((64, 20, 20, 10))
    energies = {"0": "10 mJ", "2": "1e-9 mJ", "4": "1e-9 mJ"}
    out = prune_energy_aware(m, energies, 0.5)
    assert out[0].out_features < 20 and out[2].out_features == 20
    assert out(torch.zeros(2, 64)).shape == (2, 10)


def test_zero_reduction_keeps_the_model() -> None:
    m = compress.mlp((64, 16, 10))
    out = prune_energy_aware(m, layer_energy(m, None, "1 mJ", allocation="flops"), 0.0)
    assert out[0].out_features == 16 and out is not m


def test_refusals() -> None:
    m = compress.mlp((64, 16, 10))
    with pytest.raises(carbon.InvalidValueError):
        prune_energy_aware(m, {"0": "1 mJ"}, 0.5)
    with pytest.raises(carbon.InvalidValueError):
        prune_energy_aware(m, layer_energy(m, None, "1 mJ", allocation="flops"), 1.0)
    with pytest.raises(compress.MissingLayersError):
        prune_energy_aware(compress.mlp((64, 10)), {"0": "1 mJ"}, 0.5)
    with pytest.raises(carbon.InvalidValueError):
        layer_energy(m, None, "1 mJ", allocation="bytes")  # type: ignore[arg-type]
    assert linear_pairs(m) == [("0", "2")]


def test_measured_technique(teacher: Any, graph: Any, evaluation: Any, setting: Any) -> None:
    out = prune_energy(teacher, graph=graph, parent="teacher", child="teacher-ea",
                       evaluation=evaluation, setting=setting, energy_reduction=0.5)
    assert out.result.technique == "prune_energy_aware"
    assert any(e["kind"] == "pruned_from" and e["child"] == "teacher-ea"
               for e in graph.edges())
    assert out.result.size_after < out.result.size_before
    from assess.adoption import technique  # the result feeds the adoption framework

    fed = technique("energy_aware_pruning").measured(out.result)
    assert len(fed.measurements) == 1
