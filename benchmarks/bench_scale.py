"""Request-log ASC^e with hourly intensities: pandas in memory vs Dask from Parquet on disk.

Prints requests per second, peak memory, and the ratio of Dask to pandas throughput per core
. The pandas run holds ``--pandas-rows`` requests in memory; the Dask run reads
``--dask-rows`` requests from Parquet partitioned by day, written to a temporary directory
(deleted afterwards; never in the repository), on a LocalCluster of ``--workers`` processes
with one thread each, so it uses ``--workers`` cores. Both run the same functions
(``carbon.request_carbon`` then ``carbon.partial_sums``) and must give the same total per
request (checked on the overlap: the Dask data's first ``--pandas-rows`` rows are the pandas
rows).

    .venv/bin/python benchmarks/bench_scale.py                      # 10M pandas, 100M Dask
    .venv/bin/python benchmarks/bench_scale.py --pandas-rows 1e6 --dask-rows 4e6   # quick

Workers import the code (``assess``) before the clock starts, as a long-lived cluster would
have; the time it took is printed apart. Peak memory: the pandas figure is the peak resident
set of a fresh process that generates the frame and computes (the input frame included); the
Dask figure is the largest peak resident set of any worker process, and of all workers
together, plus the driver's.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

T0 = pd.Timestamp("2026-03-01T00:00Z")
REGIONS = ("DEU", "FRA", "POL", "ESP", "SWE", "USA", "IND", "JPN")
DEVICES = ("h100", "a100", "l4", "cpu")
MODELS = ("bert", "distilbert", "llm-7b", "llm-70b", "whisper", "vit")


def tables() -> Any:
    from carbon import RequestTables, model_table, read_devices, read_hourly

    rng = np.random.default_rng(0)
    hours = pd.date_range(T0 - pd.Timedelta(hours=1), periods=24 * 40, freq="h")
    grid = read_hourly(pd.concat([pd.DataFrame({
        "region": r, "hour_start": hours,
        "intensity [gCO2e/kWh]": rng.uniform(20, 900, len(hours)),
        "source": "synthetic benchmark series", "kind": "average", "basis": "lifecycle"})
        for r in REGIONS], ignore_index=True))
    devices = read_devices(pd.DataFrame({
        "device": list(DEVICES), "pue": [1.2, 1.3, 1.15, 1.1],
        "embodied [kgCO2e]": [2500, 1800, 600, 900], "lifetime [year]": [4, 5, 5, 6],
        "power [W]": [700, 400, 72, 150]}))
    epc = {m: f"{rng.uniform(10, 50_000):.1f} kgCO2e" for m in MODELS}
    models = model_table(epc, lifetime={m: "2 year" for m in MODELS},
                         parallel_jobs={m: 16.0 for m in MODELS})
    return RequestTables(devices, models, grid)


def logs(n: int, seed: int, day: int) -> pd.DataFrame:
    """``n`` random requests on one UTC day (``day`` days after T0)."""
    rng = np.random.default_rng(seed)
    start = (T0 + pd.Timedelta(days=day)).value + rng.integers(0, 86_400_000_000_000, n)
    return pd.DataFrame({
        "model": pd.Categorical.from_codes(rng.integers(0, len(MODELS), n),
                                           categories=list(MODELS)),
        "start": pd.DatetimeIndex(start, tz="UTC"),
        "duration [ms]": rng.gamma(2.0, 40.0, n),
        "device": pd.Categorical.from_codes(rng.integers(0, len(DEVICES), n),
                                            categories=list(DEVICES)),
        "region": pd.Categorical.from_codes(rng.integers(0, len(REGIONS), n),
                                            categories=list(REGIONS)),
        "energy [J]": rng.gamma(2.0, 10.0, n),
    })


def chunks(total: int, days: int, per_file: int) -> list[tuple[int, int, int]]:
    """(day, seed, rows) of each file: rows spread evenly over the days."""
    out = []
    per_day = [total // days + (1 if d < total % days else 0) for d in range(days)]
    seed = 0
    for d, n in enumerate(per_day):
        while n > 0:
            k = min(per_file, n)
            out.append((d, seed, k))
            seed += 1
            n -= k
    return out


def cpu_seconds() -> float:
    """CPU time of this process, all threads (user + system) [s]."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # kB -> GiB


