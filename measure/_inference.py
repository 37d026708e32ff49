"""Inference sweep: a simulated request queue served with greedy and fixed batching.

Requests arrive at ``arrival_rate`` [1/s] (Poisson, seeded, or evenly spaced). The server
runs for real: ``infer(b)`` serves a batch of ``b`` requests, timed with the monotonic clock
and measured by the monitor; waiting for arrivals is simulated (no real sleep), so the
sweep takes only the compute time. Policies:

* ``greedy``: when the server is free, take every waiting request (up to ``max_batch``);
  if none waits, jump to the next arrival;
* ``fixed(b)``: wait until ``b`` requests are queued (the last batch takes what is left).

For each: energy per request = energy of the serving window (``charge``: dynamic or total) /
requests, and the latency of request ``k`` = finish time of its batch - its arrival.
Idle waiting between batches is simulated and so not in the energy: ``idle_time`` is given
so that an idle power can be charged for it.

>>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace
>>> clock = ManualClock()
>>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock), cpu=None,
...               memory=None, clock=clock, interval=None, idle_power={"gpu:0": "0 W"})
>>> def infer(b):  # 10 ms + 1 ms per request, on the manual clock
...     clock.advance(0.010 + 0.001 * b)
>>> points = inference_sweep(infer, mon, arrival_rate=200.0, n_requests=64,
...                          batch_sizes=(1, 8), clock=clock)
>>> [(p.policy, p.batch_size) for p in points]
[('greedy', 8), ('fixed', 1), ('fixed', 8)]
>>> best = min(points, key=lambda p: p.energy_per_request.m)
>>> best.policy, best.batch_size
('fixed', 8)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from carbon import InvalidValueError, magnitude, quantity
from measure._clock import Clock, SystemClock
from measure._measurement import Measurement
from measure._monitor import Monitor

__all__ = ["SweepPoint", "inference_sweep", "torch_infer"]


@dataclass(frozen=True)
class SweepPoint:
    """One policy's result: energy per request [J] and latencies [s]."""

    policy: Literal["greedy", "fixed"]
    batch_size: int
    n_requests: int
    n_batches: int
    energy_per_request: Any | None
    uncertainty_per_request: Any | None
    provenance: str
    max_latency: Any
    mean_latency: Any
    p95_latency: Any
    busy_time: Any
    idle_time: Any
    measurement: Measurement


def _arrivals(rate: float, n: int, poisson: bool, seed: int) -> np.ndarray:
    if poisson:
        gaps = np.random.default_rng(seed).exponential(1.0 / rate, size=n)
        out: np.ndarray = np.cumsum(gaps) - gaps[0]
        return out
    even: np.ndarray = np.arange(n) / rate
    return even


def _serve(infer: Callable[[int], object], arrivals: np.ndarray, policy: str, b: int,
           clock: Clock, sync: Callable[[], None]) -> tuple[np.ndarray, int, float, float]:
    n = len(arrivals)
    finish = np.empty(n)
    now = 0.0
    served = 0
    batches = 0
    busy = idle = 0.0
    while served < n:
        if policy == "greedy":
            if arrivals[served] > now:
                idle += arrivals[served] - now
                now = float(arrivals[served])
            waiting = int(np.searchsorted(arrivals, now, side="right")) - served
            take = min(b, waiting)
            size = take
        else:
            take = min(b, n - served)
            ready = float(arrivals[served + take - 1])
            if ready > now:
                idle += ready - now
                now = ready
            size = b  # a fixed-size batch is padded when fewer requests are left
        t0 = clock.monotonic_ns()
        infer(size)
        sync()
        dt = (clock.monotonic_ns() - t0) / 1e9
        busy += dt
        now += dt
        finish[served:served + take] = now
        served += take
        batches += 1
    return finish - arrivals, batches, busy, idle


