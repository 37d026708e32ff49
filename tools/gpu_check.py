"""Checks of ``measure`` on a real NVIDIA GPU; every figure is printed.

Run by ``tools/gpu_check.sh`` after the real-GPU tests, or alone from the repository root:
``python -m tools.gpu_check [--quick]``. Four checks:

1. the NVML-to-CUDA mapping: every CUDA device's UUID (from torch), the NVML device the
   monitor reads for it, and NVML's own list;
2. a short CUDA training loop (an MLP on random data) measured side by side by the energy
   counter (``measured``) and by sampled power (``sampled``, the same NVML with the counter
   hidden, so the monitor falls back to power sampling), with each figure's uncertainty and
   whether they agree within the two bounds;
3. :func:`measure.compare` of inference at two batch sizes over the same requests (the small
   batch launch-bound, the large one not): trials, interval, verdict;
4. the default monitor's devices and notes;
5. the serving loop on CUDA (:func:`serving_on_gpu`): the project's tiny GPT-2
   (``compress.train_causal_lm``) served with batched generation over batch sizes, every
   prefill, decode and idle window measured by NVML, with the per-token figures printed and
   the log accounted by ``carbon.attribute_serving`` (skipped, not failed, without
   transformers).

Without a usable GPU (no CUDA build of torch, no driver, NVML missing) it stops at once with
:class:`NoGpuError` naming what is missing, and :func:`main` returns 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from measure import Comparison, MeasureError, Measurement, Monitor, compare, load_pynvml

__all__ = ["NoGpuError", "PowerOnly", "compare_batch_sizes", "main", "require_gpu",
           "serving_on_gpu", "training_side_by_side", "uuid_mapping"]


class NoGpuError(RuntimeError):
    """No NVIDIA GPU can be used here; the message says what is missing and the fix."""


def require_gpu() -> Any:
    """torch, once it is known to see a CUDA GPU that NVML can read; else :class:`NoGpuError`."""
    try:
        import torch
    except ImportError as e:
        raise NoGpuError("torch is not installed: install a CUDA build (pip install torch from "
                         "the default index; PyPI's Linux x86-64 wheels are CUDA builds)") from e
    if not torch.cuda.is_available():
        raise NoGpuError(
            f"torch {torch.__version__} sees no CUDA GPU (torch.version.cuda="
            f"{torch.version.cuda}): a CPU-only build of torch, no NVIDIA driver, or "
            "CUDA_VISIBLE_DEVICES hiding every device; on a GPU machine install a CUDA build "
            "of torch")
    try:
        nvml = load_pynvml()
        nvml.nvmlInit()
        nvml.nvmlShutdown()
    except MeasureError as e:
        raise NoGpuError(f"NVML cannot be used: {e}") from e
    except Exception as e:  # the real library's own NVMLError (no driver, no library)
        raise NoGpuError(f"NVML cannot be used: {e!r} (is the NVIDIA driver loaded?)") from e
    return torch


class PowerOnly:
    """NVML as it is, except that the energy counter answers "not supported", so a
    :class:`measure.Monitor` given it measures by sampled power instead."""

    def __init__(self, nvml: Any) -> None:
        self._nvml = nvml

    def __getattr__(self, name: str) -> Any:
        return getattr(self._nvml, name)

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: Any) -> int:
        raise self._nvml.NVMLError(self._nvml.NVML_ERROR_NOT_SUPPORTED)


def _text(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _norm(u: str) -> str:
    u = u.strip().lower()
    return u[4:] if u.startswith(("gpu-", "mig-")) else u


def uuid_mapping(torch: Any) -> list[dict[str, Any]]:
    """Per CUDA device: torch's UUID, the UUID of the NVML device the monitor reads for it,
    and whether they match; prints NVML's own list first."""
    nvml = load_pynvml()
    nvml.nvmlInit()
    try:
        print("NVML devices:")
        for j in range(nvml.nvmlDeviceGetCount()):
            h = nvml.nvmlDeviceGetHandleByIndex(j)
            pci = nvml.nvmlDeviceGetPciInfo(h)
            print(f"  nvml:{j} {_text(nvml.nvmlDeviceGetName(h))} "
                  f"{_text(nvml.nvmlDeviceGetUUID(h))} pci {_text(pci.busId)}")
    finally:
        nvml.nvmlShutdown()
    rows = []
    with Monitor(gpus="auto", cpu=None, memory=None, interval=None) as mon:
        with mon.window("uuid") as w:
            pass
        assert w.measurement is not None
        for i in range(torch.cuda.device_count()):
            cuda_uuid = str(torch.cuda.get_device_properties(i).uuid)
            d = w.measurement.device(f"gpu:{i}")
            nvml_uuid = str(d.details.get("uuid", ""))
            row = {"cuda": i, "name": torch.cuda.get_device_name(i), "cuda_uuid": cuda_uuid,
                   "nvml_uuid": nvml_uuid, "match": _norm(cuda_uuid) == _norm(nvml_uuid),
                   "flags": d.flags}
            rows.append(row)
            print(f"  cuda:{i} {row['name']} torch {cuda_uuid} -> monitor reads {nvml_uuid}: "
                  f"{'match' if row['match'] else 'MISMATCH'} flags {list(d.flags)}")
    return rows


