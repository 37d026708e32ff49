"""Parent against child by repeated, interleaved trials (``measure.compare``), per request.

One measured inference run of each model does not say whether a technique saves energy: the
run-to-run spread of one window is often larger than the effect (two identical demo runs gave
opposite advice). Here every before/after figure comes from a protocol:

1. a *pass* serves every full batch of the held-out requests once (``batch_size`` rows each);
   a *trial* is ``k`` passes in one monitor window, ``k`` calibrated so that a trial uses at
   least ``TrialProtocol.trial_seconds`` of CPU time (the CPU-time estimate counts 10 ms ticks:
   0.1 s is ten ticks; the CPU time of a pass is the median of three interleaved calibration
   rounds). Both sides run the same ``k`` (a common ``k`` keeps the fixed cost of a window,
   the same for both, from biasing the per-request ratio) unless one side's pass costs more
   than :data:`COMMON_K_LIMIT` times the other's; then each side has its own ``k`` and
   requests per trial;
2. :func:`measure.compare` runs warm-up, then interleaved pairs (AB, BA, ...) until the
   ratio's paired bootstrap interval is as tight as ``rel_width``, or ``max_trials`` pairs,
   or ``max_seconds``;
3. per request: trial ``i`` of a side served ``n`` requests, so its energy per request is
   ``e_i = E_i / n`` [J] and its latency per request ``l_i = t_i / n`` [s]. The ratio of
   energy per request is ``R = mean(e_after) / mean(e_before) = r * n_before / n_after``
   (``r``: compare's ratio of trial energies); its interval is compare's scaled by the same
   constant (a bootstrap interval of a ratio of means scales exactly). With a common ``k``
   the factor is 1 and the verdict is compare's; otherwise the two-sample test is rerun on
   the per-request energies (:func:`measure.two_sample_test`): ``conclusive`` when the
   interval excludes 1 and ``p < 1 - level``;
4. each side's mean energy and latency per request comes with the bootstrap interval of the
   mean over trials (:func:`mean_interval`, BCa; percentile where BCa is undefined).
"""

from __future__ import annotations

import contextlib
import math
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from carbon import EnergyUse, InvalidValueError, Job, System, quantity
from compress._checks import count, positive_number
from compress._evaluate import Inputs, n_requests, run_batch, take
from compress._torch import require_torch

if TYPE_CHECKING:
    from measure import Comparison, Monitor

__all__ = [
    "COMMON_K_LIMIT",
    "ModelComparison",
    "Side",
    "TrialProtocol",
    "compare_models",
    "inference_pass",
    "mean_interval",
    "measure_side",
    "side_job",
]

#: a common number of passes per trial is used while one side's pass costs at most this
#: many times the other's
COMMON_K_LIMIT = 4.0
_MAX_PASSES = 100_000


@dataclass(frozen=True)
class TrialProtocol:
    """How each comparison is run (the defaults fit the demo's budget: module doc).

    ``trial_seconds`` [s]: CPU time of one trial (>= 0.05 for the 10 ms tick estimate);
    ``rel_width`` [dimensionless]: target relative half-width of the ratio's interval;
    ``min_trials``/``max_trials``: pairs; ``max_seconds`` [s]: budget of one comparison;
    ``warmup``: discarded runs per side; ``level`` [dimensionless]: of intervals and test;
    ``threads``: torch intra-op threads during trials (None: leave torch's setting);
    ``between_runs_sd``: the between-run part of the ratio's interval, as
    :func:`measure.compare` takes it (``"auto"``: the measured figure for the CPU-time
    estimate, none stated for measured probes; a number; None: the trials' interval alone).

    One thread by default: on a shared machine an OpenMP thread waiting for a descheduled
    peer spins, and that CPU time, which is not work, made identical models read up to 2x
    apart on a busy 2-core host; with one thread they read alike within a few per cent.
    """

    trial_seconds: float = 0.1
    rel_width: float = 0.05
    min_trials: int = 8
    max_trials: int = 20
    max_seconds: float = 8.0
    warmup: int = 1
    level: float = 0.95
    seed: int = 0
    threads: int | None = 1
    between_runs_sd: float | Literal["auto"] | None = "auto"

    def __post_init__(self) -> None:
        positive_number(self.trial_seconds, "trial_seconds", "CPU time of one trial [s]")
        positive_number(self.rel_width, "rel_width", "relative half-width, e.g. 0.05")
        positive_number(self.max_seconds, "max_seconds", "budget of one comparison [s]")
        count(self.min_trials, "min_trials", "pairs of trials (>= 3)")
        count(self.max_trials, "max_trials", "pairs of trials")
        if self.min_trials < 3 or self.max_trials < self.min_trials:
            raise InvalidValueError("max_trials", (self.min_trials, self.max_trials),
                                    "3 <= min_trials <= max_trials")
        if not 0.0 < self.level < 1.0:
            raise InvalidValueError("level", self.level, "a confidence level in (0, 1)")
        if self.threads is not None:
            count(self.threads, "threads", "torch intra-op threads, or None")
        from measure import between_runs_arg

        between_runs_arg(self.between_runs_sd)


