"""Distillation: the loss against a naive oracle, bad students, transfer mode, determinism."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import compress
from carbon import InvalidValueError

torch = pytest.importorskip("torch")


def _oracle(s: np.ndarray, t: np.ndarray, y: np.ndarray | None, temp: float,
            alpha: float) -> float:
    def softmax(z: np.ndarray) -> np.ndarray:
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    ps, pt = softmax(s / temp), softmax(t / temp)
    kl = float(np.mean(np.sum(pt * (np.log(pt) - np.log(ps)), axis=1))) * temp * temp
    if y is None:
        return kl
    ce = float(np.mean(-np.log(softmax(s)[np.arange(len(y)), y])))
    return alpha * kl + (1 - alpha) * ce


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 1000), temp=st.floats(0.5, 10), alpha=st.floats(0, 1),
       labelled=st.booleans())
def test_loss_matches_oracle(seed: int, temp: float, alpha: float, labelled: bool) -> None:
    rng = np.random.default_rng(seed)
    s, t = rng.normal(size=(6, 4)) * 3, rng.normal(size=(6, 4)) * 3
    y = rng.integers(0, 4, size=6) if labelled else None
    got = compress.distillation_loss(torch.tensor(s), torch.tensor(t),
                                     None if y is None else torch.tensor(y),
                                     temperature=temp, alpha=alpha)
    assert float(got) == pytest.approx(_oracle(s, t, y, temp, alpha), rel=1e-6, abs=1e-9)


def test_student_with_wrong_output_shape(split: Any) -> None:
    with pytest.raises(compress.ShapeMismatchError) as e:
        compress.distil_classifier(compress.mlp((64, 10)), compress.mlp((64, 7)),
                                   split.x_train, split.y_train, epochs=1)
    assert e.value.field == "student" and "(2, 10)" in str(e.value)


def test_student_that_cannot_read_the_inputs(split: Any) -> None:
    with pytest.raises(compress.ShapeMismatchError) as e:
        compress.distil_classifier(compress.mlp((64, 10)), compress.mlp((32, 10)),
                                   split.x_train, split.y_train, epochs=1)
    assert e.value.field == "student"


@pytest.mark.parametrize("kw, field", [
    ({"temperature": 0}, "temperature"), ({"temperature": -1.0}, "temperature"),
    ({"temperature": math.nan}, "temperature"), ({"alpha": 1.5}, "alpha"),
    ({"alpha": -0.1}, "alpha"), ({"epochs": 0}, "epochs"), ({"batch_size": 0}, "batch_size"),
])
def test_bad_parameters(split: Any, kw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValueError) as e:
        compress.distil_classifier(compress.mlp((64, 10)), compress.mlp((64, 5, 10)),
                                   split.x_train, split.y_train, **kw)
    assert e.value.field == field


def test_label_count_must_match(split: Any) -> None:
    with pytest.raises(compress.ShapeMismatchError):
        compress.distil_classifier(compress.mlp((64, 10)), compress.mlp((64, 5, 10)),
                                   split.x_train, split.y_train[:10], epochs=1)


def test_deterministic_with_seed(teacher: Any, split: Any) -> None:
    runs = [compress.distil_classifier(teacher, compress.mlp((64, 16, 10), seed=1),
                                       split.x_train[:200], split.y_train[:200], epochs=2,
                                       seed=3) for _ in range(2)]
    a, b = (r.model.state_dict() for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_transfer_mode_pays_when_labels_are_scarce(teacher: Any, split: Any) -> None:
    """With 5 % of the labels, soft targets on the other inputs beat the labels alone."""
    n = len(split.x_train) // 20
    student = compress.mlp((64, 32, 10), seed=1)
    alone = compress.train_classifier(student, split.x_train[:n], split.y_train[:n],
                                      epochs=30, seed=0)
    distilled = compress.distil_classifier(teacher, student, split.x_train[:n],
                                           split.y_train[:n], unlabelled=split.x_train[n:],
                                           epochs=30, seed=0)
    acc = [compress.accuracy(r.model, split.x_test, split.y_test) for r in (alone, distilled)]
    assert acc[1] > acc[0]


def test_pure_transfer_without_labels(teacher: Any, split: Any) -> None:
    run = compress.distil_classifier(teacher, compress.mlp((64, 32, 10), seed=1),
                                     split.x_train, None, epochs=10)
    assert compress.accuracy(run.model, split.x_test, split.y_test) > 0.5


def test_embedding_distillation_reduces_the_gap() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(200, 16, generator=g)
    teacher = compress.mlp((16, 32, 8), seed=0)
    student = compress.mlp((16, 8, 8), seed=1)
    run = compress.distil_embeddings(teacher, student, x, epochs=20)
    with torch.no_grad():
        gap0 = torch.nn.functional.mse_loss(student(x), teacher(x))
        gap1 = torch.nn.functional.mse_loss(run.model(x), teacher(x))
    assert gap1 < 0.5 * gap0
