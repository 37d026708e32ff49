"""A serving loop for generation: batches of requests, each phase in a measurement window,
written as a serving log (JSON lines).

``generate(prompts, max_new_tokens)`` is any callable returning a two-phase
:class:`Generation`: ``prefill()`` runs one forward pass over the prompts (giving each its
first new token) and returns each prompt's token count; ``decode()`` produces the rest and
returns each prompt's completion token count (the first token included). torch is not
imported here (``compress.hf_generate`` makes one for a Hugging Face causal LM).

Requests arrive at ``arrivals`` [s] after the loop starts (a sequence, or a float: the
interval between consecutive arrivals); the server takes them in order, ``batch_size`` at a
time, and when the last request of the next batch has not arrived yet it waits, in a window
of its own: the ``idle`` row, so idle power is charged from what the monitor reads over the
wait (never assumed zero). Per batch, two windows follow each other: prefill, then decode.

Rows (the contract of ``carbon.read_serving_log``; energies [J], powers [W], ISO-8601 UTC):

* ``request``: id, batch, model, device, region, ``start`` (arrival), ``first_token`` (end
  of the batch's prefill window), ``end`` (end of its decode window), ``prompt_tokens``,
  ``completion_tokens``;
* ``batch``: ``energy [J] = prefill_energy [J] + decode_energy [J]`` (each a window's total
  energy over the monitor's devices; None when a device's figure is unknown), the worst
  ``energy_provenance`` of the devices (measured < sampled < estimated < reported), the sum
  of the device uncertainties (None when one is unknown), ``peak_power [W]`` (the highest
  NVML power read after each phase; None without an NVML GPU) and a ``note``;
* ``idle``: the wait's window, its energy and provenance.

>>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace
>>> clock = ManualClock()
>>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock,
...                             counter_period_s=0.001), cpu=None,
...               memory=None, clock=clock, interval=None)
>>> class Fake:
...     def __init__(self, prompts, n): self.prompts, self.n = prompts, n
...     def prefill(self): clock.advance(0.01); return [len(p.split()) for p in self.prompts]
...     def decode(self): clock.advance(0.002 * self.n); return [self.n] * len(self.prompts)
>>> run = serve(Fake, ["a b", "c d e", "f"], mon, batch_size=2, max_new_tokens=5,
...             arrivals=0.05, model="fake", device="gpu:0", region="FR")
>>> [r["kind"] for r in run.rows]
['idle', 'batch', 'request', 'request', 'idle', 'batch', 'request']
>>> b = run.batches[0]
>>> b["prefill_energy [J]"], b["decode_energy [J]"], b["energy [J]"], b["energy_provenance"]
(1.0, 1.0, 2.0, 'measured')
>>> run.completion_tokens, run.energy
(15, <Quantity(12.0, 'joule')>)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from carbon import InvalidValueError, magnitude, quantity
from measure._inference import _power_reader
from measure._measurement import Measurement
from measure._monitor import Monitor

__all__ = ["Generation", "ServingRun", "serve"]

_ORDER = ["measured", "sampled", "estimated", "reported"]


class Generation(Protocol):
    """One batch's generation in two phases (see the module docstring)."""

    def prefill(self) -> Sequence[int]:
        """Forward pass over the prompts (first new token of each); prompt token counts."""

    def decode(self) -> Sequence[int]:
        """The remaining tokens; completion token counts per prompt (first one included)."""


Generate = Callable[[Sequence[str], int], Generation]


@dataclass(frozen=True)
class ServingRun:
    """The rows of one serving run (dicts in the log's schema) and the log's path."""

    rows: tuple[dict[str, Any], ...]
    log: Path | None = None

    def _kind(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["kind"] == kind]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The ``request`` rows."""
        return self._kind("request")

    @property
    def batches(self) -> list[dict[str, Any]]:
        """The ``batch`` rows."""
        return self._kind("batch")

    @property
    def idle(self) -> list[dict[str, Any]]:
        """The ``idle`` rows."""
        return self._kind("idle")

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens over every request."""
        return sum(int(r["prompt_tokens"]) for r in self.requests)

    @property
    def completion_tokens(self) -> int:
        """Generated tokens over every request."""
        return sum(int(r["completion_tokens"]) for r in self.requests)

    def total(self, field: str, kind: str = "batch") -> Any | None:
        """Sum of ``field`` (such as ``"decode_energy [J]"``) over the rows of ``kind``
        [J]; None when one is unknown (unknown is never zero)."""
        values = [r[field] for r in self._kind(kind)]
        if any(v is None for v in values):
            return None
        return quantity(float(sum(values)), "J")

    @property
    def energy(self) -> Any | None:
        """Batch energy plus idle energy [J]; None when any is unknown."""
        busy, idle = self.total("energy [J]"), self.total("energy [J]", "idle")
        return None if busy is None or idle is None else busy + idle


def _offsets(arrivals: Sequence[float] | float, n: int) -> list[float]:
    if isinstance(arrivals, (int, float)):
        step = float(arrivals)
        if not (step >= 0 and math.isfinite(step)):
            raise InvalidValueError("arrivals", arrivals, "an interval >= 0 [s] between "
                                    "arrivals, or one arrival time per prompt")
        return [i * step for i in range(n)]
    out = [float(a) for a in arrivals]
    if len(out) != n:
        raise InvalidValueError("arrivals", len(out), f"one arrival time per prompt ({n})")
    if any(not (a >= 0 and math.isfinite(a)) for a in out) or out != sorted(out):
        raise InvalidValueError("arrivals", arrivals, "finite, non-decreasing times >= 0 [s]")
    return out


