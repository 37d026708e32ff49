"""Choosing the batch size: the lowest energy per request whose latency meets the bound."""

from __future__ import annotations

import pytest

from carbon import InvalidValueError
from measure import (
    FakeNVML,
    ManualClock,
    Monitor,
    PowerTrace,
    SweepPoint,
    choose_batch_size,
    inference_sweep,
)


def _points(idle: bool = True) -> list[SweepPoint]:
    clock = ManualClock()
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None,
                  idle_power={"gpu:0": "20 W"} if idle else None)
    return inference_sweep(lambda b: clock.advance(0.010 + 0.001 * b), mon,
                           arrival_rate=200.0, n_requests=64, batch_sizes=(1, 8, 32),
                           clock=clock, trials=2, charge="total")


def test_picks_the_lowest_energy_under_the_bound_against_a_naive_scan() -> None:
    pts = _points()
    for bound_s in (0.03, 0.06, 0.1, 0.3, 10.0):
        c = choose_batch_size(pts, max_latency=f"{bound_s} s")
        fits = [p for p in pts if p.p95_latency.m_as("s") <= bound_s]
        if not fits:
            assert c.point is None and "no policy meets" in c.reason
            continue
        best = min(fits, key=lambda p: p.energy_per_request_served.m_as("J"))
        assert c.point is best and c.energy == "served (idle included)"
    loose = choose_batch_size(pts, max_latency="10 s", latency="max")
    assert loose.point is not None and loose.latency == "max"


def test_without_idle_power_the_busy_energy_is_used_and_said() -> None:
    c = choose_batch_size(_points(idle=False), max_latency="10 s")
    assert c.point is not None and c.energy == "busy only (idle power unknown)"


def test_bad_arguments() -> None:
    with pytest.raises(InvalidValueError):
        choose_batch_size([], max_latency="1 s")
    with pytest.raises(InvalidValueError):
        choose_batch_size(_points(), max_latency="1 s", latency="p50")  # type: ignore[arg-type]
