"""Lazy torch: a clear error naming the extra when torch is missing, seeded blocks that
restore the caller's RNG, and clones that never share weights with the original."""

from __future__ import annotations

import sys

import pytest

from compress import MissingExtraError
from compress._torch import clone, require_torch, seeded

torch = pytest.importorskip("torch")


def test_require_torch_is_torch() -> None:
    assert require_torch() is torch


def test_without_torch_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # ``import torch`` now raises ImportError
    with pytest.raises(MissingExtraError) as info:
        require_torch()
    assert info.value.field == "torch" and "modelcarbon[torch]" in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)


def test_seeded_blocks_repeat_and_restore_the_callers_rng() -> None:
    with seeded(7):
        a = torch.rand(3)
    with seeded(7):
        b = torch.rand(3)
    assert torch.equal(a, b)
    with seeded(8):
        c = torch.rand(3)
    assert not torch.equal(a, c)
    torch.manual_seed(123)
    expected = torch.rand(2)
    torch.manual_seed(123)
    with seeded(0):
        torch.rand(5)  # draws inside the block do not move the caller's stream
    assert torch.equal(torch.rand(2), expected)


def test_seeded_restores_the_rng_after_an_error() -> None:
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    with pytest.raises(RuntimeError, match="inside"), seeded(1):
        torch.rand(4)
        raise RuntimeError("inside")
    assert torch.equal(torch.rand(2), expected)


def test_a_clone_shares_no_weights() -> None:
    model = torch.nn.Linear(3, 2)
    copy = clone(model)
    with torch.no_grad():
        copy.weight.zero_()
    assert not torch.equal(model.weight, copy.weight)
    assert copy is not model and type(copy) is type(model)