def _mlp(torch: Any, width: int, depth: int) -> Any:
    layers: list[Any] = []
    for _ in range(depth):
        layers += [torch.nn.Linear(width, width), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10)).cuda()


def _print_device(label: str, m: Measurement) -> None:
    d = m.device("gpu:0")
    e = "unknown" if d.energy is None else f"{d.energy.m_as('J'):.1f} J"
    u = "" if d.uncertainty is None else f" +- {d.uncertainty.m_as('J'):.1f} J"
    p = ("" if d.energy is None else
         f", mean {d.energy.m_as('J') / m.duration.m_as('s'):.1f} W")
    print(f"  {label}: {e}{u} ({d.method}, {d.provenance}) over {m.duration.m_as('s'):.2f} s"
          f"{p}; flags {list(d.flags)}; reads {d.details.get('reads')}")


def training_side_by_side(torch: Any, seconds: float = 15.0) -> dict[str, Any]:
    """A CUDA training loop for ``seconds`` [s], in a counter window and a sampled window."""
    torch.manual_seed(0)
    model = _mlp(torch, 4096, 4)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    x = torch.randn(2048, 4096, device="cuda")
    y = torch.randint(0, 10, (2048,), device="cuda")
    counter = Monitor(gpus=[0], cpu=None, memory=None, interval=0.1)
    sampled = Monitor(gpus=[0], cpu=None, memory=None, interval=0.02,
                      nvml=PowerOnly(load_pynvml()))
    steps = 0
    try:
        print(f"  methods: counter monitor {counter.devices[0]['method']}, sampled monitor "
              f"{sampled.devices[0]['method']}")
        counter.begin_window("train")
        sampled.begin_window("train")
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            steps += 1
            if steps % 20 == 0:
                torch.cuda.synchronize()
        mc = counter.end_window("train")
        ms = sampled.end_window("train")
    finally:
        counter.close()
        sampled.close()
    print(f"  {steps} training steps, final loss {float(loss):.4f}")
    _print_device("counter", mc)
    _print_device("sampled", ms)
    c, s = mc.device("gpu:0"), ms.device("gpu:0")
    out: dict[str, Any] = {"steps": steps, "counter": c, "sampled": s}
    if c.energy is not None and s.energy is not None:
        diff = abs(c.energy.m_as("J") - s.energy.m_as("J"))
        bound = sum(d.uncertainty.m_as("J") for d in (c, s) if d.uncertainty is not None)
        out.update(diff_j=diff, bound_j=bound, agree=diff <= bound)
        print(f"  |counter - sampled| = {diff:.1f} J ({diff / c.energy.m_as('J') * 100:.2f} %),"
              f" combined bound {bound:.1f} J: {'agree' if diff <= bound else 'DISAGREE'}")
    return out


