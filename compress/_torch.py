"""Lazy access to torch: ``import compress`` works without it; techniques need it.

torch is imported only inside functions (the package floors), through :func:`require_torch`,
which turns a missing install into a :class:`MissingExtraError` naming the extra to install.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from compress._errors import MissingExtraError

if TYPE_CHECKING:
    import torch

__all__ = ["clone", "require_torch", "seed_all", "seeded"]


def require_torch() -> Any:
    """The ``torch`` module, or a clear error telling how to install the extra.

    >>> require_torch().__name__
    'torch'
    """
    try:
        import torch
    except ImportError as e:  # pragma: no cover - torch is installed in the test venv
        raise MissingExtraError(
            "torch", None, "PyTorch installed: pip install 'modelcarbon[torch]'"
        ) from e
    return torch


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run a block with torch's global RNG seeded, restoring the caller's RNG state after.

    >>> torch = require_torch()
    >>> with seeded(0):
    ...     a = torch.rand(2)
    >>> with seeded(0):
    ...     b = torch.rand(2)
    >>> bool((a == b).all())
    True
    """
    torch = require_torch()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def seed_all(seed: int) -> None:
    """Seed every global generator a run may touch: ``random``, NumPy's legacy global one and
    torch's (the suites call it first; techniques also use their own seeded generators).

    >>> seed_all(3); a = require_torch().rand(1).item()
    >>> seed_all(3); a == require_torch().rand(1).item()
    True
    """
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)  # the legacy global generator, for code that uses it
    require_torch().manual_seed(seed)


def clone(model: torch.nn.Module) -> torch.nn.Module:
    """A deep copy of ``model`` (techniques never modify the model they are given)."""
    return copy.deepcopy(model)
