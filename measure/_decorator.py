"""The monitor's decorator: every call of a function is a window of its own."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from measure._measurement import Measurement

if TYPE_CHECKING:
    from measure._monitor import Monitor

__all__ = ["measured_calls"]

P = ParamSpec("P")
R = TypeVar("R")


def measured_calls(monitor: Monitor, name: str | None
                   ) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorator over ``monitor``: each call is a window (calls may recurse or run in several
    threads); the measurements of the calls go to ``fn.measurements``."""
    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        label: str = name or str(getattr(fn, "__qualname__", "call"))
        measurements: list[Measurement] = []

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            key = f"{label}#{next(monitor._counter)}-{uuid.uuid4().hex[:6]}"
            monitor._begin(key, label)
            try:
                result = fn(*args, **kwargs)
            except BaseException as e:
                monitor._open[key].notes.append(f"the call raised {type(e).__name__}: {e}")
                measurements.append(monitor._read(key, close=True))
                raise
            measurements.append(monitor._read(key, close=True))
            return result

        wrapper.measurements = measurements  # type: ignore[attr-defined]
        return wrapper

    return decorate
