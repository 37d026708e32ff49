"""Request-log ASC^e from Parquet on disk: DuckDB's SQL beside ours, in the same run.

Writes ``--rows`` random requests (string keys, as a log writer produces them) to Parquet
partitioned by day in a temporary directory (deleted afterwards; never in the repository) and
runs, each in a fresh process, on the same files and the same arithmetic (energy x PUE x the
time-weighted hourly intensity + the embodied share + the EPC share):

- ``duckdb``: the query :data:`DUCKDB_QUERY` (printed), with 1 and 2 threads;
- ``ours``: ``assess.account_requests(path, tables, scheduler="synchronous")``, one process,
  which also keeps every part, provenance, fallback labels and sums per (model, day, region);
- ``dask``: the same on a LocalCluster of 1 and 2 worker processes (one thread each).

Each prints requests per wall second and per CPU-second (user + system, all threads of the
process; for Dask, of the workers) and peak resident memory; then the largest relative
difference of the totals per model against ours (target 1e-9), ours / DuckDB per
CPU-second, and Dask's 2-worker / 1-worker speed-up by wall clock.

    .venv/bin/python benchmarks/bench_scale.py                     # 10M requests
    .venv/bin/python benchmarks/bench_scale.py --rows 2e6 --engines duckdb,ours   # quick

Dask workers import the code (``assess``) before the clock starts, as a long-lived cluster
would have; the time it took is printed apart."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
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


def raw_tables() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """The hourly series, the devices and the EPC per model, as a data engineer has them."""
    rng = np.random.default_rng(0)
    hours = pd.date_range(T0 - pd.Timedelta(hours=1), periods=24 * 40, freq="h")
    grid = pd.concat([pd.DataFrame({
        "region": r, "hour_start": hours,
        "intensity [gCO2e/kWh]": rng.uniform(20, 900, len(hours)),
        "source": "synthetic benchmark series", "kind": "average", "basis": "lifecycle"})
        for r in REGIONS], ignore_index=True)
    devices = pd.DataFrame({
        "device": list(DEVICES), "pue": [1.2, 1.3, 1.15, 1.1],
        "embodied [kgCO2e]": [2500, 1800, 600, 900], "lifetime [year]": [4, 5, 5, 6],
        "power [W]": [700, 400, 72, 150]})
    epc = {m: f"{rng.uniform(10, 50_000):.1f} kgCO2e" for m in MODELS}
    return grid, devices, epc


def tables() -> Any:
    from carbon import RequestTables, model_table, read_devices, read_hourly

    grid, devices, epc = raw_tables()
    models = model_table(epc, lifetime={m: "2 year" for m in MODELS},
                         parallel_jobs={m: 16.0 for m in MODELS})
    return RequestTables(read_devices(devices), models, read_hourly(grid))


#: The query a data engineer would write for the same arithmetic: each request's window
#: unnested into the hours it overlaps, each hour weighted by its overlap (a zero-length
#: window: the hour of its start), joined on the hourly series; the embodied and EPC shares
#: booked once per request (on its first hour's row); summed per model.
DUCKDB_QUERY = """
WITH r AS (
  SELECT model, device, region, epoch_ns(start) AS t0,
         "duration [ms]" / 1000.0 AS dur_s, "energy [J]" / 3600000.0 AS e_kwh
  FROM read_parquet('{path}/**/*.parquet')
), w AS (
  SELECT *, t0 + CAST(round(dur_s * 1e9) AS BIGINT) AS t1, t0 // 3600000000000 AS h0 FROM r
), h AS (
  SELECT *, unnest(range(h0, CASE WHEN t1 > t0 THEN (t1 - 1) // 3600000000000 ELSE h0 END
                         + 1)) AS hour
  FROM w
)
SELECT h.model, count(*) FILTER (WHERE h.hour = h0) AS requests,
  sum(e_kwh * d.pue * g.ci * CASE WHEN t1 > t0 THEN
        (least(t1, (h.hour + 1) * 3600000000000) - greatest(t0, h.hour * 3600000000000))
        / (t1 - t0) ELSE 1.0 END
      + CASE WHEN h.hour = h0 THEN d.embodied_g * dur_s / d.lifetime_s
                                 + m.epc_g * dur_s / (m.lifetime_s * m.parallel) ELSE 0 END)
    AS asc_e_g
FROM h JOIN devices d USING (device) JOIN models m USING (model)
  JOIN grid g ON g.region = h.region AND g.hour = h.hour
