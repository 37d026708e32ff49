"""Honest serialised size: bytes of the saved weights, with pruned tensors stored sparse.

A pruned weight matrix whose zeros are kept in a dense tensor is exactly as large as before.
:func:`to_bytes` therefore stores each plain floating tensor of two or more dimensions in
compressed-sparse-row form (int32 row pointers and column indices, the non-zero values)
whenever that is smaller than the dense tensor, which happens above about 50 % zeros; other
tensors (biases, quantised tensors) are stored as ``torch.save`` writes them.
:func:`serialised_size` is the length of those bytes; :func:`from_bytes` restores the weights.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from compress._torch import require_torch

if TYPE_CHECKING:
    import torch

__all__ = ["from_bytes", "serialised_size", "to_bytes"]

_FORMAT = "modelcarbon.compress/1"


def _is_plain(t: Any) -> bool:
    torch = require_torch()
    return type(t) in (torch.Tensor, torch.nn.Parameter) and t.layout == torch.strided


def _csr(t: torch.Tensor) -> dict[str, Any] | None:
    """CSR parts of ``t`` viewed as (rows, columns), or None when dense is not larger."""
    torch = require_torch()
    if not (_is_plain(t) and t.is_floating_point() and t.dim() >= 2):
        return None
    m = t.detach().reshape(t.shape[0], -1)
    nz = m != 0
    nnz = int(nz.sum())
    if nnz >= 2**31:
        return None
    sparse_bytes = nnz * (t.element_size() + 4) + (m.shape[0] + 1) * 4
    if sparse_bytes >= m.numel() * t.element_size():
        return None
    cols = nz.nonzero()[:, 1].to(torch.int32)
    crow = torch.zeros(m.shape[0] + 1, dtype=torch.int32)
    crow[1:] = nz.sum(dim=1).cumsum(0).to(torch.int32)
    return {"shape": list(t.shape), "crow": crow, "col": cols, "values": m[nz].clone()}


def to_bytes(model: torch.nn.Module, *, sparse: bool = True) -> bytes:
    """The model's weights as bytes; with ``sparse``, mostly-zero matrices as CSR.

    >>> from compress import mlp, prune_magnitude
    >>> m = mlp((64, 128, 10))
    >>> dense, pruned = len(to_bytes(m)), len(to_bytes(prune_magnitude(m, 0.9)))
    >>> pruned < 0.3 * dense
    True
    """
    torch = require_torch()
    dense: dict[str, Any] = {}
    csr: dict[str, Any] = {}
    for name, t in model.state_dict().items():
        parts = _csr(t) if sparse else None
        if parts is None:
            dense[name] = t.detach() if isinstance(t, torch.Tensor) else t
        else:
            csr[name] = parts
    buf = io.BytesIO()
    torch.save({"format": _FORMAT, "dense": dense, "csr": csr}, buf)
    return buf.getvalue()


def from_bytes(model: torch.nn.Module, data: bytes) -> torch.nn.Module:
    """Load weights written by :func:`to_bytes` into ``model`` (same architecture); returns it.

    Loads with ``weights_only=True`` (no code runs from the bytes). Supports float models,
    pruned or not; quantised models are saved but their tensor subclasses may need
    ``weights_only=False``, which this function does not do.

    >>> from compress import mlp, prune_magnitude
    >>> m = prune_magnitude(mlp((64, 128, 10)), 0.9)
    >>> back = from_bytes(mlp((64, 128, 10), seed=1), to_bytes(m))
    >>> sd = back.state_dict()
    >>> all(bool((t == sd[k]).all()) for k, t in m.state_dict().items())
    True
    """
    torch = require_torch()
    obj = torch.load(io.BytesIO(data), weights_only=True)
    if not isinstance(obj, dict) or obj.get("format") != _FORMAT:
        from carbon import DataError

        raise DataError("data", f"{len(data)} bytes", f"bytes written by to_bytes ({_FORMAT})")
    state = dict(obj["dense"])
    for name, p in obj["csr"].items():
        rows = p["shape"][0]
        cols = 1
        for s in p["shape"][1:]:
            cols *= s
        m = torch.zeros(rows, cols, dtype=p["values"].dtype)
        counts = (p["crow"][1:] - p["crow"][:-1]).long()
        row_idx = torch.repeat_interleave(torch.arange(rows), counts)
        m[row_idx, p["col"].long()] = p["values"]
        state[name] = m.reshape(p["shape"])
    model.load_state_dict(state)
    return model


def serialised_size(model: torch.nn.Module, *, sparse: bool = True) -> int:
    """Size [bytes] of :func:`to_bytes` (the bytes a pruned model really needs on disk).

    >>> from compress import mlp
    >>> serialised_size(mlp((64, 10))) > 64 * 10 * 4
    True
    """
    return len(to_bytes(model, sparse=sparse))
