"""The digits split and the seeded MLP: the split is stratified, disjoint in size, scaled to
[0, 1] and reproducible; the MLP's shape and weights follow its sizes and seed."""

from __future__ import annotations

from typing import Any

import pytest

import compress
from carbon import InvalidValueError

torch = pytest.importorskip("torch")


def test_the_split_covers_the_set_once(split: compress.DigitsSplit) -> None:
    parts = [(split.x_train, split.y_train), (split.x_val, split.y_val),
             (split.x_test, split.y_test)]
    assert sum(len(y) for _, y in parts) == 1797
    for x, y in parts:
        assert x.dtype == torch.float32 and y.dtype == torch.int64 and len(x) == len(y)
        assert x.shape[1] == split.n_features == 64
        assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    assert len(split.y_test) == pytest.approx(0.25 * 1797, abs=1)
    assert len(split.y_val) == pytest.approx(0.15 * 1797, abs=1)
    assert split.n_classes == 10


def test_the_split_is_stratified(split: compress.DigitsSplit) -> None:
    whole = torch.cat([split.y_train, split.y_val, split.y_test]).bincount(minlength=10)
    test = split.y_test.bincount(minlength=10)
    share = test.double() / whole.double()
    assert float(share.min()) > 0.2 and float(share.max()) < 0.3


def test_the_split_is_reproducible_by_seed(split: compress.DigitsSplit) -> None:
    again = compress.digits_split(0)
    assert torch.equal(again.x_test, split.x_test) and torch.equal(again.y_val, split.y_val)
    other = compress.digits_split(1)
    assert not torch.equal(other.x_test, split.x_test)


def test_fractions_are_of_the_whole_set() -> None:
    s = compress.digits_split(0, test=0.5, val=0.25)
    assert len(s.y_test) == pytest.approx(1797 / 2, abs=1)
    assert len(s.y_val) == pytest.approx(1797 / 4, abs=1)


def test_mlp_alternates_linear_and_relu_and_ends_linear() -> None:
    m = compress.mlp((64, 32, 16, 10))
    kinds = [type(layer).__name__ for layer in m]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [(layer.in_features, layer.out_features) for layer in m
            if isinstance(layer, torch.nn.Linear)] == [(64, 32), (32, 16), (16, 10)]
    assert compress.mlp((64, 10))(torch.zeros(3, 64)).shape == (3, 10)


def test_mlp_weights_follow_the_seed() -> None:
    a, b, c = compress.mlp((8, 4), seed=1), compress.mlp((8, 4), seed=1), compress.mlp(
        (8, 4), seed=2)
    assert torch.equal(a[0].weight, b[0].weight)
    assert not torch.equal(a[0].weight, c[0].weight)


@pytest.mark.parametrize(("sizes", "field"), [
    ((64,), "sizes"), ((), "sizes"), ((64, 0, 10), "sizes[1]"), ((64, 2.5, 10), "sizes[1]"),
    ((-1, 10), "sizes[0]"),
])
def test_bad_sizes_name_the_position(sizes: Any, field: str) -> None:
    with pytest.raises(InvalidValueError) as info:
        compress.mlp(sizes)
    assert info.value.field == field


def test_the_teacher_is_trained_on_the_split_it_is_given(split: compress.DigitsSplit) -> None:
    model, used = compress.digits_teacher(split, hidden=(8,), epochs=1, seed=0)
    assert used is split
    assert [layer.out_features for layer in model if isinstance(layer, torch.nn.Linear)] == [
        8, 10]
