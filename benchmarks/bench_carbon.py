"""Benchmark of the carbon metrics: vectorised ASC^e vs hand-written NumPy, and scalar cost.

Prints, in one run: rows/s of ASC^e through ``carbon.asc_e_frame`` on N rows (default 10
million; totals only and with the full breakdown), the same arithmetic written by hand in
NumPy on float64 arrays, their ratio, the rate at which this machine reads the 14 input columns
once (one ``sum`` per column: the memory-bound ceiling of any single pass), ours as a fraction of
it, a naive pint-array version for scale, and the cost of one scalar ``carbon.asc_e(job)``
call. Targets : ratio <= 1.3, >= 30 M rows/s on one core, totals >= 70 % of the read-once
rate, <= 100 us per scalar call. Rates are rows per CPU-second of this process (best of
``--repeats``), so that other work on a shared machine does not count.

    .venv/bin/python benchmarks/bench_carbon.py [--rows 10000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd

import carbon
from carbon import Q_


def frame(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "energy [kWh]": rng.uniform(1e-6, 1e-3, n),
        "pue": rng.uniform(1.05, 1.6, n),
        "intensity [gCO2e/kWh]": rng.uniform(20, 800, n),
        "duration [s]": rng.uniform(0.01, 2.0, n),
        "embodied [gCO2e]": np.full(n, 6.8e6),
        "lifetime [s]": np.full(n, 4 * 365 * 86400.0),
        "fraction": np.full(n, 0.125),
        "platform_rate [gCO2e/s]": np.full(n, 0.02),
        "concurrent_jobs": np.full(n, 64.0),
        "epc [gCO2e]": np.full(n, 5e7),
        "product_lifetime [s]": np.full(n, 2 * 365 * 86400.0),
        "parallel_jobs": np.full(n, 64.0),
        "retraining [gCO2e]": np.full(n, 3e4),
        "retraining_requests": np.full(n, 2e7),
    })


def by_hand(a: dict[str, np.ndarray]) -> np.ndarray:
    t = a["duration [s]"]
    return (a["energy [kWh]"] * a["pue"] * a["intensity [gCO2e/kWh]"]
            + a["embodied [gCO2e]"] * t / a["lifetime [s]"] * a["fraction"]
            + a["platform_rate [gCO2e/s]"] * t / a["concurrent_jobs"]
            + a["epc [gCO2e]"] * t / (a["product_lifetime [s]"] * a["parallel_jobs"])
            + a["retraining [gCO2e]"] / a["retraining_requests"])


def naive_pint(a: dict[str, np.ndarray]) -> np.ndarray:
    t = Q_(a["duration [s]"], "s")
    total = (Q_(a["energy [kWh]"], "kWh") * a["pue"] * Q_(a["intensity [gCO2e/kWh]"], "gCO2e/kWh")
             + Q_(a["embodied [gCO2e]"], "gCO2e") * t / Q_(a["lifetime [s]"], "s") * a["fraction"]
             + Q_(a["platform_rate [gCO2e/s]"], "gCO2e/s") * t / a["concurrent_jobs"]
             + Q_(a["epc [gCO2e]"], "gCO2e") * t
             / (Q_(a["product_lifetime [s]"], "s") * a["parallel_jobs"])
             + Q_(a["retraining [gCO2e]"], "gCO2e") / a["retraining_requests"])
    return np.asarray(total.m_as("gCO2e"))


def best(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times), statistics.median(times)


def read_once(arrays: dict[str, np.ndarray]) -> float:
    """Read every input column once (a sum each: memory-bound, no temporaries)."""
    return float(sum(float(v.sum()) for v in arrays.values()))


def scalar_job() -> carbon.Job:
    fac = carbon.Facility(name="dc", pue=1.2, mix=carbon.country("DEU"))
    hw = carbon.hardware("generic server with 8 x 80GB GPUs")
    box = carbon.System(name=hw.item, embodied=hw.embodied, lifetime=hw.lifetime, facility=fac)
    return carbon.Job(
        name="request", duration=Q_(40, "ms"),
        energy=[carbon.EnergyUse(system=box, energy=Q_(9, "J"), provenance="measured",
                                 fraction=0.125, uncertainty=Q_(0.5, "J"))],
        platform=carbon.PlatformUse(name="serving", rate=Q_(2, "kgCO2e/day"), concurrent_jobs=64),
        products=[carbon.ProductUse(name="model", epc=Q_(50, "tCO2e"), requests=5e8)],
        retraining=carbon.RetrainingUse(carbon=Q_(30, "kgCO2e"), requests=2e7),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    n = args.rows
    df = frame(n)
    arrays = {c: df[c].to_numpy() for c in df.columns}

    ours = carbon.asc_e_frame(df, breakdown=False).to_numpy()
    ref = by_hand(arrays)
    assert np.allclose(ours, ref, rtol=1e-12), "vectorised path disagrees with hand NumPy"

    read_best, read_med = best(lambda: read_once(arrays), args.repeats)
    hand_best, hand_med = best(lambda: by_hand(arrays), args.repeats)
    ours_best, ours_med = best(lambda: carbon.asc_e_frame(df, breakdown=False), args.repeats)
    full_best, _ = best(lambda: carbon.asc_e_frame(df, breakdown=True), max(2, args.repeats // 2))
    m = min(n, 2_000_000)
    sub = {c: v[:m] for c, v in arrays.items()}
    pint_best, _ = best(lambda: naive_pint(sub), 2)

    print(f"rows: {n:,} (one core: OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}; "
          "rates per CPU-second)")
    print(f"read 14 columns once     : {n / read_best / 1e6:8.1f} M rows/s "
          f"(best of {args.repeats}; median {n / read_med / 1e6:.1f})")
    print(f"hand-written NumPy       : {n / hand_best / 1e6:8.1f} M rows/s "
          f"(best of {args.repeats}; median {n / hand_med / 1e6:.1f})")
    print(f"asc_e_frame (totals)     : {n / ours_best / 1e6:8.1f} M rows/s "
          f"(median {n / ours_med / 1e6:.1f})")
    print(f"asc_e_frame (breakdown)  : {n / full_best / 1e6:8.1f} M rows/s")
    print(f"naive pint arrays        : {m / pint_best / 1e6:8.1f} M rows/s (on {m:,} rows)")
    print(f"ratio ours/hand (time)   : {ours_best / hand_best:8.2f}  (target <= 1.3)")
    print(f"totals / read-once rate  : {read_best / ours_best:8.0%}  (target >= 70 %)")

    job = scalar_job()
    carbon.asc_e(job)
    k = 20_000
    t0 = time.perf_counter()
    for _ in range(k):
        carbon.asc_e(job)
    per = (time.perf_counter() - t0) / k
    t0 = time.perf_counter()
    for _ in range(200):
        _ = Q_(9, "J") * Q_(380, "gCO2e/kWh") + Q_(1, "gCO2e")
    naive = (time.perf_counter() - t0) / 200
    print(f"scalar asc_e(job)        : {per * 1e6:8.1f} us/call (target <= 100)")
    print(f"naive two-term pint expr : {naive * 1e6:8.1f} us (for scale)")


if __name__ == "__main__":
    main()
