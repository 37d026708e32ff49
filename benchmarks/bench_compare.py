"""Benchmark of ``measure.compare``: what one real comparison costs, against single shots.

Prints, for a NumPy matmul of two sizes on this machine (single-threaded BLAS; the larger
does about twice the flops), measured by the default probes (the CPU-time estimate with
process attribution where there is no GPU or RAPL):

1. ``compare()`` to a 5 % interval: the trials it needed, the time it took (wall and CPU),
   its summary and why it stopped;
2. ten single measurements of the smaller matmul (one window each): min, max and CV of the
   energy, the run-to-run spread a one-shot figure carries;
3. ten single-shot ratios (one window of each size): their min and max, the answers one
   measurement of each side would have given.

Run: ``.venv/bin/python benchmarks/bench_compare.py`` (about 10-30 s; ``--quick``: a 10 %
interval).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

# one BLAS thread, set before NumPy loads it: no spinning helper threads in the figures
os.environ["OPENBLAS_NUM_THREADS"] = os.environ.get("OPENBLAS_NUM_THREADS", "1")
os.environ["OMP_NUM_THREADS"] = os.environ.get("OMP_NUM_THREADS", "1")
os.environ["MKL_NUM_THREADS"] = os.environ.get("MKL_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from measure import Monitor, compare

SMALL, LARGE = 160, 202  # 202^3 / 160^3 = 2.01 times the flops
TRIAL_CPU_S = 0.04  # CPU time of one trial of the smaller size


def _matmul(size: int, reps: int) -> Callable[[], None]:
    rng = np.random.default_rng(size)
    a, b = rng.random((size, size)), rng.random((size, size))

    def run() -> None:
        for _ in range(reps):
            a @ b
    return run


def _reps() -> int:
    once = _matmul(SMALL, 20)
    once()
    t = time.process_time()
    once()
    return max(1, round(TRIAL_CPU_S / ((time.process_time() - t) / 20)))


def _energy_j(mon: Monitor, fn: Callable[[], None], name: str) -> float:
    with mon.window(name) as w:
        fn()
    assert w.measurement is not None
    e = w.measurement.total_energy
    if e is None:
        raise SystemExit(f"a single window's energy is unknown: {w.measurement.devices}")
    return float(e.m_as("J"))


def main(quick: bool = False) -> None:
    reps = _reps()
    small, large = _matmul(SMALL, reps), _matmul(LARGE, reps)
    mon = Monitor(gpus="auto", cpu="auto", memory=None)
    try:
        print(f"work: {reps} matmuls of {SMALL}x{SMALL} (~{TRIAL_CPU_S * 1e3:.0f} ms CPU) vs "
              f"{LARGE}x{LARGE} ({(LARGE / SMALL) ** 3:.2f}x the flops); probes: "
              + "; ".join(f"{d['key']} {d['method']} ({d['provenance']}, "
                          f"{d['attribution']})" for d in mon.devices))
        target = 0.10 if quick else 0.05
        t0, c0 = time.perf_counter(), time.process_time()
        c = compare(small, large, monitor=mon, rel_width=target, max_trials=300,
                    max_seconds=45.0, labels=(f"{SMALL}", f"{LARGE}"))
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"\n1. compare() to a {target * 100:g} % interval: {c.n_trials} trials (pairs), "
              f"{wall:.1f} s wall, {cpu:.1f} s CPU; stopped: {c.stop_reason} "
              f"(half-width {c.rel_half_width * 100:.1f} %)")
        print(f"   {c.summary()}")
        print(f"   per-trial CV: {SMALL} {c.baseline_cv:.3f}, {LARGE} {c.candidate_cv:.3f}; "
              f"energy {c.provenance}; interval: {c.interval}")
        singles = [_energy_j(mon, small, f"single {i}") for i in range(10)]
        print(f"\n2. 10 single measurements of {SMALL}: min {min(singles):.4g} J, max "
              f"{max(singles):.4g} J (max/min {max(singles) / min(singles):.2f}), CV "
              f"{statistics.stdev(singles) / statistics.mean(singles):.3f}")
        ratios = [_energy_j(mon, large, f"one-shot {i} L") / _energy_j(mon, small,
                                                                        f"one-shot {i} S")
                  for i in range(10)]
        print(f"3. 10 single-shot ratios {LARGE}/{SMALL}: min {min(ratios):.2f}, max "
              f"{max(ratios):.2f} (compare: {c.ratio:.2f} [{c.ci[0]:.2f}, {c.ci[1]:.2f}])")
    finally:
        mon.close()


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
