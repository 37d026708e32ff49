"""Small torch modules used by the techniques. Imports torch at the top: import it lazily.

Only functions of other compress modules import this one, inside their bodies, so that
``import compress`` does not import torch.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Cast", "MeanPooledEmbedder", "SentenceEncoder"]


class Cast(nn.Module):
    """Runs ``inner`` in a lower precision: floating inputs are cast to ``dtype`` on the way
    in and outputs back to float32 on the way out, so the model is a drop-in replacement."""

    def __init__(self, inner: nn.Module, dtype: torch.dtype):
        super().__init__()
        self.inner = inner.to(dtype)
        self.dtype = dtype

    def forward(self, *args: torch.Tensor, **kwargs: torch.Tensor) -> torch.Tensor:
        def cast(t: torch.Tensor) -> torch.Tensor:
            return t.to(self.dtype) if t.is_floating_point() else t

        out = self.inner(*(cast(a) for a in args), **{k: cast(v) for k, v in kwargs.items()})
        if isinstance(out, torch.Tensor) and out.is_floating_point():
            return out.float()
        return out  # type: ignore[no-any-return]


class MeanPooledEmbedder(nn.Module):
    """A static sentence embedder: mean of token embeddings, then a linear map.

    ``forward(input_ids, attention_mask)`` -> ``(batch, out_dim)``. Used as the small student
    of a transformer sentence encoder (its output has the teacher's embedding width).
    """

    def __init__(self, vocab_size: int, dim: int, out_dim: int, padding_idx: int = 0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=padding_idx)
        self.proj = nn.Linear(dim, out_dim)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        mask = attention_mask.unsqueeze(-1).to(self.embed.weight.dtype)
        summed = (self.embed(input_ids) * mask).sum(dim=1)
        pooled = summed / mask.sum(dim=1).clamp(min=1.0)
        return self.proj(pooled)  # type: ignore[no-any-return]


class SentenceEncoder(nn.Module):
    """A transformer encoder as a sentence embedder: mean pooling over real tokens, then L2
    normalisation (the all-MiniLM-L6-v2 recipe: Transformer -> Pooling(mean) -> Normalize).

    ``forward(input_ids, attention_mask)`` -> ``(batch, hidden)``.
    """

    def __init__(self, encoder: nn.Module, normalise: bool = True):
        super().__init__()
        self.encoder = encoder
        self.normalise = normalise

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        tokens = hidden.last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
        pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        if self.normalise:
            pooled = nn.functional.normalize(pooled, p=2.0, dim=1)
        return pooled  # type: ignore[no-any-return]
