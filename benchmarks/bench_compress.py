"""Benchmark: every compress technique on the digits teacher and on all-MiniLM-L6-v2.

Prints one table per model: technique x (metric before/after, serialised size, latency per
request at the batch size, energy per request, energy of the compression job itself, and the
break-even number of requests after which the job's carbon is paid back). Energy comes from
``measure.Monitor.auto()``: on a machine without NVML or RAPL it is the CPU/RAM estimate,
labelled ``estimated``, over the whole host (other processes included).

Run: ``.venv/bin/python benchmarks/bench_compress.py [--quick] [--no-minilm]``
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import carbon
import compress
from measure import Monitor

COLUMNS = ["technique", "child", "before", "after", "size before [B]", "size after [B]",
           "latency before [us]", "latency after [us]", "E/req before [mJ]",
           "E/req after [mJ]", "E reduction [%]", "job energy [J]", "baseline job [J]",
           "job carbon [gCO2e]", "break-even [requests]", "provenance"]


def show(title: str, suite: compress.Suite, batch_size: int) -> None:
    table = compress.results_table(suite.results)
    print(f"\n## {title} (metric: {table['metric'].iloc[0]}, batch size {batch_size})")
    with pd.option_context("display.width", 250, "display.max_columns", 30,
                           "display.float_format", lambda v: f"{v:.4g}"):
        print(table[COLUMNS].to_string(index=False))
    print("notes:")
    for c in suite.results:
        print(f"  {c.result.child}: " + "; ".join(c.result.notes))
        if c.training is not None:
            print(f"    trained {c.training.batches_run} mini-batches "
                  f"({c.training.batches_skipped} skipped)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer epochs, shorter runs")
    ap.add_argument("--no-minilm", action="store_true")
    args = ap.parse_args()
    facility = carbon.Facility(name="benchmark host", pue=1.2, mix=carbon.country("DEU"))
    entry = carbon.hardware("server baseline without accelerators")
    system = carbon.System(name="benchmark host (CPU server)",
                           embodied=carbon.Q_(entry.embodied_kgco2e, "kgCO2e"),
                           lifetime=carbon.Q_(entry.lifetime_years, "year"),
                           facility=facility, source=entry.source)
    monitor = Monitor.auto()
    print("monitor:", monitor.devices, "|", "; ".join(monitor.notes))
    print(f"facility: PUE {facility.pue}, Germany grid mix; system: {system.name}")
    setting = compress.JobSetting(monitor, system, charge="dynamic")
    epochs = 5 if args.quick else 30
    min_s = 0.5 if args.quick else 2.0
    t0 = time.perf_counter()
    digits = compress.run_all(setting, epochs=epochs, batch_size=64, min_seconds=min_s)
    show("digits MLP teacher 64-256-256-10", digits, 64)
    print(f"(digits suite: {time.perf_counter() - t0:.0f} s)")
    if not args.no_minilm:
        if not compress.minilm_available():
            print("\nMiniLM: skipped (the minilm extra is not installed)")
        else:
            t0 = time.perf_counter()
            mini = compress.run_minilm(setting, epochs=epochs, batch_size=32,
                                       min_seconds=min_s, techniques=(
                                           "quantise_int8", "quantise_int8_torch.ao",
                                           "prune_global", "prune_structured", "distil"))
            show("all-MiniLM-L6-v2", mini, 32)
            print(f"(MiniLM suite: {time.perf_counter() - t0:.0f} s)")
    monitor.close()


if __name__ == "__main__":
    main()
