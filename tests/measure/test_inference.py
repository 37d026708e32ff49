"""Inference sweep: greedy vs fixed batching against a naive queue oracle."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon import InvalidValueError
from measure import FakeNVML, ManualClock, Monitor, PowerTrace, inference_sweep
from measure._inference import _serve


def _setup(clock: ManualClock, base_s: float = 0.010, per_req_s: float = 0.001
           ) -> tuple[Monitor, Any]:
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(200.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None, idle_power={"gpu:0": "50 W"})

    def infer(b: int) -> None:
        clock.advance(base_s + per_req_s * b)

    return mon, infer


def test_sweep_reports_each_policy(clock: ManualClock) -> None:
    mon, infer = _setup(clock)
    pts = inference_sweep(infer, mon, arrival_rate=300.0, n_requests=120,
                          batch_sizes=(1, 4, 16), clock=clock)
    assert [(p.policy, p.batch_size) for p in pts] == [("greedy", 16), ("fixed", 1),
                                                       ("fixed", 4), ("fixed", 16)]
    for p in pts:
        busy = p.busy_time.m_as("s")
        # dynamic energy: (200 - 50) W over the serving time, shared by the requests, within
        # the stated uncertainty (the counter updates every 0.1 s)
        assert p.energy_per_request.m_as("J") == pytest.approx(
            150.0 * busy / 120, abs=p.uncertainty_per_request.m_as("J"))
        assert p.provenance == "measured" and p.max_latency >= p.mean_latency
    by = {(p.policy, p.batch_size): p for p in pts}
    assert by["fixed", 16].energy_per_request < by["fixed", 1].energy_per_request
    # batch 1 cannot keep up with 300 req/s at 11 ms each: the queue grows
    assert by["fixed", 1].max_latency > by["greedy", 16].max_latency


def _naive(arrivals: list[float], service: Any, policy: str, b: int) -> list[float]:
    """A slow, obvious queue: one request at a time, explicit lists."""
    queue = list(enumerate(arrivals))
    now = 0.0
    lat = [0.0] * len(arrivals)
    while queue:
        if policy == "greedy":
            now = max(now, queue[0][1])
            batch = [r for r in queue if r[1] <= now][:b]
            size = len(batch)
        else:
            batch = queue[:b]
            now = max(now, batch[-1][1])
            size = b
        now += service(size)
        for i, a in batch:
            lat[i] = now - a
        queue = queue[len(batch):]
    return lat


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 0.2), min_size=1, max_size=40), st.integers(1, 8),
       st.sampled_from(["greedy", "fixed"]))
def test_queue_against_naive_oracle(gaps: list[float], b: int, policy: str) -> None:
    clock = ManualClock()
    arrivals = np.cumsum(gaps) - gaps[0]

    def service(size: int) -> float:
        return 0.005 + 0.002 * size

    lat, batches, _busy, _idle = _serve(lambda s: clock.advance(service(s)), arrivals, policy, b,
                                      clock, lambda: None)
    assert lat == pytest.approx(_naive(list(arrivals), service, policy, b), abs=1e-6)
    assert (lat >= 0).all() and batches >= -(-len(gaps) // b) and _busy > 0 and _idle >= 0


def test_bad_arguments(clock: ManualClock) -> None:
    mon, infer = _setup(clock)
    for kw in ({"arrival_rate": 0.0}, {"arrival_rate": 1.0, "batch_sizes": (0,)},
               {"arrival_rate": 1.0, "n_requests": 0}):
        with pytest.raises(InvalidValueError):
            inference_sweep(infer, mon, **kw)


def test_torch_model_sweep_runs() -> None:
    torch = pytest.importorskip("torch")
    from measure import torch_infer
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    mon = Monitor(gpus=None, cpu="estimate", memory=None)
    pts = inference_sweep(torch_infer(model, torch.zeros(64)), mon, arrival_rate="2000 / s",
                          n_requests=64, batch_sizes=(1, 8), charge="total")
    assert len(pts) == 3 and all(p.max_latency.m_as("s") > 0 for p in pts)
    assert all(p.provenance == "estimated" for p in pts)


def test_trials_are_interleaved_and_give_intervals(clock: ManualClock) -> None:
    mon, infer = _setup(clock)
    pts = inference_sweep(infer, mon, arrival_rate=300.0, n_requests=60,
                          batch_sizes=(1, 4), clock=clock, trials=4)
    assert all(p.trials == 4 and len(p.measurements) == 4 for p in pts)
    names = [m.name for p in pts for m in p.measurements]
    assert len(set(names)) == len(names) == 12
    for p in pts:
        assert p.energy_ci is not None and p.p95_latency_ci is not None
        assert p.energy_ci[0] <= p.energy_per_request <= p.energy_ci[1]
        assert p.p95_latency_ci[0] <= p.p95_latency <= p.p95_latency_ci[1]


def test_idle_power_is_charged_for_idle_time(clock: ManualClock) -> None:
    mon, infer = _setup(clock)
    [greedy, fixed] = inference_sweep(infer, mon, arrival_rate=50.0, n_requests=40,
                                      batch_sizes=(8,), clock=clock, trials=2)
    for p in (greedy, fixed):
        idle = p.idle_time.m_as("s")
        assert idle > 0 and p.idle_power.m_as("W") == 50.0
        assert "monitor's idle power" in (p.idle_source or "")
        assert p.idle_energy_per_request.m_as("J") == pytest.approx(50.0 * idle / 40)
        assert p.energy_per_request_served.m_as("J") == pytest.approx(
            p.energy_per_request.m_as("J") + 50.0 * idle / 40)
    # a stated idle power overrides the monitor's
    [stated] = inference_sweep(infer, mon, arrival_rate=50.0, n_requests=40, batch_sizes=(8,),
                               greedy=False, clock=clock, trials=1, idle_power="10 W")
    assert stated.idle_power.m_as("W") == 10.0 and "stated" in (stated.idle_source or "")


def test_unknown_idle_power_is_none_with_a_reason(clock: ManualClock) -> None:
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(200.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None)
    pts = inference_sweep(lambda b: clock.advance(0.01 * b), mon, arrival_rate=50.0,
                          n_requests=20, batch_sizes=(4,), greedy=False, clock=clock,
                          trials=2, charge="total")
    [p] = pts
    assert p.energy_per_request is not None
    assert p.energy_per_request_served is None and p.idle_energy_per_request is None
    assert "no idle power for gpu:0" in (p.idle_reason or "")


def test_peak_power_from_nvml_and_none_without(clock: ManualClock) -> None:
    mon, infer = _setup(clock)
    [p] = inference_sweep(infer, mon, arrival_rate=300.0, n_requests=20, batch_sizes=(4,),
                          greedy=False, clock=clock, trials=2)
    assert p.peak_power.m_as("W") == pytest.approx(200.0) and p.peak_reason is None
    cpu = Monitor(gpus=None, cpu="estimate", memory=None)
    try:
        [q] = inference_sweep(lambda b: None, cpu, arrival_rate=1000.0, n_requests=8,
                              batch_sizes=(4,), greedy=False, trials=1, charge="total")
    finally:
        cpu.close()
    assert q.peak_power is None and "no NVML GPU" in (q.peak_reason or "")


def test_bad_trials(clock: ManualClock) -> None:
    mon, infer = _setup(clock)
    for kw in ({"trials": 0}, {"trials": True}, {"level": 1.5}):
        with pytest.raises(InvalidValueError):
            inference_sweep(infer, mon, arrival_rate=1.0, clock=clock, **kw)
