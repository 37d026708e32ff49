"""The demo's serving run: the project's tiny GPT-2 trained, served and swept over batch sizes.

:func:`run_serving` trains :func:`compress.train_causal_lm` as a measured job (the product
``tiny-gpt2-sentences``, ``trained_on`` the corpus), serves 16 prompts from the corpus with
batched greedy generation (:func:`measure.serving_sweep`: batch sizes 1, 2, 4, 8, interleaved
trials, requests arriving every 10 ms) and writes the serving log (``serving.jsonl``, every
trial, in the schema of ``specs/serving.md``) and the sweep's figures (``sweep.json``) into
its folder. It returns the datasheet's generation section.

The loop runs on this process's CPU: unless the monitor has RAPL counters, the windows are
measured with :func:`measure.cpu_clock_monitor` (the CPU-time estimate at nanosecond
resolution; a prefill lasts milliseconds, below the kernel's accounting tick).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["SERVING_BATCH_SIZES", "ServingDemo", "run_serving"]

#: Batch sizes of the demo's sweep.
SERVING_BATCH_SIZES = (1, 2, 4, 8)


@dataclass(frozen=True)
class ServingDemo:
    """What the serving run made: the product, the section, the files and notes."""

    product: str
    section: Any
    log: Path
    sweep: Path
    notes: tuple[str, ...]


def _prompts(n: int, words: int) -> list[str]:
    from compress import sentences

    pairs = sentences()
    return [" ".join(s.split()[:words]) for _, s in pairs[-n:]]


def run_serving(out: Path, *, graph: Any, setting: Any, seed: int = 0, steps: int = 40,
                n_prompts: int = 16, max_new_tokens: int = 16, trials: int = 3,
                batch_sizes: tuple[int, ...] = SERVING_BATCH_SIZES,
                arrival_interval: float = 0.01, threads: int | None = 1,
                region: str = "DEU") -> ServingDemo:
    """Train, serve and sweep (module doc) into ``out``; the product goes into ``graph``.

    ``threads``: torch's intra-op threads for the run (one by default: on a shared machine a
    spinning OpenMP thread's CPU time is not work, yet a CPU-time estimate counts it).
    ``region``: the grid region every request row names (the demo's country).
    """
    import compress

    with compress.torch_threads(threads):
        return _run(out, graph, setting, seed, steps, n_prompts, max_new_tokens, trials,
                    batch_sizes, arrival_interval, region)


def _run(out: Path, graph: Any, setting: Any, seed: int, steps: int, n_prompts: int,
         max_new_tokens: int, trials: int, batch_sizes: tuple[int, ...],
         arrival_interval: float, region: str) -> ServingDemo:
    import compress
    from assess.datasheet import generation_section
    from measure import cpu_clock_monitor, serving_sweep

    out.mkdir(parents=True, exist_ok=True)
    lm = compress.train_causal_lm(seed=seed, steps=steps, setting=setting, graph=graph)
    product = lm.product or compress.CAUSAL_LM
    rapl = any(d["method"] == "rapl" for d in setting.monitor.devices)
    mon = setting.monitor if rapl else cpu_clock_monitor()
    log = out / "serving.jsonl"
    try:
        points = serving_sweep(
            compress.hf_generate(lm.model, lm.tokenizer), _prompts(n_prompts, 4), mon,
            batch_sizes=batch_sizes, max_new_tokens=max_new_tokens, trials=trials,
            arrivals=arrival_interval, model=product, device="cpu",
            region=region, seed=seed, log=log)
    finally:
        if mon is not setting.monitor:
            mon.close()
    sweep = out / "sweep.json"
    sweep.write_text(json.dumps([p.to_dict() for p in points], indent=2) + "\n",
                     encoding="utf-8")
    section = generation_section(points, facility=setting.system.facility, model=product,
                                 device="this machine's CPU", serving_log=log.name)
    notes = (f"{product}: a {len(lm.losses)}-step GPT-2 trained here (loss "
             f"{lm.losses[0]:.2f} -> {lm.losses[-1]:.2f}), served on this CPU; serving log "
             f"{log.name} ({len(points)} batch sizes x {trials} trials), monitor: "
             f"{'RAPL' if rapl else 'CPU-clock estimate'}",)
    return ServingDemo(product, section, log, sweep, notes)
