"""Parent against child by interleaved trials with real work: twice the work reads ~2x,
conclusively; an identical child is not conclusive and its advice keeps the rated level.

These run on the CPU-time estimate of this process (one torch thread per trial), so they hold
on a machine whose cores are busy with other processes."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

import compress
from carbon import InvalidValueError
from compress._trials import TrialProtocol, compare_models, mean_interval

torch = pytest.importorskip("torch")


class Twice(torch.nn.Module):  # type: ignore[misc]
    """The same model run twice per request: twice the work, the same output."""

    def __init__(self, inner: Any) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: Any) -> Any:
        self.inner(x)
        return self.inner(x)


@pytest.fixture(scope="module")
def monitor() -> Iterator[Any]:
    from measure import Monitor

    mon = Monitor(gpus=None, cpu="estimate", memory=None)
    yield mon
    mon.close()


def test_twice_the_work_reads_about_2x_conclusively(teacher: Any, split: Any,
                                                    monitor: Any) -> None:
    c = compare_models(teacher, Twice(teacher), split.x_test, batch_size=64, monitor=monitor)
    assert c.conclusive, c.summary()
    assert 1.6 < c.ratio < 2.5 and c.ci[0] > 1.2, c.summary()
    assert c.before.passes_per_trial == c.after.passes_per_trial  # a common k
    assert c.after.energy_mean_j > c.before.energy_mean_j
    lo, hi = c.after.energy_ci_j
    assert lo <= c.after.energy_mean_j <= hi
    assert "conclusive" in c.summary() and c.provenance == "estimated"


def test_identical_child_is_not_conclusive_and_keeps_the_rated_level(
        teacher: Any, split: Any, monitor: Any, system: Any, graph: Any) -> None:
    from assess import Characteristics, apply_measurement

    ev = compress.Evaluation.classification(split.x_test, split.y_test, batch_size=64,
                                            protocol=TrialProtocol(level=0.99, max_trials=12))
    setting = compress.JobSetting(monitor, system, charge="total")
    out = compress._measured.run_technique(
        "identity", lambda: (copy.deepcopy(teacher), None), teacher, graph=graph,
        parent="teacher", child="same", edge="pruned_from", phase="compression",
        evaluation=ev, setting=setting, min_job_seconds=0.2)
    r = out.result
    assert r.conclusive is False, r.comparison
    assert r.energy_ratio_ci is not None and r.energy_ratio_ci[0] <= 1.0 <= r.energy_ratio_ci[1]
    assert r.ci_level == 0.99 and r.trials is not None and r.trials >= 8
    lo, hi = r.energy_reduction_ci_pct or (None, None)
    assert lo is not None and hi is not None and lo <= 0.0 <= hi
    rated = Characteristics(complexity="M", effort="M", disruption="L", energy_reduction="M")
    chars = apply_measurement(rated, r)
    assert chars.energy_reduction.value == "M"
    assert chars.basis["energy_reduction"].label == "rated"


def test_result_carries_the_intervals(teacher: Any, split: Any, graph: Any,
                                      monitor: Any, system: Any) -> None:
    ev = compress.Evaluation.classification(split.x_test, split.y_test, batch_size=64,
                                            protocol=TrialProtocol(max_trials=8, max_seconds=4.0))
    setting = compress.JobSetting(monitor, system, charge="total")
    out = compress.prune(teacher, graph=graph, parent="teacher", child="t-s",
                         evaluation=ev, setting=setting, sparsity_=0.75, method="structured")
    r = out.result
    for mean, ci in ((r.energy_per_request_before, r.energy_per_request_before_ci),
                     (r.energy_per_request_after, r.energy_per_request_after_ci),
                     (r.latency_before, r.latency_before_ci),
                     (r.latency_after, r.latency_after_ci)):
        assert ci is not None and ci[0] <= mean <= ci[1]
    assert r.p_value is not None and 0.0 <= r.p_value <= 1.0
    assert r.comparison is not None and "interleaved trials" in r.comparison
    assert out.after is not None and out.after.trials == r.trials
    assert out.after.job.meta["requests"] == out.after.requests


def test_mean_interval_edges() -> None:
    assert mean_interval([1.0, 1.0]) == (1.0, 1.0, 1.0)
    m, lo, hi = mean_interval([1.0, 2.0, 4.0, 8.0], level=0.9, seed=3)
    assert lo < m < hi and mean_interval([1.0, 2.0, 4.0, 8.0], level=0.9, seed=3)[1] == lo
    with pytest.raises(InvalidValueError):
        mean_interval([1.0])
    with pytest.raises(InvalidValueError):
        mean_interval([1.0, float("nan")])


@pytest.mark.parametrize("kw", [{"trial_seconds": 0.0}, {"min_trials": 2},
                                {"min_trials": 6, "max_trials": 5}, {"level": 1.0},
                                {"threads": 0}, {"rel_width": -1.0},
                                {"between_runs_sd": -0.1}, {"between_runs_sd": True}])
def test_bad_protocols(kw: dict[str, Any]) -> None:
    with pytest.raises(InvalidValueError):
        TrialProtocol(**kw)
