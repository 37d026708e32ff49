"""The batch size to serve at: the lowest energy per request under a latency bound.

Given the points of :func:`measure.inference_sweep` (means over repeated trials), the choice
is the point with the lowest energy per request among those whose p95 (or max) latency
meets the bound: ``argmin_{p : L_p <= L_max} e_p``. Energy is the served figure (idle power
x idle time included) when every point knows it, else the busy energy alone, and the
choice says which; when no point meets the bound the choice is None with the reason.

>>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace, inference_sweep
>>> clock = ManualClock()
>>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock), cpu=None,
...               memory=None, clock=clock, interval=None, idle_power={"gpu:0": "20 W"})
>>> def infer(b):  # 10 ms + 1 ms per request, on the manual clock
...     clock.advance(0.010 + 0.001 * b)
>>> points = inference_sweep(infer, mon, arrival_rate=200.0, n_requests=64,
...                          batch_sizes=(1, 8, 32), clock=clock, trials=3)
>>> choice = choose_batch_size(points, max_latency="100 ms")
>>> choice.point.policy, choice.point.batch_size, choice.energy
('fixed', 8, 'served (idle included)')
>>> print(choose_batch_size(points, max_latency="1 ms").reason)
no policy meets p95 latency <= 0.001 s (the lowest is 0.02495 s, greedy 32)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from carbon import InvalidValueError, magnitude
from measure._inference import SweepPoint

__all__ = ["BatchChoice", "choose_batch_size"]


@dataclass(frozen=True)
class BatchChoice:
    """What :func:`choose_batch_size` picked: the point (None when none fits) and why."""

    point: SweepPoint | None
    reason: str
    energy: str
    latency: str


def choose_batch_size(points: Sequence[SweepPoint], *, max_latency: Any,
                      latency: Literal["p95", "max"] = "p95") -> BatchChoice:
    """The lowest-energy point whose ``latency`` (p95 or max, mean over trials) meets
    ``max_latency`` [s]; energy is ``energy_per_request_served`` (idle included) when every
    point knows it, else the busy energy (and the reason says so). None with the reason
    when no point meets the bound or no energy is known.
    """
    bound = float(magnitude(max_latency, "s", "max_latency"))
    if latency not in ("p95", "max"):
        raise InvalidValueError("latency", latency, "'p95' or 'max'")
    if not points:
        raise InvalidValueError("points", points, "the points of an inference_sweep")
    with_idle = all(p.energy_per_request_served is not None for p in points)
    basis = "served (idle included)" if with_idle else "busy only (idle power unknown)"

    def energy(p: SweepPoint) -> Any:
        return p.energy_per_request_served if with_idle else p.energy_per_request

    def lat(p: SweepPoint) -> float:
        q = p.p95_latency if latency == "p95" else p.max_latency
        return float(magnitude(q, "s", "latency"))

    fits = [p for p in points if lat(p) <= bound]
    if not fits:
        best = min(points, key=lat)
        return BatchChoice(None, f"no policy meets {latency} latency <= {bound:g} s (the "
                           f"lowest is {lat(best):.4g} s, {best.policy} {best.batch_size})",
                           basis, latency)
    known = [p for p in fits if energy(p) is not None]
    if not known:
        return BatchChoice(None, "no energy per request is known for the policies that meet "
                           "the bound", basis, latency)
    pick = min(known, key=lambda p: float(magnitude(energy(p), "J", "energy")))
    why = (f"lowest energy per request ({basis}) among {len(fits)} of {len(points)} policies "
           f"with {latency} latency <= {bound:g} s")
    return BatchChoice(pick, why, basis, latency)
