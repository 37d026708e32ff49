"""Each technique as a measured job: lineage edges and phases, labels, consistent records."""

from __future__ import annotations

from typing import Any

import pytest

import compress
from carbon import InvalidValueError, UnknownKeyError

torch = pytest.importorskip("torch")


def _edge(graph: Any, parent: str, child: str) -> dict[str, Any]:
    return next(e for e in graph.edges() if e["parent"] == parent and e["child"] == child)


def _check_record(out: compress.Compressed, graph: Any, phase: str) -> None:
    r = out.result
    b = r.energy_per_request_before.magnitude
    a = r.energy_per_request_after.magnitude
    assert r.energy_reduction_pct == pytest.approx(100 * (b - a) / b)
    assert r.size_after == compress.serialised_size(out.model)
    assert 0.0 <= r.metric_after <= 1.0 and r.metric_name == "accuracy"
    assert str(r.energy_provenance) == "estimated" and str(r.job_provenance) == "estimated"
    jobs = graph.jobs(r.child)
    assert len(jobs) == 1 and jobs[0].phase == phase
    assert jobs[0].provenance == "estimated" and jobs[0].record is out.job
    assert jobs[0].carbon.magnitude == pytest.approx(r.job_carbon.magnitude)
    assert r.job_energy == sum((u.energy for u in out.job.energy), 0 * r.job_energy)
    assert graph.epc(r.child).total.magnitude >= r.job_carbon.magnitude * (1 - 1e-9)


@pytest.mark.parametrize("method", ["magnitude", "global", "structured"])
def test_prune_job(teacher: Any, graph: Any, evaluation: Any, setting: Any,
                   method: str) -> None:
    out = compress.prune(teacher, graph=graph, parent="teacher", child="t-pruned",
                         evaluation=evaluation, setting=setting, sparsity_=0.6, method=method,
                         share=0.25)
    edge = _edge(graph, "teacher", "t-pruned")
    assert edge["kind"] == "pruned_from" and edge["share"] == 0.25
    _check_record(out, graph, "compression")
    assert out.result.size_after < out.result.size_before
    assert out.job.meta["repeats"] >= 1


@pytest.mark.parametrize("scheme", ["int8", "bf16"])
def test_quantise_job(teacher: Any, graph: Any, evaluation: Any, setting: Any,
                      scheme: str) -> None:
    out = compress.quantise(teacher, graph=graph, parent="teacher", child="t-q",
                            evaluation=evaluation, setting=setting, scheme=scheme)
    assert _edge(graph, "teacher", "t-q")["kind"] == "quantised_from"
    _check_record(out, graph, "compression")


def test_distil_job(teacher: Any, graph: Any, evaluation: Any, setting: Any,
                    split: Any) -> None:
    out = compress.distil(teacher, compress.mlp((64, 16, 10), seed=1), graph=graph,
                          parent="teacher", child="student", evaluation=evaluation,
                          setting=setting, x=split.x_train[:300], y=split.y_train[:300],
                          epochs=3, dataset="digits")
    assert _edge(graph, "teacher", "student")["kind"] == "distilled_from"
    assert _edge(graph, "digits", "student")["kind"] == "trained_on"
    _check_record(out, graph, "distillation")
    assert out.result.baseline_job_energy is not None
    assert any("labels alone" in n for n in out.result.notes)


def test_drop_batches_job(graph: Any, evaluation: Any, setting: Any, split: Any) -> None:
    out = compress.drop_batches(compress.mlp((64, 32, 10)), split.x_train, split.y_train,
                                graph=graph, dataset="digits", baseline="b0", child="b50",
                                evaluation=evaluation, setting=setting, p=0.5, epochs=3)
    assert _edge(graph, "digits", "b50")["kind"] == "trained_on"
    assert not any(e["parent"] == "b0" and e["child"] == "b50" for e in graph.edges())
    assert graph.jobs("b0")[0].phase == "training"
    _check_record(out, graph, "training")
    assert out.training is not None and out.training.batches_skipped > 0


def test_parent_must_be_in_graph(teacher: Any, graph: Any, evaluation: Any,
                                 setting: Any) -> None:
    with pytest.raises(UnknownKeyError) as e:
        compress.prune(teacher, graph=graph, parent="nobody", child="x",
                       evaluation=evaluation, setting=setting)
    assert e.value.field == "parent"


def test_child_must_be_new(teacher: Any, graph: Any, evaluation: Any, setting: Any) -> None:
    with pytest.raises(InvalidValueError) as e:
        compress.prune(teacher, graph=graph, parent="teacher", child="digits",
                       evaluation=evaluation, setting=setting)
    assert e.value.field == "child"


def test_bad_technique_arguments(teacher: Any, graph: Any, evaluation: Any,
                                 setting: Any) -> None:
    with pytest.raises(InvalidValueError):
        compress.prune(teacher, graph=graph, parent="teacher", child="x", sparsity_=1.0,
                       evaluation=evaluation, setting=setting)
    with pytest.raises(InvalidValueError):
        compress.quantise(teacher, graph=graph, parent="teacher", child="x", scheme="int4",  # type: ignore[arg-type]
                          evaluation=evaluation, setting=setting)
    assert "x" not in graph


def test_short_jobs_are_repeated_and_divided(setting: Any) -> None:
    calls = []

    def make() -> tuple[Any, None]:
        calls.append(1)
        return compress.mlp((4, 2)), None

    job, _, _ = compress.measured_call(make, "tiny", setting, min_seconds=0.2)
    k = job.meta["repeats"]
    assert k == len(calls) > 1
    window_s = job.meta["measurement"]["devices"][0]  # the whole window, k runs
    assert job.duration.magnitude * k >= 0.2
    energy_j = sum(u.energy.m_as("J") for u in job.energy)
    whole_j = sum(d["dynamic_j"] for d in job.meta["measurement"]["devices"])
    assert energy_j == pytest.approx(whole_j / k)
    assert window_s["key"] in ("cpu", "ram")
