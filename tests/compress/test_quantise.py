"""Quantisation: int8 on both backends, fp16/bf16 casting, narrow warning handling."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import compress
from carbon import InvalidValueError

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("backend", ["auto", "torch.ao"])
def test_int8_keeps_outputs_and_accuracy(teacher: Any, split: Any, backend: str) -> None:
    q = compress.quantise_int8(teacher, backend=backend)  # type: ignore[arg-type]
    with torch.no_grad():
        ref, out = teacher(split.x_test), q(split.x_test)
    assert (out - ref).abs().max() < 0.05 * ref.abs().max()
    before = compress.accuracy(teacher, split.x_test, split.y_test)
    assert compress.accuracy(q, split.x_test, split.y_test) > before - 0.02
    assert compress.serialised_size(q) < 0.45 * compress.serialised_size(teacher)


def test_torch_ao_filter_is_scoped_to_the_call(teacher: Any) -> None:
    filters = list(warnings.filters)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        compress.quantise_int8(teacher, backend="torch.ao")
        warnings.warn("another warning still surfaces", UserWarning, stacklevel=1)
    assert [str(w.message) for w in seen] == ["another warning still surfaces"]
    assert warnings.filters == filters


def test_int8_is_deterministic(teacher: Any, split: Any) -> None:
    a = compress.quantise_int8(teacher)(split.x_test)
    b = compress.quantise_int8(teacher)(split.x_test)
    assert torch.equal(a, b)


@pytest.mark.parametrize("dtype, torch_dtype", [("fp16", "float16"), ("bf16", "bfloat16")])
def test_cast(teacher: Any, split: Any, dtype: str, torch_dtype: str) -> None:
    half = compress.cast(teacher, dtype)  # type: ignore[arg-type]
    assert all(p.dtype == getattr(torch, torch_dtype) for p in half.parameters())
    out = half(split.x_test)
    assert out.dtype == torch.float32
    before = compress.accuracy(teacher, split.x_test, split.y_test)
    assert compress.accuracy(half, split.x_test, split.y_test) > before - 0.02
    size = compress.serialised_size(half)
    assert size == pytest.approx(compress.serialised_size(teacher) / 2, rel=0.05)
    assert next(teacher.parameters()).dtype == torch.float32  # input model untouched


def test_bad_quantisation_input() -> None:
    with pytest.raises(compress.MissingLayersError):
        compress.quantise_int8(torch.nn.Sequential(torch.nn.ReLU()))
    with pytest.raises(compress.MissingLayersError):
        compress.cast(torch.nn.Sequential(torch.nn.ReLU()), "fp16")
    with pytest.raises(InvalidValueError) as e:
        compress.cast(compress.mlp((4, 2)), "int4")  # type: ignore[arg-type]
    assert e.value.field == "dtype"
    with pytest.raises(InvalidValueError) as e:
        compress.quantise_int8(compress.mlp((4, 2)), backend="tensorrt")  # type: ignore[arg-type]
    assert e.value.field == "backend"
