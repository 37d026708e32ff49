"""Training with stochastic mini-batch dropping."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import compress
from carbon import InvalidValueError

torch = pytest.importorskip("torch")


@settings(max_examples=15, deadline=None)
@given(p=st.floats(0.0, 0.9), seed=st.integers(0, 100))
def test_skipped_fraction_is_about_p(split: Any, p: float, seed: int) -> None:
    run = compress.train_classifier(compress.mlp((64, 10)), split.x_train, split.y_train,
                                    epochs=4, batch_size=16, seed=seed, drop_probability=p)
    total = run.batches_run + run.batches_skipped
    assert total == 4 * -(-len(split.x_train) // 16)
    sd = (p * (1 - p) / total) ** 0.5
    assert abs(run.skipped_fraction - p) <= 5 * sd + 1e-9


def test_no_dropping_runs_every_batch(split: Any) -> None:
    run = compress.train_classifier(compress.mlp((64, 10)), split.x_train, split.y_train,
                                    epochs=2, drop_probability=0.0)
    assert run.batches_skipped == 0 and run.skipped_fraction == 0.0


@pytest.mark.parametrize("p", [-0.1, 1.0, 2, float("nan")])
def test_bad_probability(split: Any, p: float) -> None:
    with pytest.raises(InvalidValueError) as e:
        compress.train_classifier(compress.mlp((64, 10)), split.x_train, split.y_train,
                                  epochs=1, drop_probability=p)
    assert e.value.field == "drop_probability"


def test_same_seed_same_model(split: Any) -> None:
    a, b = (compress.train_classifier(compress.mlp((64, 16, 10)), split.x_train, split.y_train,
                                      epochs=2, seed=5, drop_probability=0.3).model.state_dict()
            for _ in range(2))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_input_model_is_untouched(split: Any) -> None:
    m = compress.mlp((64, 10))
    w = m[0].weight.detach().clone()
    compress.train_classifier(m, split.x_train, split.y_train, epochs=1)
    assert torch.equal(m[0].weight, w)


def test_teacher_learns(teacher: Any, split: Any) -> None:
    assert compress.accuracy(teacher, split.x_test, split.y_test) > 0.9


def test_mismatched_labels(split: Any) -> None:
    with pytest.raises(compress.ShapeMismatchError):
        compress.train_classifier(compress.mlp((64, 10)), split.x_train, split.y_train[:5])