def _inference(torch: Any, model: Any, batch: int, requests: int) -> Callable[[], None]:
    x = torch.randn(batch, 4096, device="cuda")

    def run() -> None:
        with torch.inference_mode():
            for _ in range(requests // batch):
                model(x)
    return run


def compare_batch_sizes(torch: Any, small: int = 32, large: int = 256,
                        trial_s: float = 1.0, max_seconds: float = 90.0) -> Comparison:
    """:func:`measure.compare` of the same requests served at two batch sizes."""
    torch.manual_seed(0)
    model = _mlp(torch, 4096, 4).eval()
    probe = _inference(torch, model, small, small * 50)
    probe()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    probe()
    torch.cuda.synchronize()
    per_request = (time.perf_counter() - t0) / (small * 50)
    requests = max(large, round(trial_s / per_request / large) * large)
    print(f"  {requests} requests a trial (~{trial_s:g} s at batch {small}); batch {small} "
          f"vs {large}")
    c = compare(_inference(torch, model, small, requests),
                _inference(torch, model, large, requests), rel_width=0.05, min_trials=5,
                max_trials=20, max_seconds=max_seconds, labels=(f"b{small}", f"b{large}"))
    print(f"  {c.summary()}")
    print(f"  stop: {c.stop_reason}, half-width {c.rel_half_width * 100:.1f} %, "
          f"{c.elapsed.m_as('s'):.1f} s; energy {c.provenance}; {c.interval}")
    print(f"  methods: {list(c.methods)}")
    for label, es, ds, cv in ((c.labels[0], c.baseline_energy, c.baseline_duration,
                               c.baseline_cv),
                              (c.labels[1], c.candidate_energy, c.candidate_duration,
                               c.candidate_cv)):
        print(f"  {label}: J/trial {[round(e.m_as('J'), 1) for e in es]}, s/trial "
              f"{[round(d.m_as('s'), 3) for d in ds]}, CV {cv}")
    return c


def _j(q: Any | None) -> str:
    return "unknown" if q is None else f"{q.m_as('J'):.4g} J"


def serving_on_gpu(torch: Any, quick: bool = False) -> dict[str, Any] | None:
    """The serving loop on ``cuda:0`` measured by NVML; None when transformers is missing."""
    import tempfile
    from pathlib import Path

    import compress
    from carbon import attribute_serving
    from measure import serving_sweep

    try:
        lm = compress.train_causal_lm(steps=20 if quick else 40)
    except compress.MissingExtraError as e:
        print(f"  skipped: {e}")
        return None
    gen = compress.hf_generate(lm.model.to("cuda:0"), lm.tokenizer)
    prompts = [" ".join(s.split()[:4]) for _, s in compress.sentences()[:32]]
    log = Path(tempfile.mkdtemp(prefix="gpu-serving-")) / "serving.jsonl"
    with Monitor(gpus=[0], cpu=None, memory=None, interval=0.01) as mon:
        points = serving_sweep(gen, prompts, mon, batch_sizes=(1, 4, 16, 32),
                               max_new_tokens=16 if quick else 32, trials=2 if quick else 3,
                               arrivals=0.002, model=compress.CAUSAL_LM, device="gpu:0",
                               region="unknown", log=log)
    for p in points:
        print(f"  batch {p.batch_size}: {_j(p.energy_per_1k_tokens)} per 1k generated tokens "
              f"{[_j(x) for x in p.energy_ci or ()]}; prefill {_j(p.prefill_per_1k_tokens)} "
              f"per 1k prompt tokens, decode {_j(p.decode_per_1k_tokens)}, idle "
              f"{_j(p.idle_per_1k_tokens)} per 1k generated; ttft {p.ttft.m_as('ms'):.2f} ms; "
              f"{p.provenance}")
    rows = [r for p in points for run in p.runs for r in run.batches + run.idle]
    want = sum(r["energy [J]"] or 0.0 for r in rows)
    att = attribute_serving(log, idle_window=None)
    got = float(att.requests["energy [J]"].sum())
    measured = all(r["energy_provenance"] == "measured" for r in rows)
    known = all(r["energy [J]"] is not None for r in rows)
    print(f"  log {log}: {len(att.requests)} requests; their energies sum to {got:.6g} J, "
          f"batches + idle {want:.6g} J; every window measured: {measured}, known: {known}")
    return {"ok": measured and known and abs(got - want) <= 1e-9 * max(want, 1.0),
            "points": points}


def main(argv: Sequence[str] | None = None) -> int:
    """Run every check; 2 when there is no GPU, 1 when a check disagrees, else 0."""
    args = _parse(argv)
    try:
        torch = require_gpu()
    except NoGpuError as e:
        print(f"gpu_check: no usable NVIDIA GPU here: {e}", file=sys.stderr)
        return 2
    print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), "
          f"{torch.cuda.device_count()} CUDA device(s)")
    print("\n1. NVML-to-CUDA mapping")
    rows = uuid_mapping(torch)
    print("\n2. training loop: counter and sampled power side by side")
    side = training_side_by_side(torch, seconds=5.0 if args.quick else 15.0)
    print("\n3. compare() of two batch sizes")
    c = compare_batch_sizes(torch, trial_s=0.5 if args.quick else 1.0,
                            max_seconds=40.0 if args.quick else 90.0)
    print("\n4. the default monitor")
    with Monitor.auto() as mon:
        for d in mon.devices:
            print(f"  {d}")
        for n in mon.notes:
            print(f"  note: {n}")
    print("\n5. the serving loop on CUDA (NVML)")
    served = serving_on_gpu(torch, quick=args.quick)
    ok = all(r["match"] for r in rows) and side.get("agree", False) and c.ratio > 0
    ok = ok and (served is None or bool(served["ok"]))
    print(f"\ngpu_check: {'every check passed' if ok else 'SOME CHECK FAILED'}")
    return 0 if ok else 1


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tools.gpu_check",
                                description="measure on a real NVIDIA GPU")
    p.add_argument("--quick", action="store_true", help="shorter loops (about 1 minute)")
    return p.parse_args(argv)


if __name__ == "__main__":
    raise SystemExit(main())