def pandas_run(n: int, days: int, per_file: int, keys: str, q: Any) -> None:
    from carbon import partial_sums, request_carbon, summarise

    t = tables()
    frame = pd.concat([logs(k, s, d) for d, s, k in chunks(n, days, per_file)],
                      ignore_index=True)
    for c in ("model", "device", "region"):
        # "category": what pd.read_parquet(..., read_dictionary=[...]) gives and the Dask
        # reader uses (the fair, faster baseline); "str": pd.read_parquet's default
        frame[c] = frame[c].astype(keys)
    gen_rss = peak_rss_gib()
    c0, t0 = cpu_seconds(), time.perf_counter()
    report = summarise(partial_sums(request_carbon(frame, t)))
    dt, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    q.put({"rows": n, "seconds": dt, "cpu": cpu, "peak_gib": peak_rss_gib(), "input_gib": gen_rss,
           "total_g": float(report.by_key["asc_e [gCO2e]"].sum()),
           "by_model": report.by_model["asc_e [gCO2e]"].to_dict()})


def write_parquet(root: Path, n: int, days: int, per_file: int, row_group: int) -> float:
    t0 = time.perf_counter()
    for d, s, k in chunks(n, days, per_file):
        part = root / f"day={(T0 + pd.Timedelta(days=d)).strftime('%Y-%m-%d')}"
        part.mkdir(exist_ok=True)
        frame = logs(k, s, d)
        for c in ("model", "device", "region"):
            frame[c] = frame[c].astype(str)
        frame.to_parquet(part / f"part-{s:05d}.parquet", index=False,
                         row_group_size=row_group)
    return time.perf_counter() - t0


def warm_up() -> None:
    """Import the per-partition code in a worker (about 1.4 CPU-s: assess, carbon, pint)."""
    import assess.fleet  # noqa: F401


