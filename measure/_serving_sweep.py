"""The batching sweep applied to generation: :func:`measure.serve` at several batch sizes,
in repeated trials interleaved across the sizes.

Round ``i`` runs every batch size once on the same prompts and arrivals, starting at size
``i mod k`` (each size takes each position equally often, so drift and a busy neighbour hit
them alike; as :func:`measure.inference_sweep`). Per trial, over its serving run:

* ``energy_per_1k_tokens = 1000 (E_batches + E_idle) / T_out`` [J per 1,000 generated
  tokens]: what generation costs, the waits between batches included;
* ``prefill_per_1k_tokens = 1000 E_prefill / T_in`` [J per 1,000 prompt tokens];
* ``decode_per_1k_tokens = 1000 E_decode / T_out`` [J per 1,000 generated tokens];
* ``idle_per_1k_tokens = 1000 E_idle / T_out`` [J per 1,000 generated tokens];
* ``ttft``: mean time to first token over requests (``first_token - start``) [s];
  ``latency``: mean ``end - start`` [s].

Each figure is the mean over trials with the bootstrap interval of the mean at ``level``
(``*_ci``; the helpers of :func:`measure.inference_sweep`); None when a trial's energy is
unknown.

>>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace
>>> clock = ManualClock()
>>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock,
...                             counter_period_s=0.001), cpu=None,
...               memory=None, clock=clock, interval=None)
>>> class Fake:  # 10 ms per forward pass, whatever the batch
...     def __init__(self, prompts, n): self.prompts, self.n = prompts, n
...     def prefill(self): clock.advance(0.01); return [4] * len(self.prompts)
...     def decode(self): clock.advance(0.01 * (self.n - 1)); return [self.n] * len(self.prompts)
>>> points = serving_sweep(Fake, ["p"] * 8, mon, batch_sizes=(1, 8), max_new_tokens=10,
...                        trials=2, model="fake", device="gpu:0", region="FR")
>>> [(p.batch_size, round(p.energy_per_1k_tokens.m)) for p in points]
[(1, 1000), (8, 125)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from carbon import InvalidValueError, magnitude
from measure._inference import _q
from measure._monitor import Monitor
from measure._serving_loop import Generate, ServingRun, serve

__all__ = ["ServingPoint", "serving_sweep"]

_ORDER = ["measured", "sampled", "estimated", "reported"]
_PER_1K = ("energy_per_1k_tokens", "prefill_per_1k_tokens", "decode_per_1k_tokens",
           "idle_per_1k_tokens")


@dataclass(frozen=True)
class ServingPoint:
    """One batch size over ``trials`` trials (module doc): means and (low, high) intervals.

    Energies [J per 1,000 tokens] (None when unknown in a trial), times [s];
    ``runs``: every trial's :class:`measure.ServingRun`.
    """

    batch_size: int
    trials: int
    level: float
    n_requests: int
    prompt_tokens: int
    completion_tokens: int
    energy_per_1k_tokens: Any | None
    energy_ci: tuple[Any, Any] | None
    prefill_per_1k_tokens: Any | None
    prefill_ci: tuple[Any, Any] | None
    decode_per_1k_tokens: Any | None
    decode_ci: tuple[Any, Any] | None
    idle_per_1k_tokens: Any | None
    idle_ci: tuple[Any, Any] | None
    ttft: Any
    ttft_ci: tuple[Any, Any] | None
    latency: Any
    latency_ci: tuple[Any, Any] | None
    provenance: str | None
    runs: tuple[ServingRun, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures (``name [unit]`` keys; intervals as [low, high])."""
        out: dict[str, Any] = {"batch_size": self.batch_size, "trials": self.trials,
                               "level": self.level, "requests": self.n_requests,
                               "prompt_tokens": self.prompt_tokens,
                               "completion_tokens": self.completion_tokens,
                               "provenance": self.provenance}
        for name, ci in ((n, n.replace("_per_1k_tokens", "_ci")) for n in _PER_1K):
            ci = "energy_ci" if name == "energy_per_1k_tokens" else ci
            out[f"{name} [J]"] = _m(getattr(self, name), "J")
            out[f"{ci} [J]"] = _pair(getattr(self, ci), "J")
        for name in ("ttft", "latency"):
            out[f"{name} [s]"] = _m(getattr(self, name), "s")
            out[f"{name}_ci [s]"] = _pair(getattr(self, f"{name}_ci"), "s")
        return out


def _m(q: Any | None, unit: str) -> float | None:
    return None if q is None else float(magnitude(q, unit, "figure"))


def _pair(ci: tuple[Any, Any] | None, unit: str) -> list[float | None] | None:
    return None if ci is None else [_m(ci[0], unit), _m(ci[1], unit)]


