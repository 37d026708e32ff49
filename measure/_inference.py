"""Inference sweep: a simulated request queue served with greedy and fixed batching, in
repeated trials interleaved across the policies.

Requests arrive at ``arrival_rate`` [1/s] (Poisson, seeded, or evenly spaced). The server
runs for real: ``infer(b)`` serves a batch of ``b`` requests, timed with the monotonic clock
and measured by the monitor; waiting for arrivals is simulated (no real sleep), so the
sweep takes only the compute time. Policies:

* ``greedy``: when the server is free, take every waiting request (up to ``max_batch``);
  if none waits, jump to the next arrival;
* ``fixed(b)``: wait until ``b`` requests are queued (the last batch takes what is left).

``trials`` rounds serve the same stream with every policy, round ``i`` starting at policy
``i mod k`` (each policy takes each position equally often, so drift and a busy neighbour
hit them alike). Per policy and trial, in one monitor window:

* busy energy per request ``e_busy = E_window / n`` [J] (``charge``: dynamic or total);
* idle energy per request ``e_idle = P_idle * t_idle / n`` [J]: the server waits
  ``t_idle`` [s] between batches (simulated) and draws its idle power ``P_idle`` [W] then.
  ``P_idle`` is the sum over the window's devices of the monitor's idle power (measured by
  ``Monitor.measure_idle`` or stated as ``Monitor(idle_power=...)``), or ``idle_power``
  given here; None (with ``idle_reason``) when a device has none;
* ``energy_per_request_served = e_busy + e_idle`` [J]: what one request costs in the serving
  window, idle time included (Green AI: an idle accelerator still draws power);
* latencies: request ``k`` waits ``finish(batch) - arrival(k)`` [s]; mean, p95 and max.

Each figure is the mean over trials with the bootstrap interval of the mean
(``*_ci``; :func:`measure.ratio_interval` is not needed: one side). ``peak_power`` [W]: the
highest NVML power reading taken after each batch (``nvmlDeviceGetPowerUsage``: a moving
average over ~1 s on Ampere and newer, so a lower bound of the true peak), None with
``peak_reason`` when the monitor has no NVML GPU (counters and estimates give energy, not
power). :func:`measure.choose_batch_size` picks the lowest-energy point under a latency
bound.

>>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace
>>> clock = ManualClock()
>>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock), cpu=None,
...               memory=None, clock=clock, interval=None, idle_power={"gpu:0": "0 W"})
>>> def infer(b):  # 10 ms + 1 ms per request, on the manual clock
...     clock.advance(0.010 + 0.001 * b)
>>> points = inference_sweep(infer, mon, arrival_rate=200.0, n_requests=64,
...                          batch_sizes=(1, 8), clock=clock, trials=3)
>>> [(p.policy, p.batch_size, p.trials) for p in points]
[('greedy', 8, 3), ('fixed', 1, 3), ('fixed', 8, 3)]
>>> best = min(points, key=lambda p: p.energy_per_request.m)
>>> best.policy, best.batch_size, best.peak_power
('fixed', 8, <Quantity(100.0, 'watt')>)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from carbon import InvalidValueError, magnitude, quantity
from measure._clock import Clock, SystemClock
from measure._gpu import nvml_call
from measure._measurement import Measurement
from measure._monitor import Monitor

__all__ = ["SweepPoint", "inference_sweep", "torch_infer"]

_ORDER = ["measured", "sampled", "estimated", "reported"]


@dataclass(frozen=True)
class SweepPoint:
    """One policy over ``trials`` trials (module doc): means [J], [s], [W] and intervals.

    ``energy_per_request``: busy energy only (None when a trial's window was below the
    probe's resolution); ``idle_energy_per_request``, ``energy_per_request_served``: with the
    idle power (None with ``idle_reason`` when it is unknown); ``*_ci``: (low, high) of the
    mean at ``level``; ``measurement``: the last trial's window; ``measurements``: all.
    """

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
    trials: int = 1
    level: float = 0.95
    energy_ci: tuple[Any, Any] | None = None
    idle_power: Any | None = None
    idle_source: str | None = None
    idle_reason: str | None = None
    idle_energy_per_request: Any | None = None
    energy_per_request_served: Any | None = None
    energy_served_ci: tuple[Any, Any] | None = None
    mean_latency_ci: tuple[Any, Any] | None = None
    p95_latency_ci: tuple[Any, Any] | None = None
    max_latency_ci: tuple[Any, Any] | None = None
    peak_power: Any | None = None
    peak_reason: str | None = None
    measurements: tuple[Measurement, ...] = ()


def _arrivals(rate: float, n: int, poisson: bool, seed: int) -> np.ndarray:
    if poisson:
        gaps = np.random.default_rng(seed).exponential(1.0 / rate, size=n)
        out: np.ndarray = np.cumsum(gaps) - gaps[0]
        return out
    even: np.ndarray = np.arange(n) / rate
    return even


def _serve(infer: Callable[[int], object], arrivals: np.ndarray, policy: str, b: int,
           clock: Clock, sync: Callable[[], None],
           after_batch: Callable[[], None] | None = None
           ) -> tuple[np.ndarray, int, float, float]:
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
        if after_batch is not None:
            after_batch()
        busy += dt
        now += dt
        finish[served:served + take] = now
        served += take
        batches += 1
    return finish - arrivals, batches, busy, idle


def _power_reader(monitor: Monitor) -> tuple[Callable[[], float] | None, str | None]:
    """A function summing the NVML power of the monitor's GPUs now [W], or the reason."""
    gpus = [p for p in monitor.probes if getattr(p, "kind", None) == "gpu"
            and hasattr(p, "nvml") and hasattr(p, "handle")]
    if not gpus:
        return None, ("no NVML GPU among the monitor's devices: energy counters and "
                      "estimates give energy, not power samples")

    def read() -> float:
        return sum(float(nvml_call(p.nvml, f"{p.key}.power", p.nvml.nvmlDeviceGetPowerUsage,
                                   p.handle)) / 1e3 for p in gpus)

    return read, None


def _idle_power(m: Measurement, given: Any) -> tuple[float | None, str | None, str | None]:
    """(P_idle [W], source, reason when unknown) for the devices of one window."""
    if given is not None:
        return float(magnitude(given, "W", "idle_power")), "stated (inference_sweep " \
            "idle_power)", None
    missing = [d.key for d in m.devices if d.idle_power is None]
    if missing:
        return None, None, (f"no idle power for {', '.join(missing)} (measure it with "
                            "Monitor.measure_idle / Monitor.auto(), state it with "
                            "Monitor(idle_power=...), or pass idle_power): idle energy unknown")
    w = sum(float(magnitude(d.idle_power, "W", "idle_power")) for d in m.devices)
    parts = ", ".join(f"{d.key} {float(magnitude(d.idle_power, 'W', 'idle_power')):g} W"
                      for d in m.devices)
    return w, f"the monitor's idle power ({parts}; measured by measure_idle or stated)", None


def _mean_ci(values: Sequence[float], level: float, seed: int) -> tuple[float, float, float]:
    from measure._stats import _scipy_stats, rng_kw

    x = np.asarray(values, dtype=float)
    m = float(x.mean())
    if x.size < 2 or float(np.ptp(x)) == 0.0:
        return m, m, m
    stats = _scipy_stats()
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                res = stats.bootstrap((x,), np.mean, confidence_level=level, method=method,
                                      n_resamples=9999, **rng_kw(seed))
            except (RuntimeWarning, stats.DegenerateDataWarning):
                continue
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if math.isfinite(lo) and math.isfinite(hi):
            return m, min(lo, m), max(hi, m)
    return m, m, m


def _q(values: Sequence[float] | None, unit: str, level: float, seed: int
       ) -> tuple[Any | None, tuple[Any, Any] | None]:
    if values is None:
        return None, None
    m, lo, hi = _mean_ci(values, level, seed)
    return quantity(m, unit), (quantity(lo, unit), quantity(hi, unit))


@dataclass
class _Trials:
    e_busy: list[float | None]
    e_idle: list[float | None]
    lat: list[tuple[float, float, float]]
    busy: list[float]
    idle: list[float]
    unc: list[float | None]
    peak: list[float]
    ms: list[Measurement]
    batches: int = 0
    idle_w: float | None = None
    idle_source: str | None = None
    idle_reason: str | None = None


def inference_sweep(infer: Callable[[int], object], monitor: Monitor, *,
                    arrival_rate: float | Any, n_requests: int = 256,
                    batch_sizes: Sequence[int] = (1, 2, 4, 8, 16, 32), greedy: bool = True,
                    max_batch: int | None = None, poisson: bool = True, seed: int = 0,
                    charge: Literal["dynamic", "total"] = "dynamic", warmup: int = 1,
                    clock: Clock | None = None, trials: int = 5, level: float = 0.95,
                    idle_power: Any | None = None) -> list[SweepPoint]:
    """Serve the same simulated request stream with each policy; see the module docstring.

    ``infer(b)`` runs one batch of ``b`` requests. ``arrival_rate`` [1/s] (a number or a
    quantity such as ``"50 / s"``). Greedy batching is capped at ``max_batch`` (default: the
    largest fixed size). ``warmup`` batches of each size run unmeasured first. ``trials``
    rounds (interleaved, >= 1); ``level`` of the intervals; ``idle_power`` [W]: the server's
    idle power (None: the monitor's).
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
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise InvalidValueError("trials", trials, "an integer >= 1 (rounds of every policy)")
    if not 0.0 < level < 1.0:
        raise InvalidValueError("level", level, "a confidence level in (0, 1)")
    cap = max_batch or max(sizes)
    clk = clock or SystemClock()
    arrivals = _arrivals(rate, n_requests, poisson, seed)
    runs: list[tuple[Literal["greedy", "fixed"], int]] = [("greedy", cap)] if greedy else []
    runs += [("fixed", b) for b in sizes]
    for b in sorted({*sizes, cap}):
        for _ in range(warmup):
            infer(b)
    power, peak_reason = _power_reader(monitor)
    acc = [_Trials([], [], [], [], [], [], [], []) for _ in runs]
    for i in range(trials):
        for j in [(i + r) % len(runs) for r in range(len(runs))]:
            policy, b = runs[j]
            t = acc[j]
            key = f"inference_sweep/{policy}-{b}/trial {i}"
            sample = None if power is None else (lambda t=t: t.peak.append(power()))
            monitor._begin(key, key)
            latency, t.batches, busy, idle = _serve(infer, arrivals, policy, b, clk,
                                                    monitor._sync, sample)
            m = monitor._read(key, close=True)
            figure = m.dynamic_energy if charge == "dynamic" else m.total_energy
            e = None if figure is None else magnitude(figure, "J", "energy") / n_requests
            t.idle_w, t.idle_source, t.idle_reason = _idle_power(m, idle_power)
            t.e_busy.append(e)
            t.e_idle.append(None if t.idle_w is None else t.idle_w * idle / n_requests)
            uncs = [d.uncertainty for d in m.devices]
            t.unc.append(None if any(u is None for u in uncs)
                         else sum(magnitude(u, "J", "uncertainty") for u in uncs))
            t.lat.append((float(latency.mean()), float(np.percentile(latency, 95)),
                          float(latency.max())))
            t.busy.append(busy)
            t.idle.append(idle)
            t.ms.append(m)
    return [_point(policy, b, t, n_requests, level, seed, peak_reason)
            for (policy, b), t in zip(runs, acc, strict=True)]


def _known(values: list[float | None]) -> list[float] | None:
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def _point(policy: Literal["greedy", "fixed"], b: int, t: _Trials, n: int, level: float,
           seed: int, peak_reason: str | None) -> SweepPoint:
    busy = _known(t.e_busy)
    idle = _known(t.e_idle)
    served = None if busy is None or idle is None else [x + y for x, y in
                                                        zip(busy, idle, strict=True)]
    e, e_ci = _q(busy, "J", level, seed)
    e_idle, _ = _q(idle, "J", level, seed)
    e_served, served_ci = _q(served, "J", level, seed)
    mean_l, mean_ci = _q([x[0] for x in t.lat], "s", level, seed)
    p95, p95_ci = _q([x[1] for x in t.lat], "s", level, seed)
    mx, mx_ci = _q([x[2] for x in t.lat], "s", level, seed)
    unc = _known(t.unc)
    reason = t.idle_reason
    if reason is None and busy is None:
        reason = "busy energy unknown in a trial (window below the probe's resolution)"
    return SweepPoint(
        policy=policy, batch_size=b, n_requests=n, n_batches=t.batches,
        energy_per_request=e,
        uncertainty_per_request=None if unc is None
        else quantity(float(np.mean(unc)) / n, "J"),
        provenance=max((d.provenance or "estimated" for m in t.ms for d in m.devices),
                       key=_ORDER.index),
        max_latency=mx, mean_latency=mean_l, p95_latency=p95,
        busy_time=quantity(float(np.mean(t.busy)), "s"),
        idle_time=quantity(float(np.mean(t.idle)), "s"), measurement=t.ms[-1],
        trials=len(t.ms), level=level, energy_ci=e_ci,
        idle_power=None if t.idle_w is None else quantity(t.idle_w, "W"),
        idle_source=t.idle_source, idle_reason=reason, idle_energy_per_request=e_idle,
        energy_per_request_served=e_served, energy_served_ci=served_ci,
        mean_latency_ci=mean_ci, p95_latency_ci=p95_ci, max_latency_ci=mx_ci,
        peak_power=None if not t.peak else quantity(max(t.peak), "W"),
        peak_reason=peak_reason, measurements=tuple(t.ms))


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
