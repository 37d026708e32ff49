"""Clocks: a monotonic clock for durations, the UTC wall clock only to place a window in time.

Durations never come from the wall clock (it jumps with NTP); the wall clock gives the start
of a window so that hourly grid intensities can be aligned with it. ``ManualClock`` is a clock
that moves only when told, for deterministic tests with :class:`measure.FakeNVML`.

>>> c = ManualClock()
>>> c.advance(1.5)
>>> c.monotonic_ns(), c.utc_now().isoformat()
(1500000000, '2024-01-01T00:00:01.500000+00:00')
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """What a monitor needs from a clock."""

    def monotonic_ns(self) -> int:
        """Monotonic time [ns] (an arbitrary origin; only differences mean anything)."""
        ...

    def utc_now(self) -> datetime:
        """Wall-clock time, timezone-aware UTC."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` [s]."""
        ...


class SystemClock:
    """The real clocks: ``time.perf_counter_ns`` (monotonic) and ``datetime.now(UTC)``."""

    def monotonic_ns(self) -> int:
        return time.perf_counter_ns()

    def utc_now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class ManualClock:
    """A clock that moves only by :meth:`advance` (or :meth:`sleep`); thread-safe.

    ``start`` [UTC datetime] is the wall-clock time at monotonic zero.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2024, 1, 1, tzinfo=UTC)
        if self._start.tzinfo is None:
            raise ValueError("start must be timezone-aware (UTC)")
        self._ns = 0
        self._lock = threading.Lock()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` [s] (>= 0)."""
        if seconds < 0:
            raise ValueError(f"seconds={seconds!r}: a clock does not go backwards")
        with self._lock:
            self._ns += round(seconds * 1e9)

    def monotonic_ns(self) -> int:
        with self._lock:
            return self._ns

    def utc_now(self) -> datetime:
        return self._start + timedelta(microseconds=self.monotonic_ns() / 1e3)

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)
