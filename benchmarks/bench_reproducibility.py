"""Benchmark: how far one comparison's interval says it can be trusted, against a rerun.

A comparison's interval (``measure.compare``) comes from the trials of *one* run: interleaved
pairs that share the run's conditions. What changes between runs on a shared machine (a
neighbour's load, cache and memory-bandwidth contention, the host's frequency) changes the
CPU time per unit of work, and not alike for two different models, so two runs of the same
comparison can disagree by more than either interval allows.

This script runs the same real comparison (the demo's MiniLM fp32 teacher against its dynamic
int8 child, ``compress.run_minilm`` with the demo's protocol) in ``R`` fresh processes, one
after another, and prints per run the ratio, its interval and the load average, then:

- the spread of log ratio between runs (sample SD), against the within-run standard error
  the intervals imply (``(ln hi - ln lo) / (2 z)``, RMS over runs);
- the excess between-run SD ``sqrt(max(0, sd_between^2 - se_within^2))``: the part no
  single run can see, beside what :data:`measure.ESTIMATED_BETWEEN_RUNS_SD` states for the
  CPU-time estimate (``between_runs_sd="auto"``), and how many runs' trial intervals, and
  how many widened ones, hold the median ratio of all runs.

Run: ``.venv/bin/python benchmarks/bench_reproducibility.py [R]`` (R = 5 by default; about 40 s
per run on a 2-core machine; needs the ``torch`` and ``minilm`` extras).
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
import compress
from measure import Monitor
from assess.demo._pipeline import DEMO_LEVEL, MINILM_MAX_SECONDS, local_system
mon = Monitor.auto()
proto = compress.TrialProtocol(level=DEMO_LEVEL, max_seconds=MINILM_MAX_SECONDS, seed=0,
                               between_runs_sd=None)
suite = compress.run_minilm(compress.JobSetting(mon, local_system()), seed=0, epochs=1,
                            techniques=("quantise_int8",), protocol=proto)
mon.close()
r = suite.results[0].result
print(json.dumps({"ratio": r.energy_ratio_ci and (r.energy_per_request_after.m_as("J")
                                                  / r.energy_per_request_before.m_as("J")),
                  "ci": r.energy_ratio_ci, "level": DEMO_LEVEL,
                  "load": os.getloadavg()[0]}))
"""


def main(runs: int = 5) -> None:
    from scipy import stats

    sys.path.insert(0, str(ROOT))
    from measure import ESTIMATED_BETWEEN_RUNS_SD, widen_ratio_interval

    rows = []
    for i in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT)], capture_output=True,
                             text=True, check=True).stdout.strip().splitlines()[-1]
        row = json.loads(out)
        row["wall"] = time.perf_counter() - t0
        rows.append(row)
        lo, hi = row["ci"]
        print(f"run {i + 1}: ratio {row['ratio']:.3f} [{lo:.3f}, {hi:.3f}] at "
              f"{row['level']:.0%}, load {row['load']:.2f}, {row['wall']:.0f} s", flush=True)
    logs = [math.log(r["ratio"]) for r in rows]
    z = [float(stats.norm.ppf(0.5 + r["level"] / 2)) for r in rows]
    se = [(math.log(r["ci"][1]) - math.log(r["ci"][0])) / (2 * zi) for r, zi in zip(rows, z,
                                                                                   strict=True)]
    sd_between = statistics.stdev(logs)
    se_within = math.sqrt(statistics.fmean(s * s for s in se))
    excess = math.sqrt(max(0.0, sd_between ** 2 - se_within ** 2))
    print(f"between-run SD of ln(ratio): {sd_between:.4f}; within-run SE (RMS): "
          f"{se_within:.4f}; ratio {sd_between / se_within:.2f}x")
    print(f"excess between-run SD: {excess:.4f} (what one run cannot see); stated for the "
          f"CPU-time estimate: {ESTIMATED_BETWEEN_RUNS_SD:.4f}")
    mid = statistics.median(r["ratio"] for r in rows)
    held = sum(r["ci"][0] <= mid <= r["ci"][1] for r in rows)
    wide = [widen_ratio_interval(r["ratio"], *r["ci"], between_runs_sd=ESTIMATED_BETWEEN_RUNS_SD,
                                 level=r["level"]) for r in rows]
    held_wide = sum(lo <= mid <= hi for lo, hi in wide)
    print(f"median ratio {mid:.3f}: inside {held}/{len(rows)} trial intervals, "
          f"{held_wide}/{len(rows)} widened ones")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
