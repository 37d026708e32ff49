"""Replay a recorded measurement file: the same windows, no hardware.

A :class:`Monitor` given ``record=path`` appends every closed window to ``path`` (JSON
lines). :class:`ReplayMonitor` reads that file and answers ``begin_window`` / ``end_window``
/ ``window`` / ``measured`` with the recorded measurements, window by window in the order they
were recorded, so a script measured once on a GPU machine reruns anywhere (as in CI).

>>> import tempfile, os
>>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace
>>> path = os.path.join(tempfile.mkdtemp(), "rec.jsonl")
>>> clock = ManualClock()
>>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(50.0)], clock=clock), cpu=None,
...               memory=None, clock=clock, interval=None, record=path)
>>> with mon.window("step"):
...     clock.advance(1.0)
>>> replay = ReplayMonitor(path)
>>> replay.begin_window("step")
>>> replay.end_window("step").device("gpu:0").energy
<Quantity(50.0, 'joule')>
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

from measure._errors import JournalError, WindowError
from measure._measurement import Measurement

__all__ = ["ReplayMonitor"]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class ReplayHandle:
    """``with replay.window(name) as w``: ``w.measurement`` after the block."""

    measurement: Measurement | None = None


class ReplayMonitor:
    """Plays back a file written by ``Monitor(record=...)``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._queue: dict[str, deque[Measurement]] = defaultdict(deque)
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise JournalError("path", str(path), "a readable recording file") from e
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                self._queue[rec["window"]].append(Measurement.from_dict(rec["measurement"]))
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise JournalError(f"{self.path.name} line {n}", line[:80],
                                   "a record written by Monitor(record=...)") from e
        self._open: set[str] = set()

    def remaining(self) -> dict[str, int]:
        """Recorded windows not yet played, by name."""
        return {k: len(v) for k, v in self._queue.items() if v}

    def begin_window(self, name: str) -> None:
        if name in self._open:
            raise WindowError("window", name, "a name not already open")
        if not self._queue.get(name):
            raise JournalError("window", name, f"a recorded window (left: {self.remaining()})")
        self._open.add(name)

    def end_window(self, name: str) -> Measurement:
        if name not in self._open:
            raise WindowError("window", name, f"an open window (begin_window({name!r}) first)")
        self._open.discard(name)
        return self._queue[name].popleft()

    @contextmanager
    def window(self, name: str) -> Iterator[ReplayHandle]:
        self.begin_window(name)
        handle = ReplayHandle()
        try:
            yield handle
        finally:
            handle.measurement = self.end_window(name)

    def measured(self, name: str | None = None
                 ) -> Callable[[Callable[P, R]], Callable[P, R]]:
        def decorate(fn: Callable[P, R]) -> Callable[P, R]:
            label: str = name or str(getattr(fn, "__qualname__", "call"))
            measurements: list[Measurement] = []

            @functools.wraps(fn)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                with self.window(label) as w:
                    result = fn(*args, **kwargs)
                assert w.measurement is not None
                measurements.append(w.measurement)
                return result

            wrapper.measurements = measurements  # type: ignore[attr-defined]
            return wrapper

        return decorate