def _seconds(a: str, b: str) -> float:
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def _trial(run: ServingRun) -> dict[str, float | None]:
    t_in, t_out = run.prompt_tokens, run.completion_tokens
    busy, pre = run.total("energy [J]"), run.total("prefill_energy [J]")
    dec, idle = run.total("decode_energy [J]"), run.total("energy [J]", "idle")

    def per(e: Any | None, tokens: int) -> float | None:
        return (None if e is None or tokens == 0
                else 1000.0 * float(magnitude(e, "J", "energy")) / tokens)

    reqs = run.requests
    return {"energy_per_1k_tokens": per(None if busy is None or idle is None else busy + idle,
                                        t_out),
            "prefill_per_1k_tokens": per(pre, t_in), "decode_per_1k_tokens": per(dec, t_out),
            "idle_per_1k_tokens": per(idle, t_out),
            "ttft": float(np.mean([_seconds(r["start"], r["first_token"]) for r in reqs])),
            "latency": float(np.mean([_seconds(r["start"], r["end"]) for r in reqs]))}


def serving_sweep(generate: Generate, prompts: Sequence[str], monitor: Monitor, *,
                  batch_sizes: Sequence[int] = (1, 2, 4, 8), max_new_tokens: int = 16,
                  model: str, device: str, region: str,
                  arrivals: Sequence[float] | float = 0.0, trials: int = 3,
                  level: float = 0.95, seed: int = 0, warmup: int = 1,
                  log: str | Path | None = None) -> list[ServingPoint]:
    """Serve ``prompts`` at each batch size in ``trials`` interleaved rounds (module doc).

    ``warmup`` unmeasured batches of each size run first. ``log``: one JSON-lines file
    for every trial (run ids ``b<size>-t<trial>``), replaced at the start.
    """
    sizes = [int(b) for b in batch_sizes]
    if not sizes or any(b < 1 for b in sizes) or len(set(sizes)) != len(sizes):
        raise InvalidValueError("batch_sizes", batch_sizes, "distinct batch sizes >= 1")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise InvalidValueError("trials", trials, "an integer >= 1 (rounds of every size)")
    if not 0.0 < level < 1.0:
        raise InvalidValueError("level", level, "a confidence level in (0, 1)")
    if not prompts:
        raise InvalidValueError("prompts", prompts, "at least one prompt")
    for b in sizes:
        for _ in range(warmup):
            g = generate(list(prompts[:b]), max_new_tokens)
            g.prefill()
            g.decode()
    if log is not None:
        Path(log).write_text("", encoding="utf-8")
    runs: list[list[ServingRun]] = [[] for _ in sizes]
    for i in range(trials):
        for j in [(i + r) % len(sizes) for r in range(len(sizes))]:
            runs[j].append(serve(generate, prompts, monitor, batch_size=sizes[j],
                                 max_new_tokens=max_new_tokens, model=model, device=device,
                                 region=region, arrivals=arrivals, log=log,
                                 run_id=f"b{sizes[j]}-t{i}", append=True))
    return [_point(b, rs, level, seed) for b, rs in zip(sizes, runs, strict=True)]


def _point(b: int, runs: list[ServingRun], level: float, seed: int) -> ServingPoint:
    figs = [_trial(r) for r in runs]
    got: dict[str, tuple[Any | None, tuple[Any, Any] | None]] = {}
    for name in (*_PER_1K, "ttft", "latency"):
        values = [f[name] for f in figs]
        known = None if any(v is None for v in values) else [float(v) for v in values
                                                              if v is not None]
        got[name] = _q(known, "s" if name in ("ttft", "latency") else "J", level, seed)
    provs = [p for r in runs for row in r.batches + r.idle
             if (p := row["energy_provenance"]) is not None]
    last = runs[-1]
    return ServingPoint(
        batch_size=b, trials=len(runs), level=level, n_requests=len(last.requests),
        prompt_tokens=last.prompt_tokens, completion_tokens=last.completion_tokens,
        energy_per_1k_tokens=got["energy_per_1k_tokens"][0],
        energy_ci=got["energy_per_1k_tokens"][1],
        prefill_per_1k_tokens=got["prefill_per_1k_tokens"][0],
        prefill_ci=got["prefill_per_1k_tokens"][1],
        decode_per_1k_tokens=got["decode_per_1k_tokens"][0],
        decode_ci=got["decode_per_1k_tokens"][1],
        idle_per_1k_tokens=got["idle_per_1k_tokens"][0], idle_ci=got["idle_per_1k_tokens"][1],
        ttft=got["ttft"][0], ttft_ci=got["ttft"][1],
        latency=got["latency"][0], latency_ci=got["latency"][1],
        provenance=max(provs, key=_ORDER.index) if provs else None, runs=tuple(runs))
