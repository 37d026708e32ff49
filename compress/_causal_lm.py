"""A tiny causal language model the project makes itself, and a generate callable for it.

:func:`train_causal_lm` builds a GPT-2 (``transformers.GPT2LMHeadModel``; 2 layers, 64
dimensions by default) with random weights, seeded (:func:`compress._torch.seed_all`), and
trains it briefly on the in-repo corpus (``compress/_data/sentences.tsv``, see
:func:`compress.sentences`) with a word-level tokenizer built from the same corpus
(:class:`WordTokenizer`): nothing is downloaded. With a :class:`compress.JobSetting` and a
lineage graph, the training is a measured job of the model ``tiny-gpt2-sentences``,
``trained_on`` the ``sentences`` dataset. transformers is in the ``minilm`` extra.

:func:`hf_generate` makes the two-phase ``generate(prompts, max_new_tokens)`` callable of
:func:`measure.serve` for any Hugging Face causal LM and tokenizer: prompts padded on the
left, greedy decoding with the key-value cache, ``max_new_tokens`` tokens per prompt
(``stop_at_eos=False``, the default: a fixed count, so batch sizes compare on equal work).

>>> tok = WordTokenizer.from_corpus(["The cat sat.", "A dog ran."])
>>> tok.vocab_size, tok.encode("the dog sat!")
(10, [3, 8, 5, 2])
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compress._errors import MissingExtraError
from compress._minilm import sentences
from compress._torch import require_torch, seed_all

if TYPE_CHECKING:
    from carbon import Job
    from compress._measured import JobSetting
    from lineage import ProvenanceGraph

__all__ = ["CAUSAL_LM", "CausalLM", "WordTokenizer", "hf_generate", "train_causal_lm"]

#: The product id of the tiny GPT-2 in the lineage.
CAUSAL_LM = "tiny-gpt2-sentences"

_WORD = re.compile(r"\w+(?:-\w+)*|[^\w\s]")


class WordTokenizer:
    """Word-level tokenizer: ids 0 ``<pad>``, 1 ``<eos>``, 2 ``<unk>``, then the corpus's
    words and punctuation (lower case) in order of first appearance."""

    pad_token_id = 0
    eos_token_id = 1
    unk_token_id = 2

    def __init__(self, words: Sequence[str]) -> None:
        self.words = ["<pad>", "<eos>", "<unk>", *words]
        self.ids = {w: i for i, w in enumerate(self.words)}
        self.padding_side = "left"

    @classmethod
    def from_corpus(cls, texts: Sequence[str]) -> WordTokenizer:
        """The vocabulary of ``texts``."""
        seen: dict[str, None] = {}
        for t in texts:
            for w in _WORD.findall(t.lower()):
                seen.setdefault(w, None)
        return cls(list(seen))

    @property
    def vocab_size(self) -> int:
        """Number of ids."""
        return len(self.words)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` (unknown words: ``<unk>``)."""
        return [self.ids.get(w, self.unk_token_id) for w in _WORD.findall(text.lower())]

    def decode(self, ids: Sequence[int]) -> str:
        """Words of ``ids``, padding left out."""
        return " ".join(self.words[i] for i in ids if i != self.pad_token_id)

    def __call__(self, texts: Sequence[str], *, return_tensors: str = "pt",
                 padding: bool = True) -> dict[str, Any]:
        """Left-padded ``input_ids`` and ``attention_mask`` tensors (as a HF tokenizer)."""
        torch = require_torch()
        rows = [self.encode(t) or [self.eos_token_id] for t in texts]
        width = max(len(r) for r in rows)
        ids = [[self.pad_token_id] * (width - len(r)) + r for r in rows]
        mask = [[0] * (width - len(r)) + [1] * len(r) for r in rows]
        return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask)}


@dataclass(frozen=True)
class CausalLM:
    """The trained model (eval mode), its tokenizer, the losses and the training job."""

    model: Any
    tokenizer: WordTokenizer
    losses: tuple[float, ...]
    steps: int
    job: Job | None = None
    product: str | None = None


def _gpt2(vocab: int, dim: int, layers: int, heads: int, positions: int) -> Any:
    try:
        from transformers import GPT2Config, GPT2LMHeadModel
    except ImportError as e:
        raise MissingExtraError("transformers", None,
                                "transformers: pip install 'modelcarbon[minilm]'") from e
    config = GPT2Config(vocab_size=vocab, n_positions=positions, n_embd=dim, n_layer=layers,
                        n_head=heads, bos_token_id=WordTokenizer.eos_token_id,
                        eos_token_id=WordTokenizer.eos_token_id,
                        pad_token_id=WordTokenizer.pad_token_id)
    return GPT2LMHeadModel(config)


def _train(model: Any, tok: WordTokenizer, texts: list[str], steps: int, batch_size: int,
           lr: float, seed: int) -> tuple[Any, list[float]]:
    torch = require_torch()
    rows = [[*tok.encode(t), tok.eos_token_id] for t in texts]
    width = max(len(r) for r in rows)
    ids = torch.tensor([r + [tok.pad_token_id] * (width - len(r)) for r in rows])
    labels = torch.tensor([r + [-100] * (width - len(r)) for r in rows])
    mask = (labels != -100).long()
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    losses = []
    model.train()
    for _ in range(steps):
        pick = torch.randint(0, len(rows), (batch_size,), generator=gen)
        out = model(input_ids=ids[pick], attention_mask=mask[pick], labels=labels[pick])
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        losses.append(float(out.loss.detach()))
    return model.eval(), losses