def inference_sweep(infer: Callable[[int], object], monitor: Monitor, *,
                    arrival_rate: float | Any, n_requests: int = 256,
                    batch_sizes: Sequence[int] = (1, 2, 4, 8, 16, 32), greedy: bool = True,
                    max_batch: int | None = None, poisson: bool = True, seed: int = 0,
                    charge: Literal["dynamic", "total"] = "dynamic", warmup: int = 1,
                    clock: Clock | None = None) -> list[SweepPoint]:
    """Serve the same simulated request stream with each policy; see the module docstring.

    ``infer(b)`` runs one batch of ``b`` requests. ``arrival_rate`` [1/s] (a number or a
    quantity such as ``"50 / s"``). Greedy batching is capped at ``max_batch`` (default: the
    largest fixed size). ``warmup`` batches of each size run unmeasured first.
    """
    rate = (float(arrival_rate) if isinstance(arrival_rate, (int, float))
            else float(magnitude(arrival_rate, "1/s", "arrival_rate")))
    if not (rate > 0 and math.isfinite(rate)):
        raise InvalidValueError("arrival_rate", arrival_rate, "a rate > 0 [1/s]")
    if n_requests < 1:
        raise InvalidValueError("n_requests", n_requests, "an integer >= 1")
    sizes = [int(b) for b in batch_sizes]
    if not sizes or any(b < 1 for b in sizes):
        raise InvalidValueError("batch_sizes", batch_sizes, "batch sizes >= 1")
    if charge not in ("dynamic", "total"):
        raise InvalidValueError("charge", charge, "'dynamic' or 'total'")
    cap = max_batch or max(sizes)
    clk = clock or SystemClock()
    arrivals = _arrivals(rate, n_requests, poisson, seed)
    runs: list[tuple[Literal["greedy", "fixed"], int]] = [("greedy", cap)] if greedy else []
    runs += [("fixed", b) for b in sizes]
    for b in sorted({*sizes, cap}):
        for _ in range(warmup):
            infer(b)
    points = []
    for policy, b in runs:
        key = f"inference_sweep/{policy}-{b}"
        monitor._begin(key, key)
        latency, batches, busy, idle = _serve(infer, arrivals, policy, b, clk, monitor._sync)
        m = monitor._read(key, close=True)
        figure = m.dynamic_energy if charge == "dynamic" else m.total_energy
        uncs = [d.uncertainty for d in m.devices]
        unc = (None if any(u is None for u in uncs)
               else sum(magnitude(u, "J", "uncertainty") for u in uncs))
        provs = [d.provenance or "estimated" for d in m.devices]
        order = ["measured", "sampled", "estimated", "reported"]
        points.append(SweepPoint(
            policy=policy, batch_size=b, n_requests=n_requests, n_batches=batches,
            energy_per_request=None if figure is None
            else quantity(magnitude(figure, "J", "energy") / n_requests, "J"),
            uncertainty_per_request=None if unc is None else quantity(unc / n_requests, "J"),
            provenance=max(provs, key=order.index),
            max_latency=quantity(float(latency.max()), "s"),
            mean_latency=quantity(float(latency.mean()), "s"),
            p95_latency=quantity(float(np.percentile(latency, 95)), "s"),
            busy_time=quantity(busy, "s"), idle_time=quantity(idle, "s"), measurement=m))
    return points


def torch_infer(model: Any, example: Any) -> Callable[[int], object]:
    """``infer(b)`` for :func:`inference_sweep`: ``model`` on ``b`` copies of ``example``.

    ``example`` is one request's input tensor (no batch dimension); runs under
    ``torch.inference_mode``. torch is imported here, lazily.
    """
    import torch

    batches: dict[int, Any] = {}

    def infer(b: int) -> object:
        x = batches.get(b)
        if x is None:
            x = batches[b] = example.unsqueeze(0).expand(b, *example.shape).contiguous()
        with torch.inference_mode():
            return model(x)

    return infer
