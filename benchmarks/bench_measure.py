"""Benchmark of ``measure``: probe overhead on a real PyTorch loop, window cost, accuracy.

Prints, in one run:

1. the slowdown of a small PyTorch training loop (scikit-learn digits, CPU) with the sampler
   thread at 10 ms and at 100 ms against no probe (median of repeated, interleaved runs, as
   a ratio; target <= 1 % at 100 ms); the monitor watches one fake NVML GPU (every poll makes
   the same pynvml-shaped calls as on a real GPU), the CPU estimate and the memory estimate
   (process attribution, the default);
2. the cost of one window begin/end pair, in process and in host attribution, and of one
   process-tree reading with and without a scan of /proc;
3. CodeCarbon's slowdown on the same loop, where CodeCarbon is installed;
4. the integration error of power sampling against synthetic traces of known energy at
   10, 50, 100 and 1000 ms (deterministic: a manual clock).

Run: ``.venv/bin/python benchmarks/bench_measure.py`` (``--quick`` for fewer repeats).
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from measure import FakeNVML, ManualClock, Monitor, PowerTrace, ProcessTree


def _loop_factory() -> Any:
    import torch
    from sklearn.datasets import load_digits

    torch.set_num_threads(1)
    x, y = load_digits(return_X_y=True)
    xt = torch.tensor(x, dtype=torch.float32) / 16.0
    yt = torch.tensor(y)

    def run(epochs: int = 6) -> float:
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                    torch.nn.Linear(128, 10))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        t0 = time.perf_counter()
        for _ in range(epochs):
            for i in range(0, len(xt), 32):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(xt[i:i + 32]), yt[i:i + 32])
                loss.backward()
                opt.step()
        return time.perf_counter() - t0

    return run


def _monitor(interval: float | None) -> Monitor:
    return Monitor(nvml=FakeNVML([PowerTrace.constant(250.0)]), cpu="estimate",
                   memory="estimate", interval=interval)


def overhead(repeats: int) -> None:
    run = _loop_factory()
    run(1)  # warm-up
    times: dict[str, list[float]] = {"none": [], "100 ms": [], "10 ms": []}
    configs = {"none": None, "100 ms": 0.1, "10 ms": 0.01}
    for _ in range(repeats):
        for label, interval in configs.items():  # interleaved: drift hits all alike
            if interval is None:
                times[label].append(run())
                continue
            mon = _monitor(interval)
            mon.begin_window("loop")
            times[label].append(run())
            m = mon.end_window("loop")
            mon.close()
            assert m.device("gpu:0").details["reads"] > 1
    mon = _monitor(None)
    polled = [p for p in mon.probes if p.needs_polling]
    t0 = time.perf_counter_ns()
    for _ in range(2000):
        for p in polled:
            p.poll(time.perf_counter())
    tick_us = (time.perf_counter_ns() - t0) / 2000 / 1e3
    mon.close()
    base = statistics.median(times["none"])
    print("1. slowdown of a digits MLP training loop (6 epochs, CPU, 1 torch thread), "
          f"median of {repeats} interleaved runs")
    print(f"   no probe: {base:.3f} s")
    for label in ("100 ms", "10 ms"):
        med = statistics.median(times[label])
        spread = (max(times[label]) - min(times[label])) / base * 100
        print(f"   sampler {label:>6}: {med:.3f} s, ratio {med / base:.4f} "
              f"({(med / base - 1) * 100:+.2f} %; run-to-run spread {spread:.1f} %)")
    print(f"   one sampler tick (fake GPU + memory polls): {tick_us:.1f} us, i.e. "
          f"{tick_us / 1e3:.3f} % of one core at 100 ms and {tick_us / 1e2:.3f} % at 10 ms")


def window_cost(n: int) -> None:
    print(f"2. cost of one begin/end window pair (median of {n}; process attribution scans "
          "/proc for new children at most once a second, so a few pairs pay for a scan)")
    for attribution in ("process", "host"):
        for label, mon in (
                ("CPU estimate only", Monitor(gpus=None, cpu="estimate", memory=None,
                                              interval=None, attribution=attribution)),
                ("fake GPU + CPU + RAM estimates",
                 Monitor(nvml=FakeNVML([PowerTrace.constant(250.0)]), cpu="estimate",
                         memory="estimate", interval=None, attribution=attribution))):
            costs = []
            for _ in range(n):
                t0 = time.perf_counter_ns()
                mon.begin_window("w")
                mon.end_window("w")
                costs.append(time.perf_counter_ns() - t0)
            mon.close()
            costs.sort()
            print(f"   {attribution:>7} attribution, {label}: median "
                  f"{statistics.median(costs) / 1e3:.1f} us, p99 "
                  f"{costs[int(0.99 * (len(costs) - 1))] / 1e3:.1f} us")
    tree = ProcessTree()
    for scan in (False, True):
        costs = []
        for _ in range(max(n // 10, 20)):
            t0 = time.perf_counter_ns()
            tree.read(scan=scan)
            costs.append(time.perf_counter_ns() - t0)
        n_proc = sum(1 for d in Path("/proc").iterdir() if d.name.isdigit())
        what = f"a scan of /proc ({n_proc} processes)" if scan else "this process only"
        print(f"   one process-tree reading, {what}: {statistics.median(costs) / 1e3:.1f} us")


def codecarbon_cmp(repeats: int) -> None:
    if importlib.util.find_spec("codecarbon") is None:
        print("3. CodeCarbon: not installed here, not compared")
        return
    from codecarbon import EmissionsTracker  # pragma: no cover (not installed in CI)

    run = _loop_factory()
    base, cc = [], []
    for _ in range(repeats):
        base.append(run())
        tracker = EmissionsTracker(save_to_file=False, log_level="error")
        tracker.start()
        cc.append(run())
        tracker.stop()
    b = statistics.median(base)
    print(f"3. CodeCarbon on the same loop: ratio {statistics.median(cc) / b:.4f}")


TRACES = {
    "steady training (250 W, +-20 W noise every 7 ms)": None,
    "phases (idle 60 W, load 350 W, eval 150 W)": PowerTrace.steps(
        [(0.0, 60.0), (3.1, 350.0), (41.7, 150.0), (50.3, 350.0)]),
    "ramp 80 -> 400 W": PowerTrace([0.0, 60.0], [80.0, 400.0]),
    "bursts 30 ms at 400 W every 130 ms over 90 W": None,
}


def _noise_trace(seed: int) -> PowerTrace:
    rng = np.random.default_rng(seed)
    t = np.arange(0, 62, 0.007)
    return PowerTrace(list(t), list(250 + rng.uniform(-20, 20, size=len(t))))


def _burst_trace() -> PowerTrace:
    levels = []
    for k in range(int(62 / 0.13)):
        levels += [(k * 0.13, 400.0), (k * 0.13 + 0.03, 90.0)]
    return PowerTrace.steps(levels)


def accuracy(offsets: int) -> None:
    print("4. power-sampling integration error vs synthetic traces of known energy "
          f"(60 s windows, {offsets} start phases each)")
    print(f"   {'trace':<48} {'interval':>8} {'median |err|':>13} {'max |err|':>10} "
          f"{'stated bound':>13} {'within':>7}")
    for name, trace in TRACES.items():
        for interval in (0.01, 0.05, 0.1, 1.0):
            errs, bounds, inside = [], [], 0
            for k in range(offsets):
                tr = trace if trace is not None else (
                    _noise_trace(k) if name.startswith("steady") else _burst_trace())
                clock = ManualClock()
                fake = FakeNVML([tr], clock=clock, counter=False)
                mon = Monitor(nvml=fake, cpu=None, memory=None, clock=clock, interval=None)
                clock.advance(0.5 + k * 0.0173)
                mon.begin_window("w")
                for _ in range(round(60 / interval)):
                    clock.advance(interval)
                    mon.poll()
                d = mon.end_window("w").device("gpu:0")
                true = fake.energy_j(0, d.details["t_first_s"], d.details["t_last_s"])
                err = d.energy.m_as("J") - true
                errs.append(abs(err) / true * 100)
                bounds.append(d.uncertainty.m_as("J") / true * 100)
                inside += abs(err) <= d.uncertainty.m_as("J")
                mon.close()
            print(f"   {name:<48} {interval * 1e3:>6.0f} ms {statistics.median(errs):>12.3f}% "
                  f"{max(errs):>9.3f}% {statistics.median(bounds):>12.2f}% "
                  f"{inside:>3}/{offsets}")


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"python {sys.version.split()[0]}, {Path('/proc/cpuinfo').read_text().count('processor')}"
          " logical CPUs (shared machine: read ratios with the spread)")
    overhead(3 if quick else 9)
    window_cost(200 if quick else 2000)
    codecarbon_cmp(3 if quick else 5)
    accuracy(3 if quick else 8)


if __name__ == "__main__":
    main()