GROUP BY h.model ORDER BY h.model
"""


def duckdb_run(root: str, threads: int, repeats: int, q: Any) -> None:
    """The query above with ``threads`` DuckDB threads; its tables from the same inputs. The
    run of least CPU time of ``repeats``."""
    import duckdb

    grid = raw_tables()[0]
    t = tables()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    g = pd.DataFrame({"region": grid["region"],
                      "hour": (grid["hour_start"] - pd.Timestamp(0, tz="UTC"))
                      // pd.Timedelta(hours=1),
                      "ci": grid["intensity [gCO2e/kWh]"]})
    d = pd.DataFrame({"device": t.devices.index, "pue": t.devices["pue"],
                      "embodied_g": t.devices["embodied [gCO2e]"],
                      "lifetime_s": t.devices["lifetime [s]"]})
    m = pd.DataFrame({"model": t.models.index, "epc_g": t.models["epc [gCO2e]"],
                      "lifetime_s": t.models["product_lifetime [s]"],
                      "parallel": t.models["parallel_jobs"]})
    con.register("grid", g)
    con.register("devices", d)
    con.register("models", m)
    runs = []
    for _ in range(repeats):
        c0, t0 = cpu_seconds(), time.perf_counter()
        res = con.execute(DUCKDB_QUERY.format(path=root)).df()
        runs.append((time.perf_counter() - t0, cpu_seconds() - c0))
    dt, cpu = min(runs, key=lambda r: r[1])
    q.put({"rows": int(res["requests"].sum()), "seconds": dt, "cpu": cpu,
           "peak_gib": peak_rss_gib(),
           "by_model": dict(zip(res["model"], res["asc_e_g"].astype(float), strict=True))})


def synchronous_run(root: str, partition_rows: int, repeats: int, q: Any) -> None:
    """``assess.account_requests(path, tables, scheduler="synchronous")`` in this process
    (pyarrow's Parquet reader imported before the clock, as DuckDB's is); the run of least
    CPU time of ``repeats``."""
    import pyarrow.parquet  # noqa: F401

    from assess.fleet import account_requests

    t = tables()
    runs = []
    for _ in range(repeats):
        c0, t0 = cpu_seconds(), time.perf_counter()
        report = account_requests(root, t, scheduler="synchronous",
                                  partition_rows=partition_rows)
        runs.append((time.perf_counter() - t0, cpu_seconds() - c0))
    dt, cpu = min(runs, key=lambda r: r[1])
    q.put({"rows": report.requests, "seconds": dt, "cpu": cpu, "peak_gib": peak_rss_gib(),
           "by_model": report.by_model["asc_e [gCO2e]"].to_dict()})


def in_child(target: Any, *args: Any) -> dict[str, Any]:
    """Run ``target(*args, queue)`` in a fresh process (its own CPU time and peak memory)."""
    ctx = mp.get_context("spawn")
    q: Any = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    while True:
        try:
            out: dict[str, Any] = q.get(timeout=1.0)
            break
        except queue.Empty:
            if not p.is_alive():
                raise RuntimeError(f"{target.__name__} failed (exit {p.exitcode})") from None
    p.join()
    return out


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
    """pandas in memory: the frame generated here (its keys of dtype ``keys``)."""
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
    """Import the per-partition code in a worker and run it once on a small log (assess,
    carbon, pint, pyarrow's Parquet reader, pandas' lazily loaded parts)."""
    import pyarrow.parquet  # noqa: F401

    from carbon import request_sums

    log = logs(1000, 0, 0)
    for c in ("model", "device", "region"):
        log[c] = log[c].astype(str)
    request_sums(log, tables())


def dask_run(root: Path, workers: int, memory_limit: str, partition_rows: int,
             processes: bool, repeats: int) -> dict[str, Any]:
    """``account_requests`` on a LocalCluster of ``workers``; the run of least wall time of
    ``repeats``."""
    from distributed import Client, LocalCluster

    from assess.fleet import account_requests, worker_config

    t = tables()
    with worker_config(), LocalCluster(n_workers=workers, threads_per_worker=1,
                                        processes=processes, memory_limit=memory_limit,
                                        dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        # worker threads share one process: count its CPU time and memory once
        agg: Any = sum if processes else max
        # a long-lived cluster imports the code once: do it before the clock (printed apart)
        w0 = time.perf_counter()
        client.run(warm_up)
        warm = time.perf_counter() - w0
        runs = []
        for _ in range(repeats):
            c0 = agg(client.run(cpu_seconds).values())
            t0 = time.perf_counter()
            report = account_requests(str(root), t, client=client,
                                      partition_rows=partition_rows)
            dt = time.perf_counter() - t0
            runs.append((dt, agg(client.run(cpu_seconds).values()) - c0))
        dt, cpu = min(runs)
        peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20)
    return {"rows": report.requests, "seconds": dt, "cpu": cpu, "warm_up": warm,
            "worker_peak_gib": max(peaks.values()),
            "workers_peak_gib": agg(peaks.values()), "driver_peak_gib": peak_rss_gib(),
            "by_model": report.by_model["asc_e [gCO2e]"].to_dict()}


def line(name: str, r: dict[str, Any], cores: str) -> None:
    print(f"{name:<18}: {r['rows']:>12,} rows  {r['seconds']:8.2f} s wall  "
          f"{r['rows'] / r['seconds']:>12,.0f} req/s on {cores}  "
          f"{r['rows'] / r['cpu']:>12,.0f} req/CPU-s  peak RSS {r['peak_gib']:.2f} GiB",
          flush=True)


def agreement(a: dict[str, float], b: dict[str, float]) -> float:
    """Largest relative difference of two totals per model."""
    assert sorted(a) == sorted(b), (sorted(a), sorted(b))
    return max(abs(a[k] - b[k]) / abs(b[k]) for k in a)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=float, default=10e6, help="requests on disk")
    ap.add_argument("--engines", default="duckdb,ours,dask",
                    help="comma-separated among duckdb, ours (synchronous), dask")
    ap.add_argument("--duckdb-threads", default="1,2", help="DuckDB thread counts to run")
    ap.add_argument("--dask-workers", default="1,2", help="Dask worker counts to run")
    ap.add_argument("--pandas-rows", type=float, default=0,
                    help="also run pandas on this many rows in memory (0: skip)")
    ap.add_argument("--days", type=int, default=7, help="days the logs span (partitions)")
    ap.add_argument("--rows-per-file", type=float, default=2e6)
    ap.add_argument("--row-group", type=float, default=1e6, help="Parquet row group [rows]")
    ap.add_argument("--partition-rows", type=float, default=1e6,
                    help="most rows per partition (whole row groups)")
    ap.add_argument("--pandas-keys", choices=("category", "str"), default="category",
                    help="dtype of the pandas frame's key columns")
    ap.add_argument("--threads", action="store_true",
                    help="Dask workers as threads of one process (default: processes)")
    ap.add_argument("--memory-limit", default="4GiB", help="per Dask worker")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of DuckDB and of ours; the one of least CPU time is printed")
    ap.add_argument("--tmp", default=None, help="directory for the Parquet data")
    a = ap.parse_args()
    n, per_file, prow = int(a.rows), int(a.rows_per_file), int(a.partition_rows)
    engines = set(a.engines.split(","))
    print(f"machine: {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM; "
          f"{len(MODELS)} models, {len(DEVICES)} devices, {len(REGIONS)} regions, "
          f"{a.days} days", flush=True)

    if a.pandas_rows:
        r = in_child(pandas_run, int(a.pandas_rows), a.days, per_file, a.pandas_keys)
        line("pandas in memory", r, "1 core")
    res: dict[str, dict[str, Any]] = {}
    tmp = Path(tempfile.mkdtemp(prefix="modelcarbon-bench-", dir=a.tmp))
    try:
        gen = write_parquet(tmp, n, a.days, per_file, int(a.row_group))
        size = sum(f.stat().st_size for f in tmp.rglob("*.parquet")) / 2**30
        print(f"parquet: {n:,} rows, {size:.2f} GiB on disk in {tmp}, string keys "
              f"(written in {gen:.0f} s)", flush=True)
        if "duckdb" in engines:
            print("duckdb query:" + DUCKDB_QUERY.format(path=tmp), flush=True)
            for k in map(int, a.duckdb_threads.split(",")):
                res[f"duckdb {k} thread"] = r = in_child(duckdb_run, str(tmp), k, a.repeats)
                line(f"duckdb {k} thread", r, f"{k} core")
        if "ours" in engines:
            res["ours synchronous"] = r = in_child(synchronous_run, str(tmp), prow,
                                                     a.repeats)
            line("ours synchronous", r, "1 core")
        if "dask" in engines:
            for k in map(int, a.dask_workers.split(",")):
                r = dask_run(tmp, k, a.memory_limit, prow, not a.threads, a.repeats)
                r["peak_gib"] = r["worker_peak_gib"]
                res[f"dask {k} worker"] = r
                line(f"dask {k} worker", r, f"{k} core")
                print(f"{'':<18}  peak RSS all workers {r['workers_peak_gib']:.2f} GiB, driver "
                      f"{r['driver_peak_gib']:.2f} GiB; workers imported the code in "
                      f"{r['warm_up']:.1f} s before the clock", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ref = res.get("ours synchronous") or next(iter(res.values()), None)
    for name, r in res.items():
        if ref is not None and r is not ref:
            print(f"totals : {name} vs ours, largest relative difference per model "
                  f"{agreement(r['by_model'], ref['by_model']):.2e} (target <= 1e-9)")
    ours, duck = res.get("ours synchronous"), res.get("duckdb 1 thread")
    if ours and duck:
        print(f"ratio  : ours / DuckDB (1 thread) = "
              f"{(ours['rows'] / ours['cpu']) / (duck['rows'] / duck['cpu']):.2f} per CPU-second, "
              f"{duck['seconds'] / ours['seconds']:.2f} by wall (target >= 1 per CPU-second)")
    one, two = res.get("dask 1 worker"), res.get("dask 2 worker")
    if one and two:
        print(f"dask   : 2 workers / 1 worker = {one['seconds'] / two['seconds']:.2f}x by wall "
              "(target >= 1.6)")


if __name__ == "__main__":
    main()