@contextlib.contextmanager
def _threads(n: int | None) -> Iterator[None]:
    """torch's intra-op thread count set to ``n`` for a block (None: unchanged)."""
    th = require_torch()
    before = th.get_num_threads()
    if n is not None:
        th.set_num_threads(n)
    try:
        yield
    finally:
        th.set_num_threads(before)


def mean_interval(values: Sequence[float], *, level: float = 0.95, seed: int = 0
                  ) -> tuple[float, float, float]:
    """``(mean, low, high)``: the mean of ``values`` and its bootstrap interval at ``level``.

    :func:`scipy.stats.bootstrap` of the mean (Efron & Tibshirani 1993, *An Introduction to
    the Bootstrap*, ch. 14, BCa), seeded; the percentile interval where BCa is undefined;
    ``(m, m, m)`` when every value is equal (no spread to resample). Units: those of
    ``values``.

    >>> m, lo, hi = mean_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    >>> m, lo < m < hi
    (3.0, True)
    >>> mean_interval([2.0, 2.0, 2.0])
    (2.0, 2.0, 2.0)
    """
    import numpy as np
    from scipy import stats

    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or x.size < 2 or not np.all(np.isfinite(x)):
        raise InvalidValueError("values", values, "at least 2 finite numbers")
    mean = float(x.mean())
    if float(np.ptp(x)) == 0.0:
        return mean, mean, mean
    for method in ("BCa", "percentile"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                res = stats.bootstrap((x,), np.mean, confidence_level=level, method=method,
                                      n_resamples=9999,
                                      rng=np.random.default_rng(seed))
            except (RuntimeWarning, stats.DegenerateDataWarning):
                continue
        lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if math.isfinite(lo) and math.isfinite(hi):
            return mean, min(lo, mean), max(hi, mean)
    return mean, mean, mean


def _batches(inputs: Inputs, batch_size: int) -> list[Inputs]:
    n = n_requests(inputs)
    return [take(inputs, i, i + batch_size) for i in range(0, n - batch_size + 1, batch_size)]


def inference_pass(model: Any, inputs: Inputs, batch_size: int) -> tuple[Callable[[int], None],
                                                                        int]:
    """``(run, requests)``: ``run(k)`` serves every full batch of ``inputs`` ``k`` times in
    inference mode; ``requests`` served by one pass."""
    th = require_torch()
    batches = _batches(inputs, batch_size)
    model.eval()

    def run(k: int) -> None:
        with th.inference_mode():
            for _ in range(k):
                for b in batches:
                    run_batch(model, b)

    return run, len(batches) * batch_size


def cpu_per_pass(*runs: Callable[[int], None], least: float = 0.005, rounds: int = 3
                 ) -> tuple[float, ...]:
    """CPU seconds [s] of one pass of each ``run`` (``time.process_time``, every thread of
    this process): after a warm-up pass each, ``rounds`` interleaved rounds, each timing
    passes of every run until ``least`` seconds of CPU; the median per run (a busy
    neighbour that stalls one round does not set the trial length)."""
    import statistics

    for run in runs:
        run(1)  # warm-up: lazy initialisation, allocator, caches
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for run, out in zip(runs, samples, strict=True):
            k, t0 = 0, time.process_time()
            while True:
                run(1)
                k += 1
                used = time.process_time() - t0
                if used >= least or k >= _MAX_PASSES:
                    break
            out.append(max(used, 1e-9) / k)
    return tuple(statistics.median(x) for x in samples)


def _passes(cpu: float, target: float) -> int:
    return max(1, min(_MAX_PASSES, math.ceil(target / cpu)))


@dataclass(frozen=True)
class Side:
    """One model's trials: per-request energy [J] and latency [s] of each trial, means and
    intervals (``*_ci``: (low, high) at the comparison's level)."""

    label: str
    requests_per_trial: int
    passes_per_trial: int
    energy_j: tuple[float, ...]
    latency_s: tuple[float, ...]
    energy_mean_j: float
    energy_ci_j: tuple[float, float]
    latency_mean_s: float
    latency_ci_s: tuple[float, float]

    @property
    def trials(self) -> int:
        return len(self.energy_j)

    @property
    def requests(self) -> int:
        """Requests served over every trial."""
        return self.trials * self.requests_per_trial


def _side(label: str, n: int, k: int, energies: Sequence[Any], durations: Sequence[Any],
          level: float, seed: int) -> Side:
    e = [float(q.m_as("J")) / n for q in energies]
    lat = [float(q.m_as("s")) / n for q in durations]
    em, elo, ehi = mean_interval(e, level=level, seed=seed)
    lm, llo, lhi = mean_interval(lat, level=level, seed=seed)
    return Side(label, n, k, tuple(e), tuple(lat), em, (elo, ehi), lm, (llo, lhi))


@dataclass(frozen=True)
class ModelComparison:
    """Before (parent) and after (child) per request, and the verdict (module doc)."""

    before: Side
    after: Side
    ratio: float
    ci: tuple[float, float]
    level: float
    conclusive: bool
    p_value: float
    test: str
    provenance: str
    comparison: Comparison

    @property
    def trials(self) -> int:
        return self.comparison.n_trials

    def summary(self) -> str:
        """``after/before per request = R [low, high] (level, n trials, test p): verdict;
        stop``."""
        lo, hi = self.ci
        p = f"p={self.p_value:.4f}" if self.p_value >= 1e-4 else "p<0.0001"
        verdict = "conclusive" if self.conclusive else "not conclusive"
        c = self.comparison
        return (f"energy per request after/before = {self.ratio:.3f} [{lo:.3f}, {hi:.3f}] "
                f"({self.level * 100:g} %, {c.n_trials} interleaved trials of "
                f"{self.before.requests_per_trial} and {self.after.requests_per_trial} "
                f"requests, {self.test} {p}, {self.provenance}): {verdict}; "
                f"stopped by {c.stop_reason}")


def compare_models(parent: Any, child: Any, inputs: Inputs, *, batch_size: int,
                   monitor: Monitor, protocol: TrialProtocol | None = None,
                   energy: str = "dynamic", labels: tuple[str, str] = ("parent", "child")
                   ) -> ModelComparison:
    """Compare the energy per request of ``child`` with ``parent`` (module doc).

    ``inputs``: held-out requests; ``monitor``: measures every trial window; ``energy``:
    ``"dynamic"`` (above idle) or ``"total"``. Returns a :class:`ModelComparison`.
    """
    from measure import compare, two_sample_test

    p = protocol or TrialProtocol()
    run_b, per_pass = inference_pass(parent, inputs, batch_size)
    run_a, _ = inference_pass(child, inputs, batch_size)
    with _threads(p.threads):
        cpu_b, cpu_a = cpu_per_pass(run_b, run_a)
        k_b, k_a = _passes(cpu_b, p.trial_seconds), _passes(cpu_a, p.trial_seconds)
        if max(cpu_b, cpu_a) <= COMMON_K_LIMIT * min(cpu_b, cpu_a):
            k_b = k_a = max(k_b, k_a)
        c = compare(lambda: run_b(k_b), lambda: run_a(k_a), monitor=monitor,
                    rel_width=p.rel_width, min_trials=p.min_trials,
                    max_trials=p.max_trials, max_seconds=p.max_seconds, warmup=p.warmup,
                    level=p.level, seed=p.seed,
                    energy="dynamic" if energy == "dynamic" else "total", labels=labels,
                    between_runs_sd=p.between_runs_sd)
    n_b, n_a = k_b * per_pass, k_a * per_pass
    before = _side(labels[0], n_b, k_b, c.baseline_energy, c.baseline_duration, p.level,
                   p.seed)
    after = _side(labels[1], n_a, k_a, c.candidate_energy, c.candidate_duration, p.level,
                  p.seed)
    scale = n_b / n_a
    ci = (c.ci[0] * scale, c.ci[1] * scale)
    ratio = c.ratio * scale
    if k_b == k_a:
        conclusive, p_value, test = c.conclusive, c.p_value, c.test
    else:
        t = two_sample_test(before.energy_j, after.energy_j, seed=p.seed)
        excludes = ci[0] > 1.0 or ci[1] < 1.0
        conclusive, p_value, test = bool(excludes and t.p_value < 1 - p.level), t.p_value, \
            t.name
    return ModelComparison(before, after, ratio, ci, p.level, conclusive, p_value, test,
                           c.provenance, c)


def measure_side(model: Any, inputs: Inputs, *, batch_size: int, monitor: Monitor,
                 protocol: TrialProtocol | None = None, energy: str = "dynamic",
                 label: str = "model", min_seconds: float = 0.0) -> tuple[Side, str]:
    """One model alone by the same trials: ``(side, provenance)``. Trials run until the
    interval of the mean energy per request is as tight as ``rel_width`` (after
    ``min_trials`` and ``min_seconds`` [s]), else ``max_trials``, else ``max_seconds``."""
    p = protocol or TrialProtocol()
    run, per_pass = inference_pass(model, inputs, batch_size)
    with _threads(p.threads):
        return _measure_side(run, per_pass, p, monitor, energy, label, min_seconds)


def _measure_side(run: Callable[[int], None], per_pass: int, p: TrialProtocol, monitor: Monitor,
                  energy: str, label: str, min_seconds: float) -> tuple[Side, str]:
    from measure import MeasureError

    k = _passes(cpu_per_pass(run)[0], p.trial_seconds)
    order = ["measured", "sampled", "estimated", "reported"]
    worst = "measured"
    energies: list[Any] = []
    durations: list[Any] = []
    t0 = time.monotonic()
    for i in range(p.warmup + p.max_trials):
        with monitor.window(f"inference:{label} trial {i}") as w:
            run(k)
        m = w.measurement
        assert m is not None
        if i < p.warmup:
            continue
        e = m.dynamic_energy if energy == "dynamic" else m.total_energy
        if e is None:
            raise MeasureError("trial", label, "a trial whose energy is known",
                               f"the energy of a trial of {label} is unknown: raise "
                               "trial_seconds")
        energies.append(e)
        durations.append(m.duration)
        worst = max([worst, *(d.provenance or "reported" for d in m.devices)],
                    key=order.index)
        if len(energies) < p.min_trials:
            continue
        elapsed = time.monotonic() - t0
        if elapsed < min_seconds:
            continue
        mean, lo, hi = mean_interval([q.m_as("J") for q in energies], level=p.level,
                                     seed=p.seed)
        if (hi > lo and (hi - lo) / 2 <= p.rel_width * mean) or elapsed >= p.max_seconds:
            break
    side = _side(label, k * per_pass, k, energies, durations, p.level, p.seed)
    return side, worst


def side_job(side: Side, name: str, system: System, provenance: str, *, batch_size: int,
             source: str) -> Job:
    """The inference of one side's trials as one ``carbon.Job``: energy = mean energy per
    request x requests [J], duration = mean latency per request x requests [s]; ``uncertainty``
    the interval's half-width x requests; ``meta`` ``requests``, ``batch_size``, ``trials``."""
    n = side.requests
    half = (side.energy_ci_j[1] - side.energy_ci_j[0]) / 2.0
    seconds = side.latency_mean_s * n
    start = datetime.now(UTC)
    return Job(
        name=name, start=start, end=start + timedelta(seconds=seconds),
        duration=quantity(seconds, "s"),
        energy=[EnergyUse(system=system, energy=quantity(side.energy_mean_j * n, "J"),
                          provenance=provenance, uncertainty=quantity(half * n, "J"),
                          source=source, duration=quantity(seconds, "s"))],
        meta={"requests": n, "batch_size": batch_size, "trials": side.trials})
