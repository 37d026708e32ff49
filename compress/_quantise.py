"""Quantisation: dynamic int8 of Linear layers, and fp16/bf16 casting.

Dynamic int8 stores Linear weights as int8 with a scale and quantises activations on the fly
at each call [1]. ``torchao`` (``Int8DynamicActivationInt8WeightConfig``) is preferred; when it
is not installed, ``torch.ao.quantization.quantize_dynamic`` is used. That API is deprecated
in torch 2.x and says so with a ``DeprecationWarning`` (and a ``UserWarning`` about quantised
tensor constructors) on every call: we silence exactly those two messages around that call,
because we chose the fallback knowingly, and let every other warning through.

On small models on a CPU, int8 and fp16 are often *slower* than float32 (quantising the
activations and the kernels' dispatch cost more than the smaller matrix products save); the
benchmark reports what happens.

References
----------
[1] Jacob et al. (2018). Quantization and training of neural networks for efficient
    integer-arithmetic-only inference. CVPR. arXiv:1712.05877.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from carbon import InvalidValueError
from compress._errors import MissingExtraError, MissingLayersError
from compress._torch import clone, require_torch

if TYPE_CHECKING:
    import torch

__all__ = ["cast", "int8_backend", "quantise_int8"]

Backend = Literal["auto", "torchao", "torch.ao"]

#: The deprecation messages of torch.ao.quantization we expect, and only those.
_TORCH_AO_DEPRECATED = r"torch\.ao\.quantization is deprecated"
_QUANTISED_TENSOR_DEPRECATED = r"torch\.quantize_per_tensor, torch\.quantize_per_channel"


@contextlib.contextmanager
def _quiet_loggers(*names: str) -> Iterator[None]:
    """Raise the level of the named loggers to ERROR for a block, then restore it.

    torchao logs at WARNING, on import, that optional CUDA kernels (``_C_mxfp8``, cutlass)
    could not be loaded: true and irrelevant on a CPU.
    """
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _torchao() -> Any | None:
    try:
        with _quiet_loggers("torchao", "torch.utils._pytree"):
            tq = importlib.import_module("torchao.quantization")
    except ImportError:
        return None
    return tq


def int8_backend(backend: Backend = "auto") -> str:
    """The int8 backend that :func:`quantise_int8` uses: ``"torchao"`` or ``"torch.ao"``.

    >>> int8_backend("torch.ao")
    'torch.ao'
    """
    if backend == "torch.ao":
        return backend
    if backend not in ("auto", "torchao"):
        raise InvalidValueError("backend", backend, "'auto', 'torchao' or 'torch.ao'")
    if _torchao() is not None:
        return "torchao"
    if backend == "torchao":
        raise MissingExtraError("backend", backend, "torchao installed (pip install torchao), "
                                "or backend='torch.ao'")
    return "torch.ao"


def _linear_count(model: torch.nn.Module) -> int:
    nn = require_torch().nn
    return sum(isinstance(m, nn.Linear) for m in model.modules())


def quantise_int8(model: torch.nn.Module, *, backend: Backend = "auto") -> torch.nn.Module:
    """A copy of ``model`` with every ``torch.nn.Linear`` quantised to dynamic int8 [1].

    Weights int8 (per-channel scales with torchao, per-tensor with torch.ao), activations
    quantised per call. Other layers stay float32. Runs on a CPU.

    >>> import torch
    >>> from compress import mlp
    >>> q = quantise_int8(mlp((64, 32, 10)))
    >>> q(torch.zeros(2, 64)).shape
    torch.Size([2, 10])
    """
    torch = require_torch()
    if _linear_count(model) == 0:
        raise MissingLayersError("model", type(model).__name__,
                                 "a model with torch.nn.Linear layers to quantise (none found)")
    chosen = int8_backend(backend)
    model = clone(model).eval()
    if chosen == "torchao":
        tq = _torchao()
        assert tq is not None
        tq.quantize_(model, tq.Int8DynamicActivationInt8WeightConfig())
        return model
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_TORCH_AO_DEPRECATED,
                                category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=_QUANTISED_TENSOR_DEPRECATED,
                                category=UserWarning)
        return torch.ao.quantization.quantize_dynamic(  # type: ignore[no-any-return]
            model, {torch.nn.Linear}, dtype=torch.qint8
        )


def cast(model: torch.nn.Module, dtype: Literal["fp16", "bf16"]) -> torch.nn.Module:
    """A copy of ``model`` whose weights are float16 or bfloat16 (half the bytes of float32).

    The copy casts floating inputs to ``dtype`` and its outputs back to float32, so it is a
    drop-in replacement. Integer buffers (token ids) are left alone.

    >>> import torch
    >>> from compress import mlp
    >>> half = cast(mlp((64, 10)), "bf16")
    >>> half(torch.zeros(1, 64)).dtype, half.inner[0].weight.dtype
    (torch.float32, torch.bfloat16)
    """
    torch = require_torch()
    dtypes = {"fp16": torch.float16, "bf16": torch.bfloat16}
    if dtype not in dtypes:
        raise InvalidValueError("dtype", dtype, "'fp16' or 'bf16'")
    if not any(p.is_floating_point() for p in model.parameters()):
        raise MissingLayersError("model", type(model).__name__,
                                 "a model with floating-point parameters to cast")
    from compress._nets import Cast

    return Cast(clone(model).eval(), dtypes[dtype])
