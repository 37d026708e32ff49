"""The architecture study at a tiny size: the nets, the table, the factors' statistics."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

import carbon  # noqa: E402
from compress._architecture_study import (  # noqa: E402
    ACTIVATIONS,
    LAYERS,
    SIZES,
    architecture_net,
    architecture_study,
)


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_net_maps_digits_to_ten_logits(layer: str, activation: str) -> None:
    for size in SIZES:
        assert architecture_net(layer, activation, size)(torch.zeros(3, 64)).shape == (3, 10)


def test_nets_are_seeded_and_sized() -> None:
    a, b = architecture_net("linear", "relu", "small", seed=4), \
        architecture_net("linear", "relu", "small", seed=4)
    assert torch.equal(a[0].weight, b[0].weight)
    small = sum(p.numel() for p in architecture_net("conv", "relu", "small").parameters())
    large = sum(p.numel() for p in architecture_net("conv", "relu", "large").parameters())
    assert large > small


def test_unknown_level() -> None:
    with pytest.raises(carbon.UnknownKeyError):
        architecture_net("recurrent", "relu", "small")


def test_tiny_study(setting: Any, graph: Any) -> None:
    st = architecture_study(setting=setting, activations=("relu", "tanh"), sizes=("small",),
                            repeats=2, epochs=1, min_seconds=0.05, graph=graph)
    t = st.table
    assert len(t) == 2 * 2 * 1 * 2
    assert (t["energy_per_epoch [J]"] > 0).all() and (t["energy_per_inference [J]"] > 0).all()
    assert len(st.summary()) == 4 and "energy_per_epoch [J] CV" in st.summary()
    eff = st.effects()
    assert set(eff["factor"]) == {"layer", "activation"}  # size has one level: no test
    assert eff["eta_squared"].notna().all()
    assert any(e["child"] == "conv-tanh-small#1" for e in graph.edges())
    again = architecture_study(setting=setting, layers=("linear",), activations=("relu",),
                               sizes=("small",), repeats=1, epochs=1, min_seconds=0.05)
    assert again.table["accuracy"].iloc[0] == t["accuracy"].iloc[0]  # fixed seeds
