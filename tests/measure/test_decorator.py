"""measure._decorator: each call of a decorated function is a window of its own."""

from __future__ import annotations

import pytest

from measure import FakeNVML, ManualClock, Monitor, PowerTrace


def _monitor() -> tuple[Monitor, ManualClock]:
    clock = ManualClock()
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None)
    return mon, clock


def test_every_call_is_a_window_with_its_own_energy() -> None:
    mon, clock = _monitor()

    @mon.measured("step")
    def step(seconds: float) -> float:
        clock.advance(seconds)
        return seconds

    assert [step(1.0), step(3.0)] == [1.0, 3.0]
    energies = [m.device("gpu:0").energy.m_as("J") for m in step.measurements]  # type: ignore[attr-defined]
    assert energies == pytest.approx([100.0, 300.0])
    assert mon.open_windows == []
    mon.close()


def test_a_call_that_raises_is_still_recorded_with_a_note() -> None:
    mon, clock = _monitor()

    @mon.measured()
    def boom() -> None:
        clock.advance(0.5)
        raise ValueError("bad batch")

    with pytest.raises(ValueError, match="bad batch"):
        boom()
    (m,) = boom.measurements  # type: ignore[attr-defined]
    assert any("raised ValueError: bad batch" in n for n in m.notes)
    assert m.device("gpu:0").energy.m_as("J") == pytest.approx(50.0)
    mon.close()
