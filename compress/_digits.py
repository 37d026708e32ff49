"""The scikit-learn digits set (bundled, offline) split for training, and an MLP teacher on it.

1,797 images of 8x8 pixels (values 0-16, scaled here to [0, 1]), ten classes. The split is
stratified and fixed by ``seed``: train / validation / held-out test.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from compress._checks import count
from compress._torch import require_torch, seeded

if TYPE_CHECKING:
    import torch

__all__ = ["DigitsSplit", "digits_split", "digits_teacher", "mlp"]


@dataclass(frozen=True)
class DigitsSplit:
    """Train / validation / test tensors (``x`` float32 in [0, 1], ``y`` int64 class labels)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def n_classes(self) -> int:
        return 10


def digits_split(seed: int = 0, *, test: float = 0.25, val: float = 0.15) -> DigitsSplit:
    """Load sklearn's bundled digits and split them (stratified, reproducible by ``seed``).

    ``test`` and ``val`` are fractions of the whole set.

    >>> s = digits_split(0)
    >>> s.x_train.shape[1], len(s.y_test) + len(s.y_val) + len(s.y_train)
    (64, 1797)
    """
    torch = require_torch()
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data: Any = load_digits()
    x = data.data.astype("float32") / 16.0
    y = data.target.astype("int64")
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=test, stratify=y, random_state=seed
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=val / (1.0 - test), stratify=y_rest, random_state=seed
    )
    t = torch.from_numpy
    return DigitsSplit(t(x_train), t(y_train), t(x_val), t(y_val), t(x_test), t(y_test))


def mlp(sizes: tuple[int, ...], *, seed: int = 0) -> torch.nn.Sequential:
    """A multilayer perceptron ``Linear -> ReLU -> ... -> Linear`` with seeded initial weights.

    >>> mlp((64, 32, 10))
    Sequential(
      (0): Linear(in_features=64, out_features=32, bias=True)
      (1): ReLU()
      (2): Linear(in_features=32, out_features=10, bias=True)
    )
    """
    th = require_torch()
    for i, s in enumerate(sizes):
        count(s, f"sizes[{i}]", "a layer width")
    if len(sizes) < 2:
        from carbon import InvalidValueError

        raise InvalidValueError("sizes", sizes, "at least (inputs, outputs), e.g. (64, 32, 10)")
    layers: list[Any] = []
    with seeded(seed):
        for i, (a, b) in enumerate(itertools.pairwise(sizes)):
            layers.append(th.nn.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(th.nn.ReLU())
    return cast("torch.nn.Sequential", th.nn.Sequential(*layers))


def digits_teacher(
    split: DigitsSplit | None = None,
    *,
    hidden: tuple[int, ...] = (256, 256),
    epochs: int = 30,
    seed: int = 0,
) -> tuple[torch.nn.Sequential, DigitsSplit]:
    """Train the digits teacher, an MLP 64 -> 256 -> 256 -> 10, in a few seconds on a CPU.

    Returns the trained model and the split it was trained on (its ``x_test`` is held out).

    >>> model, split = digits_teacher(epochs=2)
    >>> model(split.x_test[:3]).shape
    torch.Size([3, 10])
    """
    from compress._train import train_classifier

    split = split or digits_split(seed)
    model = mlp((split.n_features, *hidden, split.n_classes), seed=seed)
    run = train_classifier(model, split.x_train, split.y_train, epochs=epochs, seed=seed)
    return run.model, split  # type: ignore[return-value]
