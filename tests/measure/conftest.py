"""Shared fixtures for the measure tests: a manual clock and fake GPUs on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from carbon import Facility, System
from measure import FakeNVML, ManualClock, Monitor, PowerTrace


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def box() -> System:
    fac = Facility(name="dc", pue=1.2, mix="400 gCO2e/kWh")
    return System(name="box", embodied="2000 kgCO2e", lifetime="4 year", facility=fac)


@pytest.fixture
def gpu_monitor(clock: ManualClock) -> Iterator[Any]:
    """A monitor over one fake H100 at 250 W on the manual clock, edges only."""
    fake = FakeNVML([PowerTrace.constant(250.0)], clock=clock)
    mon = Monitor(nvml=fake, cpu=None, memory=None, clock=clock, interval=None)
    yield mon, fake
    mon.close()
