"""Measured comparisons: interleaved trials until the ratio's interval is tight, then a verdict.

One measurement of each side does not say whether a technique saves energy: the run-to-run
spread of a single window is often larger than the effect. :func:`compare` runs a protocol:

1. warm-up: ``warmup`` runs of each side, measured and discarded (caches, allocators, lazy
   initialisation, CPU frequency);
2. trials in interleaved pairs: A B, B A, A B, ... (``order="alternate"``: each side goes
   first equally often, so a slow drift or a busy neighbour hits both sides alike), or each
   pair's order drawn by a seeded RNG (``order="random"``);
3. after each pair, from ``min_trials`` pairs on: the ratio of means
   ``r = mean(E_candidate) / mean(E_baseline)`` [dimensionless] and its paired bootstrap
   interval (:func:`measure.ratio_interval`); stop when its relative half-width
   ``(high - low) / (2 r) <= rel_width``, else at ``max_trials`` pairs, else once
   ``max_seconds`` have passed on the monitor's clock. The rule looks only at the width,
   never at whether the interval excludes 1, so stopping early does not push the verdict
   towards "conclusive"; an interval of zero width (every pair read alike, as quantised
   readings such as 10 ms CPU ticks often do over a few trials) is no reason to stop;
4. verdict: ``conclusive`` when the interval excludes 1 *and* the test's two-sided p-value is
   below ``1 - level`` (Mann-Whitney U by default; a paired permutation test on request).
   "Not conclusive" does not mean "equal": the interval says how large a difference the
   trials still allow.

The energy of a trial is the total energy of its monitor window, every device summed
(``energy="dynamic"``: the part above idle). The default monitor is
``Monitor(gpus="auto", cpu="auto", memory=None)``: NVML GPUs where there are any, RAPL
packages where readable, else the labelled CPU-time estimate with process attribution (the
CPU-seconds of this process for a callable, of the command's process tree for a command):
CPU time moves far less than wall time when other processes share the cores (somewhat, where
they share a core's caches or hyperthreads, on both sides alike). Memory is
left out by default because its estimate integrates resident memory over *wall* time, which
neighbours stretch; pass a monitor to include it.

>>> import random
>>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace
>>> clock = ManualClock()
>>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock,
...                             counter_period_s=0.001), cpu=None, memory=None, clock=clock,
...               interval=None)
>>> rng = random.Random(1)
>>> c = compare(lambda: clock.advance(rng.gauss(1.0, 0.05)),
...             lambda: clock.advance(rng.gauss(2.0, 0.10)), monitor=mon)
>>> print(c.summary())
candidate/baseline = 1.92 [1.88, 1.98] (95 %, 5 trials, Mann-Whitney p=0.0079): conclusive
>>> c.stop_reason, c.provenance, c.baseline_energy[0].units
('rel_width', 'measured', <Unit('joule')>)
"""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from carbon import InvalidValueError, quantity
from measure._errors import MeasureError
from measure._measurement import Measurement
from measure._monitor import Monitor
from measure._run import run_command
from measure._stats import (
    GroupComparison,
    TestKind,
    between_runs_arg,
    cv,
    groups,
    ratio_interval,
    two_sample_test,
    widen_ratio_interval,
)

__all__ = ["ESTIMATED_BETWEEN_RUNS_SD", "Comparison", "Runnable", "compare", "compare_many"]

#: The between-run SD of ln(ratio) [dimensionless] of a comparison whose energies are the
#: labelled CPU-time estimate on a shared machine: the part of the spread between fresh runs
#: that the trials of one run cannot see. Measured on MiniLM fp32 against its int8 child with
#: the demo's protocol, 13 fresh runs on a 2-vCPU host: six of
#: ``benchmarks/bench_reproducibility.py`` at load averages 6.6 to 12.9, three at 2.4 to 3.0,
#: four inside ``make demo`` (two of them side by side): ratios 0.40 to 0.98, SD of ln(ratio)
#: 0.226 against a within-run SE of 0.081 RMS, an excess of 0.21 (specs/measure.md).
#: ``between_runs_sd="auto"`` adds it where the provenance is ``estimated``; it is
#: conservative for two sides that run the same kernels.
ESTIMATED_BETWEEN_RUNS_SD = 0.21