def _figure(m: Measurement) -> tuple[float | None, str | None, float | None]:
    """(energy [J] or None, worst provenance, uncertainty [J] or None) of one window."""
    total = m.total_energy
    energy = None if total is None else float(magnitude(total, "J", "energy"))
    provs = [d.provenance for d in m.devices if d.provenance is not None]
    prov = max(provs, key=_ORDER.index) if provs else None
    uncs = [d.uncertainty for d in m.devices]
    unc = (None if energy is None or any(u is None for u in uncs)
           else float(sum(magnitude(u, "J", "uncertainty") for u in uncs)))
    return energy, prov, unc


def _iso(t: datetime) -> str:
    return t.isoformat()


def _counts(values: Sequence[int], n: int, what: str) -> list[int]:
    out = [int(v) for v in values]
    if len(out) != n or any(v < 0 for v in out):
        raise InvalidValueError(what, list(values), f"{n} token counts >= 0, one per prompt")
    return out


def _note(pre: Measurement, dec: Measurement) -> str:
    parts = []
    for m, phase in ((pre, "prefill"), (dec, "decode")):
        unknown = [f"{d.key}: {d.reason}" for d in m.devices if d.energy is None]
        if unknown:
            parts.append(f"{phase} energy unknown ({'; '.join(unknown)})")
    methods = ", ".join(f"{d.key} {d.method} ({d.provenance or 'unknown'})" for d in dec.devices)
    return "; ".join([f"prefill and decode in separate monitor windows; devices: {methods}",
                      *parts])


def serve(generate: Generate, prompts: Sequence[str], monitor: Monitor, *, batch_size: int,
          max_new_tokens: int, model: str, device: str, region: str,
          arrivals: Sequence[float] | float = 0.0, log: str | Path | None = None,
          run_id: str = "run", append: bool = False) -> ServingRun:
    """Serve ``prompts`` in batches of ``batch_size``; see the module docstring.

    ``model``, ``device`` and ``region`` label every row; ``run_id`` prefixes the request
    and batch ids (``<run_id>/r<k>``, ``<run_id>/b<k>``); ``log``: the JSON-lines file to
    write (``append``: add to it rather than replace it).
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise InvalidValueError("batch_size", batch_size, "an integer >= 1")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) \
            or max_new_tokens < 1:
        raise InvalidValueError("max_new_tokens", max_new_tokens, "an integer >= 1")
    if not prompts:
        raise InvalidValueError("prompts", prompts, "at least one prompt")
    offsets = _offsets(arrivals, len(prompts))
    clock = monitor.clock
    power, _ = _power_reader(monitor)
    rows: list[dict[str, Any]] = []
    t0_ns, t0 = clock.monotonic_ns(), clock.utc_now()
    for k, lo in enumerate(range(0, len(prompts), batch_size)):
        idx = list(range(lo, min(lo + batch_size, len(prompts))))
        wait = offsets[idx[-1]] - (clock.monotonic_ns() - t0_ns) / 1e9
        if wait > 0:
            key = f"{run_id}/idle-{k}"
            with monitor.window(key) as w:
                clock.sleep(wait)
            assert w.measurement is not None
            energy, prov, _ = _figure(w.measurement)
            rows.append({"kind": "idle", "device": device, "start": _iso(w.measurement.start),
                         "end": _iso(w.measurement.end), "energy [J]": energy,
                         "energy_provenance": prov})
        batch = f"{run_id}/b{k}"
        gen = generate([prompts[i] for i in idx], max_new_tokens)
        peaks: list[float] = []
        with monitor.window(f"{batch}/prefill") as wp:
            prompt_tokens = _counts(gen.prefill(), len(idx), "prefill()")
        if power is not None:
            peaks.append(power())
        with monitor.window(f"{batch}/decode") as wd:
            completion = _counts(gen.decode(), len(idx), "decode()")
        if power is not None:
            peaks.append(power())
        pre, dec = wp.measurement, wd.measurement
        assert pre is not None and dec is not None
        e_pre, p_pre, u_pre = _figure(pre)
        e_dec, p_dec, u_dec = _figure(dec)
        provs = [p for p in (p_pre, p_dec) if p is not None]
        rows.append({
            "kind": "batch", "batch": batch, "device": device, "start": _iso(pre.start),
            "end": _iso(dec.end),
            "energy [J]": None if e_pre is None or e_dec is None else e_pre + e_dec,
            "prefill_energy [J]": e_pre, "decode_energy [J]": e_dec,
            "energy_provenance": max(provs, key=_ORDER.index) if provs else None,
            "energy_uncertainty [J]": None if u_pre is None or u_dec is None
            else u_pre + u_dec,
            "peak_power [W]": max(peaks) if peaks else None, "note": _note(pre, dec)})
        for j, i in enumerate(idx):
            rows.append({
                "kind": "request", "request": f"{run_id}/r{i}", "batch": batch,
                "model": model, "device": device, "region": region,
                "start": _iso(t0 + timedelta(seconds=offsets[i])),
                "first_token": _iso(pre.end), "end": _iso(dec.end),
                "prompt_tokens": prompt_tokens[j], "completion_tokens": completion[j]})
    path = None
    if log is not None:
        path = Path(log)
        with path.open("a" if append else "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    return ServingRun(tuple(rows), path)
