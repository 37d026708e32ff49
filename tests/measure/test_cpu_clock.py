"""The CPU-clock estimate: resolution below a tick, the model's arithmetic, labels."""

from __future__ import annotations

import time
from typing import Any

import pytest

from measure import CpuClockProbe, cpu_clock_monitor, lookup_cpu


def m(q: Any) -> float:
    """The magnitude of a quantity that must be known."""
    assert q is not None
    return float(q.m)


def test_a_millisecond_of_work_is_known() -> None:
    mon = cpu_clock_monitor(interval=None)
    try:
        with mon.window("w") as w:
            t = time.perf_counter()
            while time.perf_counter() - t < 0.002:
                pass
        assert w.measurement is not None
        cpu = w.measurement.device("cpu")
        assert cpu.energy is not None and m(cpu.energy) > 0
        assert cpu.provenance == "estimated" and cpu.dynamic == cpu.energy
        assert "no_idle_baseline" not in cpu.flags
        assert w.measurement.total_energy is not None
    finally:
        mon.close()


def test_energy_is_w_per_cpu_times_cpu_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = lookup_cpu("AMD EPYC 7763")
    p = CpuClockProbe(entry)
    ns = iter([1_000_000_000, 3_000_000_000])
    monkeypatch.setattr(time, "process_time_ns", lambda: next(ns))
    p.poll(0.0)
    a = p.snapshot()
    p.poll(1.0)
    d = p.result(a, p.snapshot(), 1.0, None)
    assert m(d.energy) == pytest.approx(2.0 * entry.w_per_thread)
    assert "child processes not counted" in d.source


def test_without_memory() -> None:
    mon = cpu_clock_monitor(memory=False, interval=None)
    assert [d["key"] for d in mon.devices] == ["cpu"]
    mon.close()
