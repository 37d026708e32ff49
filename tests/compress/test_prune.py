"""Pruning: bad input, the magnitude oracle, structured shrinking against a masked oracle."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import compress
from carbon import InvalidValueError

torch = pytest.importorskip("torch")

BAD_SPARSITY = [-0.1, 1.0, 1.5, math.nan, math.inf, "0.5", True, None]


@pytest.mark.parametrize("bad", BAD_SPARSITY)
@pytest.mark.parametrize("fn", [
    lambda m, s: compress.prune_magnitude(m, s),
    lambda m, s: compress.prune_magnitude(m, s, scope="global"),
    lambda m, s: compress.prune_structured(m, s),
])
def test_sparsity_outside_unit_interval_is_refused(fn: Any, bad: Any) -> None:
    with pytest.raises(InvalidValueError) as e:
        fn(compress.mlp((8, 6, 3)), bad)
    assert e.value.field in ("sparsity", "amount")
    assert "[0, 1)" in str(e.value)


@pytest.mark.parametrize("fn", [
    lambda m: compress.prune_magnitude(m, 0.5),
    lambda m: compress.prune_structured(m, 0.5),
    compress.sparsity,
])
def test_model_without_layers_is_refused(fn: Any) -> None:
    with pytest.raises(compress.MissingLayersError) as e:
        fn(torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh()))
    assert e.value.field == "model" and "Linear" in str(e.value)


def test_structured_needs_hidden_units() -> None:
    with pytest.raises(compress.MissingLayersError):
        compress.prune_structured(compress.mlp((8, 3)), 0.5)  # one layer: outputs only


def test_unknown_scope() -> None:
    with pytest.raises(InvalidValueError) as e:
        compress.prune_magnitude(compress.mlp((8, 6, 3)), 0.5, scope="row")  # type: ignore[arg-type]
    assert e.value.field == "scope"


def _weights(m: Any) -> list[Any]:
    return [mod.weight.detach().clone() for _, mod in compress.prunable_layers(m)]


@settings(max_examples=25, deadline=None)
@given(s=st.floats(0.0, 0.95), seed=st.integers(0, 10))
@example(s=0.0, seed=0)
@example(s=0.5, seed=0)
def test_layer_magnitude_pruning_matches_oracle(s: float, seed: int) -> None:
    model = compress.mlp((12, 20, 7, 3), seed=seed)
    original = _weights(model)
    pruned = compress.prune_magnitude(model, s)
    for w0, w1 in zip(original, _weights(pruned), strict=True):
        removed = w1 == 0
        # the naive oracle: round(s * n) weights removed, none larger than any kept one
        assert int(removed.sum()) == round(s * w0.numel())
        if removed.any() and (~removed).any():
            assert w0[removed].abs().max() <= w0[~removed].abs().min()
        assert torch.equal(w1[~removed], w0[~removed])
    assert all(torch.equal(a, b) for a, b in zip(original, _weights(model), strict=True))


@settings(max_examples=25, deadline=None)
@given(s=st.floats(0.0, 0.95), seed=st.integers(0, 10))
def test_global_pruning_ranks_all_layers_together(s: float, seed: int) -> None:
    model = compress.mlp((12, 20, 7, 3), seed=seed)
    w0 = torch.cat([w.flatten() for w in _weights(model)])
    w1 = torch.cat([w.flatten() for w in _weights(compress.prune_magnitude(model, s,
                                                                            scope="global"))])
    removed = w1 == 0
    assert int(removed.sum()) == round(s * w0.numel())
    if removed.any() and (~removed).any():
        assert w0[removed].abs().max() <= w0[~removed].abs().min()


def test_masks_are_permanent() -> None:
    pruned = compress.prune_magnitude(compress.mlp((8, 6, 3)), 0.5)
    names = [n for n, _ in pruned.named_parameters()] + [n for n, _ in pruned.named_buffers()]
    assert not any(n.endswith(("_orig", "_mask")) for n in names)
    assert not any(m._forward_pre_hooks for m in pruned.modules())


def _masked_oracle(model: Any, amount: float) -> Any:
    """Zero the pruned neurons in place of removing them (ReLU(0) = 0: same outputs), and
    the consumer's columns that read them (they read zeros), pair by pair in order."""
    import copy

    m = copy.deepcopy(model)
    for producer_name, consumer_name in compress.shrinkable_pairs(model):
        layer = m.get_submodule(producer_name)
        consumer = m.get_submodule(consumer_name)
        width = layer.weight.shape[0]
        k = max(1, round((1 - amount) * width))
        norms = layer.weight.detach().abs().sum(dim=1)
        drop = torch.ones(width, dtype=torch.bool)
        drop[torch.topk(norms, k).indices] = False
        with torch.no_grad():
            layer.weight[drop] = 0
            layer.bias[drop] = 0
            consumer.weight[:, drop] = 0
    return m


@settings(max_examples=20, deadline=None)
@given(a=st.floats(0.0, 0.9), seed=st.integers(0, 10))
def test_structured_shrink_equals_masked_model(a: float, seed: int) -> None:
    model = compress.mlp((12, 20, 16, 3), seed=seed)
    small = compress.prune_structured(model, a)
    assert small[0].out_features == max(1, round((1 - a) * 20))
    assert small[2].in_features == small[0].out_features
    assert small[4].out_features == 3
    x = torch.rand(9, 12, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        torch.testing.assert_close(small(x), _masked_oracle(model, a)(x))


def test_structured_conv_channels() -> None:
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Conv2d(8, 4, 3))
    small = compress.prune_structured(model, 0.5)
    assert small[0].out_channels == 4 and small[2].in_channels == 4
    assert small(torch.rand(2, 1, 8, 8)).shape == model(torch.rand(2, 1, 8, 8)).shape


def test_structured_makes_model_smaller_and_it_still_runs(teacher: Any, split: Any) -> None:
    small = compress.prune_structured(teacher, 0.5)
    assert compress.serialised_size(small) < 0.6 * compress.serialised_size(teacher)
    acc = compress.accuracy(small, split.x_test, split.y_test)
    assert 0.0 <= acc <= 1.0


def test_moderate_pruning_keeps_accuracy(teacher: Any, split: Any) -> None:
    before = compress.accuracy(teacher, split.x_test, split.y_test)
    after = compress.accuracy(compress.prune_magnitude(teacher, 0.5), split.x_test,
                              split.y_test)
    assert after > before - 0.05


def test_pruning_is_deterministic(teacher: Any) -> None:
    a = compress.prune_magnitude(teacher, 0.7, scope="global").state_dict()
    b = compress.prune_magnitude(teacher, 0.7, scope="global").state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
