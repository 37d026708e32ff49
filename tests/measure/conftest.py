"""Shared fixtures for the measure tests: a manual clock and fake GPUs on it, busy neighbours."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
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


# A busy loop in a process that is not a descendant of this one (double fork, own session):
# it stops when the test's teardown kills it, when the test process is gone, or after a
# CPU-time (not wall-clock) budget, so being stopped (SIGSTOP) or starved by a busy machine
# never ends it early.
_BURNER = ("import os, sys, time\n"
           "if os.fork(): os._exit(0)\n"
           "os.setsid(); print(os.getpid(), flush=True)\n"
           "parent, budget = int(sys.argv[1]), float(sys.argv[2])\n"
           "t = time.process_time()\n"
           "while time.process_time() - t < budget:\n"
           "    for _ in range(20000): pass\n"
           "    try: os.kill(parent, 0)\n"
           "    except ProcessLookupError: break\n")


@pytest.fixture
def burners() -> Iterator[Callable[[], int]]:
    """``start()`` starts a busy neighbour and returns its pid; all are killed at teardown.

    Each is an unrelated process (process attribution never charges it to a window of this
    process) that runs until the test ends (a CPU-time safety budget of 120 s).
    """
    pids: list[int] = []

    def start() -> int:
        p = subprocess.Popen([sys.executable, "-c", _BURNER, str(os.getpid()), "120"],
                             stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None
        pid = int(p.stdout.readline())
        p.wait()
        p.stdout.close()
        pids.append(pid)
        return pid

    yield start
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
            os.kill(pid, signal.SIGKILL)