def train_causal_lm(*, seed: int = 0, steps: int = 40, batch_size: int = 16,
                    dim: int = 64, layers: int = 2, heads: int = 2, lr: float = 3e-3,
                    setting: JobSetting | None = None, graph: ProvenanceGraph | None = None,
                    product: str = CAUSAL_LM) -> CausalLM:
    """Train the tiny GPT-2 on the in-repo corpus (module doc).

    ``steps`` AdamW steps of ``batch_size`` sentences (``lr``); with ``setting`` the
    training runs in a monitor window and becomes a job (``CausalLM.job``); with ``graph``
    too, ``product`` is added as a model ``trained_on`` the ``sentences`` dataset, with the
    job in phase ``training``.
    """
    require_torch()
    seed_all(seed)
    texts = [s for _, s in sentences()]
    tok = WordTokenizer.from_corpus(texts)
    width = max(len(tok.encode(t)) for t in texts) + 1

    def make() -> tuple[Any, Any]:
        seed_all(seed)
        model = _gpt2(tok.vocab_size, dim, layers, heads, max(64, 2 * width))
        return _train(model, tok, texts, steps, batch_size, lr, seed)

    job = None
    if setting is None:
        model, losses = make()
    else:
        from compress._measured import measured_call

        job, model, losses = measured_call(
            make, f"train:{product}", setting, min_seconds=1e-3,
            meta={"technique": "train_causal_lm", "steps": steps, "seed": seed})
    if graph is not None:
        if job is None:
            raise MissingExtraError("setting", None, "a compress.JobSetting: a lineage "
                                    "product needs its measured training job")
        if "sentences" not in graph:
            graph.add_dataset("sentences", name="compress template corpus (400 sentences)",
                              source="compress/_data/sentences.tsv")
        graph.add_model(product, name=f"tiny GPT-2 ({layers} layers, {dim} dims)",
                        task="text generation", licence="same as modelcarbon",
                        source="random init (seeded), trained here on the in-repo corpus; "
                               "word-level vocabulary of the corpus; nothing downloaded")
        graph.derive(product, "sentences", "trained_on")
        graph.add_job(product, job, phase="training")
    return CausalLM(model, tok, tuple(losses), steps, job,
                    product if graph is not None else None)


class _HFGeneration:
    """One batch: ``prefill`` tokenises and runs the prompts, ``decode`` the rest."""

    def __init__(self, model: Any, tokenizer: Any, prompts: Sequence[str], n: int,
                 stop_at_eos: bool) -> None:
        self.model, self.tokenizer, self.prompts, self.n = model, tokenizer, prompts, n
        self.stop_at_eos = stop_at_eos
        self.tokens: list[list[int]] = []
        self._state: tuple[Any, ...] | None = None
        # transformers 5 renamed past_key_values to cache (the old name warns)
        params = inspect.signature(model.forward).parameters
        self._cache = "cache" if "cache" in params else "past_key_values"

    def prefill(self) -> list[int]:
        torch = require_torch()
        dev = next(self.model.parameters()).device
        enc = self.tokenizer(list(self.prompts), return_tensors="pt", padding=True)
        ids, mask = enc["input_ids"].to(dev), enc["attention_mask"].to(dev)
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        with torch.inference_mode():
            out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos,
                             use_cache=True)
        nxt = out.logits[:, -1].argmax(-1)
        self._state = (out[self._cache], nxt, mask, pos[:, -1:])
        self.tokens = [[int(t)] for t in nxt.tolist()]
        return [int(x) for x in mask.sum(1).tolist()]

    def decode(self) -> list[int]:
        torch = require_torch()
        if self._state is None:
            raise MissingExtraError("prefill", None, "prefill() before decode()")
        past, nxt, mask, pos = self._state
        eos = getattr(self.tokenizer, "eos_token_id", None)
        done = ((nxt == eos) if self.stop_at_eos and eos is not None
                else torch.zeros_like(nxt, dtype=torch.bool))
        counts = torch.ones_like(nxt)
        steps = []
        with torch.inference_mode():
            for _ in range(self.n - 1):
                if bool(done.all()):
                    break
                mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
                pos = pos + 1
                out = self.model(input_ids=nxt[:, None], attention_mask=mask,
                                 position_ids=pos, use_cache=True, **{self._cache: past})
                past = out[self._cache]
                nxt = out.logits[:, -1].argmax(-1)
                counts += (~done).long()
                steps.append(torch.where(done, -1, nxt))
                if self.stop_at_eos and eos is not None:
                    done = done | (nxt == eos)
        for step in steps:
            for row, t in zip(self.tokens, step.tolist(), strict=True):
                if t >= 0:
                    row.append(int(t))
        self._state = None
        return [int(c) for c in counts.tolist()]


def hf_generate(model: Any, tokenizer: Any, *, stop_at_eos: bool = False) -> Any:
    """``generate(prompts, max_new_tokens)`` for :func:`measure.serve` (module doc).

    ``tokenizer``: a Hugging Face tokenizer or :class:`WordTokenizer` (set to pad on the
    left; a tokenizer without a pad token pads with its end-of-sequence token). The returned
    generation keeps the ids it produced in ``tokens`` (one list per prompt).
    """
    require_torch()
    tokenizer.padding_side = "left"
    if getattr(tokenizer, "pad_token_id", 0) is None:
        tokenizer.pad_token = tokenizer.eos_token

    def generate(prompts: Sequence[str], max_new_tokens: int) -> _HFGeneration:
        return _HFGeneration(model, tokenizer, prompts, max_new_tokens, stop_at_eos)

    return generate