def dask_run(root: Path, workers: int, memory_limit: str, partition_rows: int,
             processes: bool) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    from assess.fleet import account_requests, worker_config

    t = tables()
    with worker_config(), LocalCluster(n_workers=workers, threads_per_worker=1,
                                        processes=processes, memory_limit=memory_limit,
                                        dashboard_address=None) as cluster, \
            Client(cluster) as client:
        # worker threads share one process: count its CPU time and memory once
        agg: Any = sum if processes else max
        # a long-lived cluster imports the code once: do it before the clock (printed apart)
        w0 = time.perf_counter()
        client.run(warm_up)
        warm = time.perf_counter() - w0
        c0 = agg(client.run(cpu_seconds).values())  # workers up before the clock starts
        t0 = time.perf_counter()
        report = account_requests(str(root), t, client=client, partition_rows=partition_rows)
        dt = time.perf_counter() - t0
        cpu = agg(client.run(cpu_seconds).values()) - c0
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
    return {"rows": report.requests, "seconds": dt, "cpu": cpu, "warm_up": warm,
            "worker_peak_gib": max(peaks.values()),
            "workers_peak_gib": agg(peaks.values()), "driver_peak_gib": peak_rss_gib(),
            "total_g": float(report.by_key["asc_e [gCO2e]"].sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pandas-rows", type=float, default=10e6)
    ap.add_argument("--dask-rows", type=float, default=100e6)
    ap.add_argument("--days", type=int, default=7, help="days the logs span (partitions)")
    ap.add_argument("--rows-per-file", type=float, default=2e6)
    ap.add_argument("--row-group", type=float, default=1e6, help="Parquet row group [rows]")
    ap.add_argument("--partition-rows", type=float, default=1e6,
                    help="most rows per Dask partition (whole row groups)")
    ap.add_argument("--pandas-keys", choices=("category", "str"), default="category",
                    help="dtype of the pandas frame's key columns")
    ap.add_argument("--threads", action="store_true",
                    help="Dask workers as threads of one process (default: processes)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="4GiB", help="per Dask worker")
    ap.add_argument("--tmp", default=None, help="directory for the Parquet data")
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--skip-dask", action="store_true")
    a = ap.parse_args()
    n_pd, n_dd, per_file = int(a.pandas_rows), int(a.dask_rows), int(a.rows_per_file)
    print(f"machine: {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM; "
          f"{len(MODELS)} models, {len(DEVICES)} devices, {len(REGIONS)} regions, "
          f"{a.days} days", flush=True)

    pd_res = None
    if not a.skip_pandas:
        q: Any = mp.get_context("spawn").Queue()
        p = mp.get_context("spawn").Process(target=pandas_run,
                                           args=(n_pd, a.days, per_file, a.pandas_keys, q))
        p.start()
        pd_res = q.get()
        p.join()
        rate = pd_res["rows"] / pd_res["seconds"]
        print(f"pandas : {pd_res['rows']:>12,} rows in memory  {pd_res['seconds']:8.2f} s  "
              f"{rate:>12,.0f} req/s on 1 core ({pd_res['rows'] / pd_res['cpu']:,.0f} per "
              f"CPU-second)  peak RSS {pd_res['peak_gib']:.2f} GiB "
              f"(input frame alone {pd_res['input_gib']:.2f} GiB)", flush=True)

    dd_res = None
    if not a.skip_dask:
        tmp = Path(tempfile.mkdtemp(prefix="modelcarbon-bench-", dir=a.tmp))
        try:
            gen = write_parquet(tmp, n_dd, a.days, per_file, int(a.row_group))
            size = sum(f.stat().st_size for f in tmp.rglob("*.parquet")) / 2**30
            print(f"parquet: {n_dd:,} rows, {size:.2f} GiB on disk in {tmp} "
                  f"(written in {gen:.0f} s)", flush=True)
            dd_res = dask_run(tmp, a.workers, a.memory_limit, int(a.partition_rows),
                              not a.threads)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        rate = dd_res["rows"] / dd_res["seconds"]
        print(f"dask   : {dd_res['rows']:>12,} rows from disk   {dd_res['seconds']:8.2f} s  "
              f"{rate:>12,.0f} req/s on {a.workers} cores ({dd_res['rows'] / dd_res['cpu']:,.0f} "
              f"per worker CPU-second)  peak RSS per worker "
              f"{dd_res['worker_peak_gib']:.2f} GiB, all workers "
              f"{dd_res['workers_peak_gib']:.2f} GiB, driver {dd_res['driver_peak_gib']:.2f} GiB "
              f"(limit {a.memory_limit} per worker); workers imported the code in "
              f"{dd_res['warm_up']:.1f} s before the clock", flush=True)

    if pd_res and dd_res:
        per_core_pd = pd_res["rows"] / pd_res["seconds"]
        per_core_dd = dd_res["rows"] / dd_res["seconds"] / a.workers
        print(f"ratio  : Dask per core / pandas per core = {per_core_dd / per_core_pd:.2f} by wall "
              f"clock, {(dd_res['rows'] / dd_res['cpu']) / (pd_res['rows'] / pd_res['cpu']):.2f}"
              f" by CPU time (target >= 0.50; the CPU-time ratio is the one that holds on a "
              "machine shared with other work)")
        print(f"check  : mean ASC^e per request pandas {pd_res['total_g'] / pd_res['rows']:.6g} "
              f"g, Dask {dd_res['total_g'] / dd_res['rows']:.6g} g (different rows; same "
              "generator)")


if __name__ == "__main__":
    main()
