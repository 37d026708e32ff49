"""The small torch modules of the techniques: a lower-precision drop-in (Cast), a mean-pooled
static embedder and a pooled, normalised sentence encoder that ignore padding."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from compress._nets import Cast, MeanPooledEmbedder, SentenceEncoder  # noqa: E402


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_cast_runs_inside_in_low_precision_and_returns_float32(dtype: str) -> None:
    inner = torch.nn.Linear(4, 3)
    model = Cast(inner, getattr(torch, dtype))
    assert all(p.dtype == getattr(torch, dtype) for p in model.parameters())
    out = model(torch.randn(2, 4))
    assert out.dtype == torch.float32 and out.shape == (2, 3)


def test_cast_leaves_integer_inputs_alone() -> None:
    seen: dict[str, Any] = {}

    class Probe(torch.nn.Module):
        def forward(self, ids: Any, scale: Any) -> Any:
            seen.update(ids=ids.dtype, scale=scale.dtype)
            return ids * 2

    out = Cast(Probe(), torch.float16)(torch.tensor([1, 2]), scale=torch.tensor([0.5]))
    assert seen == {"ids": torch.int64, "scale": torch.float16}
    assert out.dtype == torch.int64  # integer outputs are not turned into floats


def test_mean_pooled_embedder_ignores_padding() -> None:
    torch.manual_seed(0)
    model = MeanPooledEmbedder(vocab_size=20, dim=8, out_dim=5)
    ids = torch.tensor([[3, 4, 0, 0], [3, 4, 7, 9]])
    mask = torch.tensor([[1, 1, 0, 0], [1, 1, 0, 0]])
    out = model(ids, mask)
    assert out.shape == (2, 5)
    assert torch.allclose(out[0], out[1], atol=1e-6)  # masked tokens change nothing
    emb = model.embed.weight
    want = model.proj((emb[3] + emb[4]) / 2)
    assert torch.allclose(out[0], want, atol=1e-6)


def test_an_all_padding_row_is_finite() -> None:
    model = MeanPooledEmbedder(vocab_size=5, dim=3, out_dim=2)
    out = model(torch.zeros(1, 4, dtype=torch.long), torch.zeros(1, 4, dtype=torch.long))
    assert torch.isfinite(out).all()


class FakeEncoder(torch.nn.Module):
    """Returns its token ids as 2-d hidden states: easy to pool by hand."""

    def forward(self, input_ids: Any, attention_mask: Any) -> Any:
        h = torch.stack([input_ids.float(), 2 * input_ids.float()], dim=-1)
        return SimpleNamespace(last_hidden_state=h)


def test_sentence_encoder_pools_real_tokens_and_normalises() -> None:
    ids = torch.tensor([[3, 1, 100]])
    mask = torch.tensor([[1, 1, 0]])
    raw = SentenceEncoder(FakeEncoder(), normalise=False)(ids, mask)
    assert torch.allclose(raw, torch.tensor([[2.0, 4.0]]))  # mean of 3 and 1, padding out
    unit = SentenceEncoder(FakeEncoder())(ids, mask)
    assert torch.allclose(unit.norm(dim=1), torch.ones(1))
    assert torch.allclose(unit, raw / raw.norm(dim=1, keepdim=True))
