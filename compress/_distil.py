"""Knowledge distillation: a student learns from a teacher's soft targets [1].

Classifier loss on a labelled mini-batch (temperature T, soft-target weight alpha)::

    L = alpha * T^2 * KL( softmax(t / T) || softmax(s / T) ) + (1 - alpha) * CE(s, y)

where ``t`` and ``s`` are the teacher's and student's logits; the ``T^2`` factor keeps the
soft-target gradients on the scale of the hard-label ones [1]. In *transfer* mode the student
also (or only) sees unlabelled inputs, on which the loss is the soft-target term alone: this
is where distillation pays, when labels are scarce. With every label available a student
trained on the labels alone does about as well (the benchmark reports both).

Embedding distillation (a sentence encoder): ``L = MSE(s, t)`` between the student's and the
teacher's embeddings, on unlabelled inputs [2].

The teacher's outputs are computed once, at the start, inside the distillation job (their
cost is part of the job's energy).

References
----------
[1] Hinton, Vinyals, Dean (2015). Distilling the knowledge in a neural network.
    arXiv:1503.02531.
[2] Reimers, Gurevych (2020). Making monolingual sentence embeddings multilingual using
    knowledge distillation. EMNLP. arXiv:2004.09813.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from compress._checks import count, fraction, positive_number
from compress._errors import ShapeMismatchError
from compress._evaluate import Inputs, n_requests, predict, run_batch, take
from compress._torch import require_torch
from compress._train import TrainingRun, fit

if TYPE_CHECKING:
    import torch

__all__ = ["check_student", "distil_classifier", "distil_embeddings", "distillation_loss"]


def _index(inputs: Inputs, idx: torch.Tensor) -> Inputs:
    if isinstance(inputs, Mapping):
        return {k: v[idx] for k, v in inputs.items()}
    return inputs[idx]


def check_student(teacher: torch.nn.Module, student: torch.nn.Module, probe: Inputs) -> None:
    """Raise :class:`ShapeMismatchError` unless the student's output has the teacher's shape.

    >>> from compress import mlp
    >>> import torch
    >>> check_student(mlp((64, 10)), mlp((64, 8)), torch.zeros(2, 64))
    Traceback (most recent call last):
    ...
    compress._errors.ShapeMismatchError: student=(2, 8) is invalid: expected outputs ...
    """
    torch = require_torch()
    batch = take(probe, 0, 2)
    with torch.inference_mode():
        t_shape = tuple(run_batch(teacher.eval(), batch).shape)
        try:
            s_shape = tuple(run_batch(student.eval(), batch).shape)
        except RuntimeError as e:
            raise ShapeMismatchError("student", type(student).__name__,
                                     f"a student that accepts the teacher's inputs ({e})") from e
    if s_shape != t_shape:
        raise ShapeMismatchError("student", s_shape,
                                 f"outputs of shape {t_shape}, like the teacher's "
                                 "(one output per teacher output)")


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor | None,
    *,
    temperature: float,
    alpha: float,
) -> torch.Tensor:
    """``alpha * T^2 * KL(p_t || p_s) + (1 - alpha) * CE(s, y)``; soft term only without labels.

    >>> import torch
    >>> z = torch.tensor([[2.0, 0.0, -1.0]])
    >>> float(distillation_loss(z, z, None, temperature=4.0, alpha=0.5))
    0.0
    """
    f = require_torch().nn.functional
    t = temperature
    soft = f.kl_div(f.log_softmax(student_logits / t, dim=1),
                    f.log_softmax(teacher_logits / t, dim=1),
                    reduction="batchmean", log_target=True) * (t * t)
    if labels is None:
        return soft  # type: ignore[no-any-return]
    hard = f.cross_entropy(student_logits, labels)
    return alpha * soft + (1.0 - alpha) * hard  # type: ignore[no-any-return]


def distil_classifier(
    teacher: torch.nn.Module,
    student: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor | None = None,
    *,
    unlabelled: torch.Tensor | None = None,
    temperature: float = 4.0,
    alpha: float = 0.9,
    epochs: int = 30,
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
    drop_probability: float = 0.0,
) -> TrainingRun:
    """Distil a classifier ``teacher`` into (a copy of) ``student``; returns a TrainingRun.

    ``x``, ``y``: labelled inputs (``y=None``: ``x`` is unlabelled, pure transfer mode);
    ``unlabelled``: extra inputs without labels (transfer mode), trained on soft targets only.
    ``temperature`` T > 0 softens both distributions; ``alpha`` in [0, 1] weighs the soft
    term against the labels. The student's output must have the teacher's shape.

    >>> from compress import digits_split, mlp
    >>> s = digits_split(0)
    >>> teacher = mlp((64, 10))
    >>> run = distil_classifier(teacher, mlp((64, 8, 10)), s.x_train, s.y_train, epochs=1)
    >>> run.model(s.x_test[:2]).shape
    torch.Size([2, 10])
    """
    th = require_torch()
    t = positive_number(temperature, "temperature", "softening of the logits, e.g. 4")
    a = fraction(alpha, "alpha", "weight of the soft-target loss; 1 ignores the labels")
    check_student(teacher, student, x)
    if y is not None and len(y) != len(x):
        raise ShapeMismatchError("y", tuple(y.shape), f"one label per input ({len(x)} labels)")
    inputs = x if unlabelled is None else th.cat([x, unlabelled])
    labelled = len(x) if y is not None else 0
    soft_targets = predict(teacher, inputs)
    labels = y

    def loss(model: Any, idx: torch.Tensor) -> torch.Tensor:
        logits = model(inputs[idx])
        is_l = idx < labelled
        total: torch.Tensor = th.zeros((), dtype=logits.dtype)
        n = len(idx)
        if bool(is_l.any()):
            assert labels is not None
            li = idx[is_l]
            total = total + distillation_loss(logits[is_l], soft_targets[li], labels[li],
                                              temperature=t, alpha=a) * (len(li) / n)
        if bool((~is_l).any()):
            total = total + distillation_loss(logits[~is_l], soft_targets[idx[~is_l]], None,
                                              temperature=t, alpha=a) * (int((~is_l).sum()) / n)
        return total

    return fit(student, len(inputs), loss, epochs=epochs, batch_size=batch_size, lr=lr,
               seed=seed, drop_probability=drop_probability)


def distil_embeddings(
    teacher: torch.nn.Module,
    student: torch.nn.Module,
    inputs: Inputs,
    *,
    epochs: int = 20,
    batch_size: int = 32,
    lr: float = 1e-3,
    seed: int = 0,
    teacher_batch_size: int = 64,
) -> TrainingRun:
    """Distil an embedding model: train (a copy of) ``student`` to reproduce the teacher's
    vectors, ``L = MSE(s(x), t(x))``, on unlabelled ``inputs`` [2].

    >>> import torch
    >>> from compress import mlp
    >>> x = torch.rand(40, 16)
    >>> run = distil_embeddings(mlp((16, 8)), mlp((16, 4, 8)), x, epochs=2)
    >>> run.batches_run
    4
    """
    th = require_torch()
    count(teacher_batch_size, "teacher_batch_size", "inputs per teacher forward pass")
    check_student(teacher, student, inputs)
    targets = predict(teacher, inputs, batch_size=teacher_batch_size)

    def loss(model: Any, idx: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = th.nn.functional.mse_loss(
            run_batch(model, _index(inputs, idx)).float(), targets[idx])
        return out

    return fit(student, n_requests(inputs), loss, epochs=epochs, batch_size=batch_size, lr=lr,
               seed=seed)
