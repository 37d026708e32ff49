"""Errors of the compress package, in the one modelcarbon exception tree.

Each names the field, the offending value and the fix, like every modelcarbon error.

>>> err = MissingLayersError("model", "Sequential(ReLU())", "a model with torch.nn.Linear layers")
>>> isinstance(err, ValueError), err.field
(True, 'model')
"""

from __future__ import annotations

from carbon import InvalidValueError, ModelCarbonError

__all__ = ["MissingExtraError", "MissingLayersError", "ShapeMismatchError"]


class MissingLayersError(InvalidValueError):
    """The model has none of the layers a technique works on (nothing to prune or quantise)."""


class ShapeMismatchError(InvalidValueError):
    """A student whose output shape differs from the teacher's, or inputs of the wrong shape."""


class MissingExtraError(ModelCarbonError, ImportError):
    """An optional dependency (torch, transformers, the MiniLM weights) is not installed."""
