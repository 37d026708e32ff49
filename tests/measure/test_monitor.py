"""Windows: nesting, overlapping, decorator, context manager, idle, record and replay."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from carbon import InvalidValueError
from measure import (
    FakeNVML,
    JournalError,
    ManualClock,
    Monitor,
    PowerTrace,
    ReplayMonitor,
    WindowError,
)


def test_nested_and_overlapping_windows(gpu_monitor: Any, clock: ManualClock) -> None:
    mon, _ = gpu_monitor
    mon.begin_window("outer")
    clock.advance(1.0)
    mon.begin_window("a")
    clock.advance(1.0)
    mon.begin_window("b")  # overlaps a
    clock.advance(1.0)
    a = mon.end_window("a")
    clock.advance(1.0)
    b = mon.end_window("b")
    outer = mon.end_window("outer")
    assert [m.device("gpu:0").energy.m_as("J") for m in (outer, a, b)] == pytest.approx(
        [1000.0, 500.0, 500.0])
    assert a.duration.m_as("s") == pytest.approx(2.0)
    assert (b.start - outer.start).total_seconds() == pytest.approx(2.0)


def test_window_errors(gpu_monitor: Any) -> None:
    mon, _ = gpu_monitor
    mon.begin_window("w")
    with pytest.raises(WindowError, match="already open"):
        mon.begin_window("w")
    with pytest.raises(WindowError, match="begin_window"):
        mon.end_window("nope")
    with pytest.raises(LookupError):
        mon.end_window("nope")


def test_context_manager_closes_on_error(gpu_monitor: Any, clock: ManualClock) -> None:
    mon, _ = gpu_monitor
    with pytest.raises(ZeroDivisionError), mon.window("w") as w:
        clock.advance(1.0)
        _ = 1 / 0
    assert w.measurement is not None and mon.open_windows == []
    assert any("ZeroDivisionError" in n for n in w.measurement.notes)


def test_decorator_measures_each_call(gpu_monitor: Any, clock: ManualClock) -> None:
    mon, _ = gpu_monitor

    @mon.measured("fib")
    def fib(n: int) -> int:
        clock.advance(0.1)
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    assert fib(4) == 3
    calls = fib.measurements  # type: ignore[attr-defined]
    assert len(calls) == 9 and all(m.name == "fib" for m in calls)
    assert calls[-1].device("gpu:0").energy.m_as("J") == pytest.approx(9 * 0.1 * 250.0)


def test_windows_from_threads(gpu_monitor: Any, clock: ManualClock) -> None:
    mon, _ = gpu_monitor
    out = []

    def work(i: int) -> None:
        with mon.window(f"t{i}") as w:
            pass
        out.append(w.measurement)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 8 and mon.open_windows == []


def test_idle_measured_and_split(clock: ManualClock) -> None:
    trace = PowerTrace.steps([(0.0, 60.0), (2.0, 260.0)])
    mon = Monitor(nvml=FakeNVML([trace], clock=clock), cpu=None, memory=None, clock=clock,
                  interval=None, idle_seconds=1.0)
    assert mon.idle_power_w["gpu:0"] == pytest.approx(60.0)
    clock.advance(1.0)
    mon.begin_window("w")
    clock.advance(10.0)
    d = mon.end_window("w").device("gpu:0")
    assert d.idle.m_as("J") == pytest.approx(600.0)
    assert d.dynamic.m_as("J") == pytest.approx(2600.0 - 600.0)
    assert d.idle_power.m_as("W") == pytest.approx(60.0)


def test_below_idle_is_clamped_and_flagged(clock: ManualClock) -> None:
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(50.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None, idle_power={"gpu:0": "80 W"})
    mon.begin_window("w")
    clock.advance(1.0)
    d = mon.end_window("w").device("gpu:0")
    assert d.dynamic.m_as("J") == 0.0 and "below_idle" in d.flags


def test_idle_with_open_window_is_refused(gpu_monitor: Any) -> None:
    mon, _ = gpu_monitor
    mon.begin_window("w")
    with pytest.raises(WindowError):
        mon.measure_idle(0.5)


def test_peek_keeps_window_open(gpu_monitor: Any, clock: ManualClock) -> None:
    mon, _ = gpu_monitor
    mon.begin_window("w")
    clock.advance(1.0)
    p = mon.peek("w")
    clock.advance(1.0)
    m = mon.end_window("w")
    assert "open" in p.device("gpu:0").flags and "open" not in m.device("gpu:0").flags
    assert p.device("gpu:0").energy.m_as("J") == pytest.approx(250.0)
    assert m.device("gpu:0").energy.m_as("J") == pytest.approx(500.0)


def test_record_and_replay(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "rec.jsonl"
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None, record=path)
    recorded = []
    for seconds in (1.0, 2.0):
        with mon.window("step") as w:
            clock.advance(seconds)
        recorded.append(w.measurement)
    replay = ReplayMonitor(path)
    played = []
    for _ in range(2):
        with replay.window("step") as r:
            pass
        played.append(r.measurement)
    assert [m.to_dict() for m in played] == [m.to_dict() for m in recorded]  # type: ignore
    with pytest.raises(JournalError):
        replay.begin_window("step")


def test_bad_arguments() -> None:
    with pytest.raises(InvalidValueError):
        Monitor(gpus=None, cpu=None, memory=None)
    with pytest.raises(InvalidValueError):
        Monitor(gpus=None, interval=0)
    with pytest.raises(InvalidValueError):
        Monitor(gpus=None, cpu="guess")  # type: ignore[arg-type]


def test_auto_on_this_machine_labels_everything() -> None:
    mon = Monitor.auto(idle_seconds=0.2)
    try:
        with mon.window("w"):
            sum(range(200_000))
        assert mon.devices
    finally:
        mon.close()


def test_idle_is_not_waited_for_when_no_device_can_read_it() -> None:
    # `modelcarbon measure -- true` spent 1 s measuring an idle power that the CPU and memory
    # estimates have no reading for
    clock = ManualClock()
    mon = Monitor(gpus=None, cpu="estimate", memory="estimate", clock=clock, interval=None,
                  idle_seconds=1.0)
    try:
        assert clock.monotonic_ns() == 0 and mon.idle_power_w == {}
        assert any("idle power not measured" in n for n in mon.notes)
    finally:
        mon.close()
    # a device with an idle reading is still measured for the whole time asked
    fake = FakeNVML([PowerTrace.constant(50.0)], clock=clock, counter_period_s=1e-3)
    gpu = Monitor(nvml=fake, cpu=None, memory=None, clock=clock, interval=None,
                  idle_seconds=1.0)
    try:
        assert clock.monotonic_ns() >= 1_000_000_000
        assert gpu.idle_power_w["gpu:0"] == pytest.approx(50.0)
    finally:
        gpu.close()
