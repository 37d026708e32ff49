"""Quantisation-aware training (QAT): fine-tune with simulated int8, then convert to int8.

Jacob, Kligys, Chen, Zhu, Tang, Howard, Adam, Kalenichenko 2018, "Quantization and Training
of Neural Networks for Efficient Integer-Arithmetic-Only Inference", CVPR, arXiv:1712.05877.
During fine-tuning every weight and activation passes through a fake quantiser

    q(x) = s * (clamp(round(x / s) + z, q_min, q_max) - z)

with scale ``s`` [unit of x] and zero point ``z`` [dimensionless] tracked by moving-average
min/max observers, and the straight-through estimator for its gradient; after training the
model is converted to real int8 kernels (``torch.ao.quantization``: eager mode, CPU, the
quantised engine in force, ``x86`` by default on this architecture). Unlike post-training
dynamic quantisation (``compress.quantise``) the activations are int8 too, with static scales.

``torch.ao.quantization`` is deprecated in favour of torchao; its deprecation warning is
silenced here on purpose (the eager QAT flow is what this module implements) and only that
warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from compress._checks import count, positive_number
from compress._errors import MissingLayersError
from compress._measured import Compressed, Evaluation, Figures, JobSetting, run_technique
from compress._quantise import _QUANTISED_TENSOR_DEPRECATED, _TORCH_AO_DEPRECATED
from compress._torch import clone, require_torch
from compress._train import TrainingRun, fit

if TYPE_CHECKING:
    import torch

    from lineage import ProvenanceGraph

__all__ = ["qat", "qat_int8"]


@contextmanager
def _torch_ao() -> Iterator[Any]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_TORCH_AO_DEPRECATED,
                                category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=_QUANTISED_TENSOR_DEPRECATED,
                                category=UserWarning)
        yield require_torch().ao.quantization


def _wrapped(model: Any) -> Any:
    th = require_torch()
    with _torch_ao() as q:
        return th.nn.Sequential(q.QuantStub(), clone(model), q.DeQuantStub())


def _qconfig(q: Any, th: Any) -> Any:
    """torch's default QAT qconfig for x86/fbgemm, spelt out: activations uint8 in [0, 127]
    (7 bits, what ``reduce_range`` does, so that the int8 kernels cannot overflow), weights
    int8 symmetric per output channel."""
    fq = q.FusedMovingAvgObsFakeQuantize
    return q.QConfig(
        activation=fq.with_args(observer=q.MovingAverageMinMaxObserver, quant_min=0,
                                quant_max=127, dtype=th.quint8, qscheme=th.per_tensor_affine),
        weight=fq.with_args(observer=q.MovingAveragePerChannelMinMaxObserver, quant_min=-128,
                            quant_max=127, dtype=th.qint8, qscheme=th.per_channel_symmetric))


def qat_int8(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int = 3,
             lr: float = 1e-4, batch_size: int = 64, seed: int = 0
             ) -> tuple[torch.nn.Module, TrainingRun]:
    """A copy of ``model`` fine-tuned with fake int8 quantisation on ``(x, y)`` and converted
    to int8 (weights per channel, activations per tensor). Returns (int8 model, training run).

    ``lr`` [dimensionless]: Adam's step; small, since the model is already trained.

    >>> import torch
    >>> from compress import digits_split, mlp
    >>> s = digits_split(0)
    >>> q, run = qat_int8(mlp((64, 16, 10)), s.x_train, s.y_train, epochs=1)
    >>> q(s.x_test[:2]).shape, run.epochs
    (torch.Size([2, 10]), 1)
    """
    th = require_torch()
    count(epochs, "epochs", "passes of quantisation-aware fine-tuning")
    positive_number(lr, "lr", "the fine-tuning learning rate, e.g. 1e-4")
    if not any(isinstance(m, th.nn.Linear) for m in model.modules()):
        raise MissingLayersError("model", type(model).__name__,
                                 "a model with torch.nn.Linear layers to quantise (none found)")
    net = _wrapped(model).train()
    with _torch_ao() as q:
        net.qconfig = _qconfig(q, th)
        q.prepare_qat(net, inplace=True)

    def ce(m: Any, idx: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = th.nn.functional.cross_entropy(m(x[idx]), y[idx])
        return out

    with _torch_ao():
        run = fit(net, len(x), ce, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed)
    with _torch_ao() as q:
        converted = q.convert(run.model.eval(), inplace=False)
    return converted, run


def qat(model: torch.nn.Module, *, graph: ProvenanceGraph, parent: str, child: str,
        evaluation: Evaluation, setting: JobSetting, x: torch.Tensor, y: torch.Tensor,
        epochs: int = 3, lr: float = 1e-4, seed: int = 0, dataset: str | None = None,
        share: Any = None, policy: str | None = None, before: Figures | None = None
        ) -> Compressed:
    """QAT of ``model`` as a measured ``compression`` job through ``run_technique``: child
    edge ``quantised_from`` the parent (and ``trained_on`` ``dataset`` when given)."""

    def make() -> tuple[Any, TrainingRun | None]:
        return qat_int8(model, x, y, epochs=epochs, lr=lr, seed=seed)

    engine = require_torch().backends.quantized.engine
    notes = (f"quantisation-aware training, {epochs} epochs at lr={lr:g} on {len(x)} "
             f"examples, then static int8 (torch.ao eager mode, engine {engine})",)
    with _torch_ao():
        return run_technique("qat_int8", make, model, graph=graph, parent=parent, child=child,
                             edge="quantised_from", phase="compression",
                             evaluation=evaluation, setting=setting, share=share,
                             policy=policy, before=before, notes=notes,
                             extra_edges=((dataset, "trained_on"),) if dataset else ())