#: a zero-argument callable, or a command (argv list) run as a measured subprocess
Runnable = Callable[[], object] | Sequence[str]
StopReason = Literal["rel_width", "max_trials", "max_seconds"]
EnergyFigure = Literal["total", "dynamic"]

_WORST = ("measured", "sampled", "estimated", "reported")


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare` (frozen).

    ``ratio`` [dimensionless]: ``mean(candidate_energy) / mean(baseline_energy)`` (ratio of
    means); ``ci``: its paired bootstrap interval at ``level``; ``conclusive``: the interval
    excludes 1 and ``p_value < 1 - level``. Per-trial figures are tuples of quantities
    (energies [J], durations [s]), trial ``i`` of both sides forming pair ``i`` (run in
    ``order[i]``, ``"AB"`` baseline first). ``baseline_cv``/``candidate_cv`` [dimensionless]
    (None for a side whose mean is 0). ``provenance``: the least direct label of any figure
    used (``measured`` < ``sampled`` < ``estimated``); ``methods``: each device's method.
    ``stop_reason``: ``rel_width`` (the interval is as tight as asked), ``max_trials`` or
    ``max_seconds``; ``rel_half_width`` [dimensionless]: the interval reached; ``elapsed``
    [s]: the whole comparison on the monitor's clock, warm-up included; ``interval``: how
    the interval was made (paired bootstrap, BCa unless it was undefined); ``notes``: the
    monitor's notes on what its figures count. ``between_runs_sd`` [dimensionless]: the
    between-run component added to ``ci`` (:func:`measure.widen_ratio_interval`; None: none
    added, ``ci`` is the trials' own interval), ``ci_within`` the trials' own interval.
    """

    ratio: float
    ci: tuple[float, float]
    level: float
    conclusive: bool
    test: str
    p_value: float
    n_trials: int
    baseline_energy: tuple[Any, ...]
    candidate_energy: tuple[Any, ...]
    baseline_duration: tuple[Any, ...]
    candidate_duration: tuple[Any, ...]
    baseline_cv: float | None
    candidate_cv: float | None
    provenance: str
    stop_reason: StopReason
    rel_half_width: float
    interval: str
    order: tuple[str, ...]
    elapsed: Any
    labels: tuple[str, str] = ("baseline", "candidate")
    statistic: str = "ratio of means"
    methods: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    between_runs_sd: float | None = None
    ci_within: tuple[float, float] | None = None

    def summary(self) -> str:
        """``candidate/baseline = r [low, high] (level, n trials, test p): verdict``."""
        lo, hi = self.ci
        p = f"p={self.p_value:.4f}" if self.p_value >= 1e-4 else "p<0.0001"
        verdict = "conclusive" if self.conclusive else "not conclusive"
        base, cand = self.labels
        runs = ("" if not self.between_runs_sd else
                f", between-run SD {self.between_runs_sd:.2f} included")
        return (f"{cand}/{base} = {self.ratio:.2f} [{lo:.2f}, {hi:.2f}] "
                f"({self.level * 100:g} %, {self.n_trials} trials, {self.test} {p}{runs}): "
                f"{verdict}")


# --- validation ----------------------------------------------------------------------------------
def _int(name: str, value: Any, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InvalidValueError(name, value, f"an integer >= {least}")
    return value


def _check_common(level: float, order: str, energy: str, warmup: int,
                  max_seconds: float | None) -> None:
    if not (isinstance(level, float | int) and 0.0 < level < 1.0):
        raise InvalidValueError("level", level, "a confidence level in (0, 1), e.g. 0.95")
    if order not in ("alternate", "random"):
        raise InvalidValueError("order", order, "'alternate' (AB, BA, AB, ...) or 'random' "
                                "(seeded)")
    if energy not in ("total", "dynamic"):
        raise InvalidValueError("energy", energy, "'total' (every device) or 'dynamic' "
                                "(above idle)")
    _int("warmup", warmup, 0)
    if max_seconds is not None and not max_seconds > 0:
        raise InvalidValueError("max_seconds", max_seconds, "a time budget > 0 [s], or None")


def _runner(name: str, value: Any, mon: Monitor, journal: Path
            ) -> Callable[[str], Measurement]:
    """A function running ``value`` once in a fresh monitor window named by its argument."""
    if callable(value):
        def call(label: str) -> Measurement:
            with mon.window(label) as w:
                value()
            assert w.measurement is not None
            return w.measurement
        return call
    if (isinstance(value, Sequence) and not isinstance(value, str | bytes) and value
            and all(isinstance(a, str | os.PathLike) for a in value)):
        argv = [os.fspath(a) for a in value]

        def command(label: str) -> Measurement:
            m = run_command(argv, journal_path=journal, checkpoint_interval=3600.0,
                            monitor=mon, name=label)
            code = m.meta.get("exit_code")
            if code != 0:
                raise MeasureError(name, argv, "a command that exits with code 0",
                                   f"{name}={argv!r} exited with code {code} during "
                                   f"{label}: a failed run cannot be compared")
            return m
        return command
    raise InvalidValueError(name, value, "a zero-argument callable, or a command as a "
                            "non-empty argv list (e.g. shlex.split('python run.py'))")


def _figure(m: Measurement, energy: EnergyFigure, where: str) -> tuple[float, float, str]:
    """(energy [J], duration [s], least direct provenance) of one trial window."""
    e = m.total_energy if energy == "total" else m.dynamic_energy
    if e is None:
        why = "; ".join(f"{d.key}: {d.reason or 'dynamic part unknown (no idle baseline)'}"
                        for d in m.devices if d.energy is None or
                        (energy == "dynamic" and d.dynamic is None))
        raise MeasureError("trial", where, "a trial whose energy is known on every device",
                           f"the energy of {where} is unknown ({why}): make each trial "
                           "longer (with the CPU-time estimate, >= 20 ms of CPU), or measure "
                           "idle power first for energy='dynamic'")
    worst = max((d.provenance or "reported" for d in m.devices), key=_WORST.index)
    return float(e.m_as("J")), float(m.duration.m_as("s")), worst


class _Session:
    """The monitor (given or owned), a journal folder for commands, the clock budget."""

    def __init__(self, monitor: Monitor | None, energy: EnergyFigure,
                 max_seconds: float | None) -> None:
        self.own = monitor is None
        self.mon = monitor if monitor is not None else Monitor(
            gpus="auto", cpu="auto", memory=None, idle_seconds=1.0 if energy == "dynamic"
            else 0.0)
        self._tmp = tempfile.TemporaryDirectory(prefix="modelcarbon-compare-")
        self.journal = Path(self._tmp.name) / "journal.jsonl"
        self.energy = energy
        self.max_seconds = max_seconds
        self.t0 = self.mon.clock.monotonic_ns()
        self.provenance = "measured"
        self.notes: list[str] = []

    def elapsed_s(self) -> float:
        return (self.mon.clock.monotonic_ns() - self.t0) / 1e9

    def out_of_time(self) -> bool:
        return self.max_seconds is not None and self.elapsed_s() >= self.max_seconds

    def run(self, runner: Callable[[str], Measurement], where: str) -> tuple[float, float]:
        m = runner(where)
        e, d, prov = _figure(m, self.energy, where)
        self.provenance = max(self.provenance, prov, key=_WORST.index)
        self.notes += [n for n in m.notes if n not in self.notes]
        return e, d

    def methods(self) -> tuple[str, ...]:
        return tuple(f"{d['key']}: {d['method']} ({d['provenance']}, {d['attribution']})"
                     for d in self.mon.devices)

    def close(self) -> None:
        self._tmp.cleanup()
        if self.own:
            self.mon.close()


def compare(baseline: Runnable, candidate: Runnable, *, monitor: Monitor | None = None,
            rel_width: float | None = 0.05, min_trials: int = 5, max_trials: int = 50,
            max_seconds: float | None = 120.0, warmup: int = 1, level: float = 0.95,
            test: TestKind = "mannwhitney", order: Literal["alternate", "random"] = "alternate",
            seed: int = 0, energy: EnergyFigure = "total", n_resamples: int = 9999,
            labels: tuple[str, str] = ("baseline", "candidate"),
            between_runs_sd: float | Literal["auto"] | None = None) -> Comparison:
    """Compare the energy of ``candidate`` with ``baseline`` by the protocol of this module.

    ``baseline``, ``candidate``: zero-argument callables (run in this process, each call one
    window) or commands (argv lists, run as subprocesses by :func:`measure.run_command`, the
    window charged to the command's process tree; a non-zero exit is an error).
    ``rel_width`` [dimensionless]: the target relative half-width of the interval (None:
    run to ``max_trials``); ``min_trials`` (>= 3), ``max_trials``: pairs of trials;
    ``max_seconds`` [s]: time budget on the monitor's clock (None: none), checked after
    ``min_trials``; ``warmup``: discarded runs of each side; ``level`` [dimensionless]: of
    the interval and of the test (``p < 1 - level``); ``test``: ``"mannwhitney"`` or
    ``"permutation"`` (paired); ``seed``: for ``order="random"`` and the resampling.
    ``between_runs_sd`` [dimensionless]: the SD of ln(ratio) between fresh runs that no trial
    of one run sees, added to the interval (:func:`measure.widen_ratio_interval`) before the
    verdict; ``"auto"``: :data:`ESTIMATED_BETWEEN_RUNS_SD` where the energies are the CPU-time
    estimate, none (noted) for measured and sampled figures, whose between-run spread this
    project has not measured; None: the trials' interval alone. The stopping rule looks at
    the trials' own width (more trials cannot shrink the between-run part).

    Returns a :class:`Comparison`. Energies [J] are the monitor's figures; an unknown trial
    energy (a window below the probe's resolution) raises :class:`measure.MeasureError`.
    """
    _check_common(level, order, energy, warmup, max_seconds)
    _int("min_trials", min_trials, 3)
    _int("max_trials", max_trials, min_trials)
    _int("n_resamples", n_resamples, 99)
    if rel_width is not None and not rel_width > 0:
        raise InvalidValueError("rel_width", rel_width, "a relative half-width > 0 (0.05: "
                                "+-5 %), or None")
    if test not in ("mannwhitney", "permutation"):
        raise InvalidValueError("test", test, "'mannwhitney' or 'permutation'")
    between_runs_arg(between_runs_sd)
    if not (isinstance(labels, tuple) and len(labels) == 2 and all(labels)):
        raise InvalidValueError("labels", labels, "two names (baseline, candidate)")
    rng = random.Random(seed)
    s = _Session(monitor, energy, max_seconds)
    try:
        sides = (_runner("baseline", baseline, s.mon, s.journal),
                 _runner("candidate", candidate, s.mon, s.journal))
        for i in range(warmup):
            for k in (0, 1):
                s.run(sides[k], f"compare:{labels[k]} warm-up {i}")
        energies: tuple[list[float], list[float]] = ([], [])
        durations: tuple[list[float], list[float]] = ([], [])
        orders: list[str] = []
        stop: StopReason = "max_trials"
        while True:
            i = len(orders)
            first = (i % 2) if order == "alternate" else rng.randrange(2)
            orders.append("AB" if first == 0 else "BA")
            for k in (first, 1 - first):
                e, d = s.run(sides[k], f"compare:{labels[k]} trial {i}")
                energies[k].append(e)
                durations[k].append(d)
            n = i + 1
            if n < min_trials:
                continue
            ci = ratio_interval(energies[0], energies[1], level=level, paired=True,
                                n_resamples=n_resamples, seed=seed)
            if rel_width is not None and ci.rel_half_width <= rel_width and ci.high > ci.low:
                stop = "rel_width"
                break
            if n >= max_trials:
                break
            if s.out_of_time():
                stop = "max_seconds"
                break
        t = two_sample_test(energies[0], energies[1], test=test, n_resamples=n_resamples,
                            seed=seed)
        sd, notes = _between_runs(between_runs_sd, s.provenance, s.notes)
        low, high = ((ci.low, ci.high) if not sd or ci.low <= 0.0 else
                     widen_ratio_interval(ci.ratio, ci.low, ci.high, between_runs_sd=sd,
                                          level=level))
        excludes_one = low > 1.0 or high < 1.0
        return Comparison(
            ratio=ci.ratio, ci=(low, high), level=float(level),
            conclusive=bool(excludes_one and t.p_value < 1.0 - level), test=t.name,
            p_value=t.p_value, n_trials=len(orders),
            baseline_energy=tuple(quantity(e, "J") for e in energies[0]),
            candidate_energy=tuple(quantity(e, "J") for e in energies[1]),
            baseline_duration=tuple(quantity(d, "s") for d in durations[0]),
            candidate_duration=tuple(quantity(d, "s") for d in durations[1]),
            baseline_cv=_cv(energies[0]), candidate_cv=_cv(energies[1]),
            provenance=s.provenance, stop_reason=stop, rel_half_width=ci.rel_half_width,
            interval=ci.method, order=tuple(orders), elapsed=quantity(s.elapsed_s(), "s"),
            labels=labels, methods=s.methods(), notes=notes, between_runs_sd=sd,
            ci_within=(ci.low, ci.high))
    finally:
        s.close()


def _between_runs(given: float | str | None, provenance: str, notes: Sequence[str]
                  ) -> tuple[float | None, tuple[str, ...]]:
    """The between-run SD that ``compare`` adds, and the notes saying so."""
    if given is None:
        return None, tuple(notes)
    if given != "auto":
        return float(given), (*notes, f"interval includes a stated between-run SD of "
                                      f"ln(ratio) of {float(given):.3g}")
    if provenance == "estimated":
        return ESTIMATED_BETWEEN_RUNS_SD, (
            *notes, f"interval includes the between-run SD of ln(ratio) measured for the "
                    f"CPU-time estimate on a shared machine ({ESTIMATED_BETWEEN_RUNS_SD:.3g})")
    return None, (*notes, f"between-run spread not included: not measured for {provenance} "
                          "figures; the interval is that of this run's trials")


def _cv(values: Sequence[float]) -> float | None:
    return cv(values) if sum(values) > 0 else None


def compare_many(runs: Mapping[str, Runnable], *, trials: int = 10,
                 monitor: Monitor | None = None, warmup: int = 1, level: float = 0.95,
                 order: Literal["alternate", "random"] = "alternate", seed: int = 0,
                 max_seconds: float | None = None,
                 energy: EnergyFigure = "total") -> GroupComparison:
    """Measure ``k >= 2`` groups in interleaved rounds, then :func:`measure.groups`.

    Each round runs every group once: in a rotated order (``"alternate"``: round ``i``
    starts at group ``i mod k``, so each group takes each position equally often over ``k``
    rounds) or a seeded random permutation (``"random"``). ``trials`` rounds (>= 3, so that
    Shapiro-Wilk is defined), fewer if ``max_seconds`` [s] on the monitor's clock runs out
    (after 3). Returns the Kruskal-Wallis comparison of the per-trial energies [J] with
    Shapiro-Wilk, CV and eta squared per group, the durations [s] and the provenance.

    >>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace
    >>> clock = ManualClock()
    >>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(10.0)], clock=clock,
    ...                             counter_period_s=0.001), cpu=None, memory=None,
    ...               clock=clock, interval=None)
    >>> steps = iter([1.0, 1.1, 0.9] * 20)
    >>> g = compare_many({f"x{k}": (lambda k=k: clock.advance(k * next(steps)))
    ...                   for k in (1, 2, 3)}, trials=6, monitor=mon)
    >>> print(g.summary().splitlines()[-1])
    Kruskal-Wallis H=15.300 p=0.0005, eta²=0.887 (3 groups, 18 values, 95 %): conclusive
    """
    _check_common(level, order, energy, warmup, max_seconds)
    _int("trials", trials, 3)
    if not isinstance(runs, Mapping) or len(runs) < 2:
        raise InvalidValueError("runs", runs, "a mapping of at least 2 names to callables or "
                                "commands")
    names = [str(n) for n in runs]
    rng = random.Random(seed)
    s = _Session(monitor, energy, max_seconds)
    try:
        runners = [_runner(f"runs[{n!r}]", v, s.mon, s.journal) for n, v in zip(
            names, runs.values(), strict=True)]
        for i in range(warmup):
            for name, r in zip(names, runners, strict=True):
                s.run(r, f"compare:{name} warm-up {i}")
        energies: dict[str, list[float]] = {n: [] for n in names}
        durations: dict[str, list[float]] = {n: [] for n in names}
        k = len(names)
        for i in range(trials):
            if i >= 3 and s.out_of_time():
                s.notes.append(f"max_seconds={max_seconds} reached after {i} rounds")
                break
            idx = ([(i + j) % k for j in range(k)] if order == "alternate"
                   else rng.sample(range(k), k))
            for j in idx:
                e, d = s.run(runners[j], f"compare:{names[j]} trial {i}")
                energies[names[j]].append(e)
                durations[names[j]].append(d)
        result = groups({n: [quantity(e, "J") for e in v] for n, v in energies.items()},
                        level=level)
        return replace(result, provenance=s.provenance, notes=tuple(s.notes),
                       durations={n: tuple(quantity(d, "s") for d in v)
                                  for n, v in durations.items()})
    finally:
        s.close()
