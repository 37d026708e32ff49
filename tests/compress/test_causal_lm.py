"""The tiny causal LM: corpus tokenizer, brief seeded training, lineage, generate."""

from __future__ import annotations

import builtins
from typing import Any

import pytest

import compress
from compress import WordTokenizer, hf_generate, train_causal_lm

pytest.importorskip("transformers")


@pytest.fixture(scope="module")
def lm() -> compress.CausalLM:
    return train_causal_lm(steps=3, batch_size=8, dim=32, layers=1)


def test_tokenizer_left_pads_and_round_trips() -> None:
    tok = WordTokenizer.from_corpus([s for _, s in compress.sentences()])
    enc = tok(["The database server sped up.", "Hello"], return_tensors="pt")
    assert enc["input_ids"].shape == enc["attention_mask"].shape
    assert enc["attention_mask"][1].tolist()[-1] == 1 and enc["attention_mask"][1][0] == 0
    assert tok.decode(tok.encode("the database server")) == "the database server"
    assert tok.encode("zzz") == [tok.unk_token_id]
    assert tok(["zzz unknown"])["input_ids"].shape[1] == 2


def test_training_is_seeded_and_lowers_the_loss() -> None:
    a = train_causal_lm(steps=4, batch_size=8, dim=32, layers=1, seed=1)
    b = train_causal_lm(steps=4, batch_size=8, dim=32, layers=1, seed=1)
    assert a.losses == b.losses and a.steps == 4 and a.job is None and a.product is None
    assert a.losses[-1] < a.losses[0]
    assert not a.model.training


def test_generate_matches_greedy_reference(lm: compress.CausalLM) -> None:
    import torch

    gen = hf_generate(lm.model, lm.tokenizer)
    g = gen(["the database", "a heat wave delayed"], 5)
    assert g.prefill() == [2, 4]
    assert g.decode() == [5, 5]
    # oracle: greedy one prompt at a time, no padding, no cache
    for prompt, got in zip(["the database", "a heat wave delayed"], g.tokens, strict=True):
        ids = torch.tensor([lm.tokenizer.encode(prompt)])
        want = []
        with torch.inference_mode():
            for _ in range(5):
                nxt = lm.model(input_ids=ids).logits[0, -1].argmax()
                want.append(int(nxt))
                ids = torch.cat([ids, nxt.view(1, 1)], dim=1)
        assert got == want


def test_stop_at_eos_counts_fewer_tokens(lm: compress.CausalLM) -> None:
    gen = hf_generate(lm.model, lm.tokenizer, stop_at_eos=True)
    g = gen(["the database"], 3)
    g.prefill()
    (n,) = g.decode()
    assert 1 <= n <= 3 and len(g.tokens[0]) == n
    with pytest.raises(compress.MissingExtraError):
        g.decode()  # prefill first


def test_measured_training_is_a_lineage_product(setting: Any) -> None:
    from lineage import ProvenanceGraph

    graph = ProvenanceGraph()
    lm = train_causal_lm(steps=2, batch_size=4, dim=32, layers=1, setting=setting,
                         graph=graph)
    assert lm.product == compress.CAUSAL_LM and lm.job is not None
    assert graph.product(compress.CAUSAL_LM)["kind"] == "model"
    assert [e["kind"] for e in graph.edges() if e["child"] == compress.CAUSAL_LM] \
        == ["trained_on"]
    assert lm.job.meta["technique"] == "train_causal_lm"
    with pytest.raises(compress.MissingExtraError, match="JobSetting"):
        train_causal_lm(steps=1, batch_size=2, dim=32, layers=1, graph=ProvenanceGraph())


def test_missing_transformers_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = builtins.__import__

    def no_transformers(name: str, *a: Any, **kw: Any) -> Any:
        if name.startswith("transformers"):
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_transformers)
    with pytest.raises(compress.MissingExtraError, match="minilm"):
        train_causal_lm(steps=1)
