"""Before/after figures of a model: held-out accuracy, latency per request at a batch size.

Inputs are either one tensor (rows are requests) or a mapping of tensors that share their
first dimension (e.g. ``input_ids`` and ``attention_mask``), passed as keyword arguments.
Durations are timed with ``time.perf_counter_ns`` (monotonic), never the wall clock.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from carbon import quantity
from compress._checks import count
from compress._torch import require_torch

if TYPE_CHECKING:
    import torch

__all__ = [
    "Inputs", "accuracy", "latency_per_request", "n_requests", "predict", "run_batch", "take",
]

Inputs = Any  # torch.Tensor | Mapping[str, torch.Tensor]


def n_requests(inputs: Inputs) -> int:
    """Number of requests (rows) in ``inputs``."""
    if isinstance(inputs, Mapping):
        return len(next(iter(inputs.values())))
    return len(inputs)


def take(inputs: Inputs, start: int, stop: int) -> Inputs:
    """Rows ``start:stop`` of ``inputs`` (a tensor or a mapping of tensors)."""
    if isinstance(inputs, Mapping):
        return {k: v[start:stop] for k, v in inputs.items()}
    return inputs[start:stop]


def run_batch(model: torch.nn.Module, batch: Inputs) -> torch.Tensor:
    """``model(batch)`` or ``model(**batch)`` for a mapping."""
    if isinstance(batch, Mapping):
        return model(**batch)  # type: ignore[no-any-return]
    return model(batch)  # type: ignore[no-any-return]


def predict(model: torch.nn.Module, inputs: Inputs, *, batch_size: int = 256) -> torch.Tensor:
    """The model's outputs for all rows of ``inputs``, in eval mode without gradients."""
    th = require_torch()
    count(batch_size, "batch_size", "requests per forward pass")
    model.eval()
    outs = []
    with th.inference_mode():
        for i in range(0, n_requests(inputs), batch_size):
            outs.append(run_batch(model, take(inputs, i, i + batch_size)).float())
    return cast("torch.Tensor", th.cat(outs))


def accuracy(
    model: torch.nn.Module, x: Inputs, y: torch.Tensor, *, batch_size: int = 256
) -> float:
    """Fraction of rows whose arg-max output equals the label (a number in [0, 1]).

    >>> from compress import digits_split, mlp
    >>> s = digits_split(0)
    >>> 0.0 <= accuracy(mlp((64, 10)), s.x_test, s.y_test) <= 1.0
    True
    """
    pred = predict(model, x, batch_size=batch_size).argmax(dim=1)
    return float((pred == y).float().mean())


def latency_per_request(
    model: torch.nn.Module,
    inputs: Inputs,
    *,
    batch_size: int,
    repeats: int = 30,
    warmup: int = 3,
) -> Any:
    """Latency per request [s] at ``batch_size``: median time of one batch / ``batch_size``.

    The batch is the first ``batch_size`` rows of ``inputs`` (fewer rows is an error); it runs
    ``warmup`` times untimed, then ``repeats`` times timed with ``perf_counter_ns``.

    >>> from compress import digits_split, mlp
    >>> s = digits_split(0)
    >>> latency_per_request(mlp((64, 10)), s.x_test, batch_size=8, repeats=3).units
    <Unit('second')>
    """
    torch = require_torch()
    count(batch_size, "batch_size", "requests per batch")
    count(repeats, "repeats", "timed batches")
    if n_requests(inputs) < batch_size:
        from compress._errors import ShapeMismatchError

        raise ShapeMismatchError("inputs", n_requests(inputs),
                                 f"at least batch_size={batch_size} rows to time one batch")
    batch = take(inputs, 0, batch_size)
    model.eval()
    times_ns = []
    with torch.inference_mode():
        for _ in range(warmup):
            run_batch(model, batch)
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            run_batch(model, batch)
            times_ns.append(time.perf_counter_ns() - t0)
    return quantity(statistics.median(times_ns) * 1e-9 / batch_size, "s")
