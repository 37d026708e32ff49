"""QAT: an int8 model close to its parent's accuracy, recorded as a measured technique."""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

import compress  # noqa: E402
from compress._qat import qat, qat_int8  # noqa: E402


def test_qat_keeps_accuracy_and_is_int8(teacher: Any, split: Any) -> None:
    q, run = qat_int8(teacher, split.x_train, split.y_train, epochs=2)
    acc_q = compress.accuracy(q, split.x_test, split.y_test)
    acc_t = compress.accuracy(teacher, split.x_test, split.y_test)
    assert acc_q > acc_t - 0.05
    assert any("quantized" in type(m).__module__ for m in q.modules())
    assert run.batches_run > 0


def test_qat_is_reproducible(teacher: Any, split: Any) -> None:
    a, _ = qat_int8(teacher, split.x_train, split.y_train, epochs=1, seed=3)
    b, _ = qat_int8(teacher, split.x_train, split.y_train, epochs=1, seed=3)
    assert torch.equal(a(split.x_test), b(split.x_test))


def test_qat_refuses_a_model_without_linear() -> None:
    with pytest.raises(compress.MissingLayersError):
        qat_int8(torch.nn.Sequential(torch.nn.ReLU()), torch.zeros(4, 3),
                 torch.zeros(4, dtype=torch.long))


def test_qat_measured_technique(teacher: Any, split: Any, graph: Any, evaluation: Any,
                                setting: Any) -> None:
    out = qat(teacher, graph=graph, parent="teacher", child="teacher-qat",
              evaluation=evaluation, setting=setting, x=split.x_train, y=split.y_train,
              epochs=1, dataset="digits")
    assert out.result.technique == "qat_int8"
    kinds = {(e["parent"], e["kind"]) for e in graph.edges() if e["child"] == "teacher-qat"}
    assert kinds == {("teacher", "quantised_from"), ("digits", "trained_on")}
    assert {e.phase for e in graph.jobs("teacher-qat")} == {"compression"}
    assert out.result.size_after < out.result.size_before
    assert out.result.metric_after > out.result.metric_before - 0.05
