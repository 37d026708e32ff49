"""Before/after figures: predictions in batches equal one forward pass, accuracy against a
hand count, inputs as a tensor or a mapping, latency per request from a monotonic clock."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import compress
from carbon import InvalidValueError
from compress import ShapeMismatchError
from compress._evaluate import n_requests, run_batch, take

torch = pytest.importorskip("torch")


class Pair(torch.nn.Module):
    """A model called with keyword tensors, like a tokenised transformer input."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(4, 3)

    def forward(self, input_ids: Any, attention_mask: Any) -> Any:
        return self.linear(input_ids * attention_mask)


def test_rows_of_a_tensor_or_a_mapping() -> None:
    x = torch.arange(12.0).reshape(6, 2)
    assert n_requests(x) == 6 and torch.equal(take(x, 1, 3), x[1:3])
    m = {"input_ids": torch.ones(5, 4), "attention_mask": torch.zeros(5, 4)}
    assert n_requests(m) == 5
    part = take(m, 2, 4)
    assert set(part) == set(m) and all(len(v) == 2 for v in part.values())


def test_run_batch_passes_a_mapping_as_keywords() -> None:
    model = Pair()
    m = {"input_ids": torch.ones(2, 4), "attention_mask": torch.ones(2, 4)}
    assert torch.equal(run_batch(model, m), model(**m))


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 50), batch=st.integers(1, 64))
def test_predictions_in_batches_equal_one_forward_pass(n: int, batch: int) -> None:
    model = compress.mlp((4, 8, 3), seed=0)
    x = torch.randn(n, 4, generator=torch.Generator().manual_seed(n))
    with torch.no_grad():
        whole = model(x)
    got = compress.predict(model, x, batch_size=batch)
    assert got.shape == (n, 3) and torch.allclose(got, whole, atol=1e-6)
    assert not got.requires_grad and not model.training


def test_accuracy_matches_a_hand_count(split: compress.DigitsSplit, teacher: Any) -> None:
    with torch.no_grad():
        pred = teacher(split.x_test).argmax(dim=1)
    hand = sum(int(p) == int(y) for p, y in zip(pred, split.y_test, strict=True)) / len(pred)
    assert compress.accuracy(teacher, split.x_test, split.y_test, batch_size=7) == \
        pytest.approx(hand)


def test_accuracy_of_a_mapping_input() -> None:
    model = Pair()
    m = {"input_ids": torch.randn(10, 4), "attention_mask": torch.ones(10, 4)}
    with torch.no_grad():
        labels = model(**m).argmax(dim=1)
    assert compress.accuracy(model, m, labels, batch_size=3) == 1.0


def _clock(monkeypatch: pytest.MonkeyPatch, durations_ns: list[int]) -> None:
    ticks: Iterator[int] = iter([t for d in durations_ns for t in (0, d)])
    fake = types.SimpleNamespace(perf_counter_ns=lambda: next(ticks))
    monkeypatch.setattr("compress._evaluate.time", fake)


def test_latency_is_the_median_batch_time_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    _clock(monkeypatch, [4_000_000, 1_000_000, 9_000_000])  # median 4 ms for a batch of 8
    got = compress.latency_per_request(compress.mlp((4, 2)), torch.zeros(8, 4), batch_size=8,
                                       repeats=3, warmup=1)
    assert str(got.units) == "s" and got.m == pytest.approx(4e-3 / 8)


@pytest.mark.parametrize(("kw", "error", "field"), [
    ({"batch_size": 20}, ShapeMismatchError, "inputs"),
    ({"batch_size": 0}, InvalidValueError, "batch_size"),
    ({"batch_size": 2, "repeats": 0}, InvalidValueError, "repeats"),
])
def test_latency_arguments_are_checked(kw: dict[str, Any], error: type,
                                       field: str) -> None:
    with pytest.raises(error) as info:
        compress.latency_per_request(compress.mlp((4, 2)), torch.zeros(8, 4), **kw)
    assert info.value.field == field


def test_predict_refuses_a_bad_batch_size() -> None:
    with pytest.raises(InvalidValueError, match="batch_size"):
        compress.predict(compress.mlp((4, 2)), torch.zeros(3, 4), batch_size=0)
