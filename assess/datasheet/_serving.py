"""The datasheet's generation section: energy and carbon per 1,000 tokens by batch size.

Built from a generation batching sweep (:func:`measure.serving_sweep`): per batch size, the
mean over trials with its interval of

* the whole serving cost per 1,000 generated tokens (batches and the idle waits between
  them: ``1000 (E_batches + E_idle) / T_out``),
* prefill per 1,000 prompt tokens (``1000 E_prefill / T_in``),
* decode per 1,000 generated tokens (``1000 E_decode / T_out``),
* idle per 1,000 generated tokens (``1000 E_idle / T_out``),

each energy [J] also as operational carbon ``JSC = E * PUE * CI`` (:func:`carbon.jsc`) on
the facility the loop ran in [gCO2e]; an interval's ends are converted alike (PUE and grid
intensity taken as exact). Unknown energy stays unknown (None), never zero.

>>> from carbon import Facility
>>> p = {"batch_size": 4, "trials": 3, "level": 0.95, "requests": 8, "prompt_tokens": 32,
...      "completion_tokens": 64, "provenance": "estimated",
...      "energy_per_1k_tokens [J]": 36.0, "energy_ci [J]": [30.0, 40.0],
...      "prefill_per_1k_tokens [J]": 9.0, "prefill_ci [J]": [8.0, 10.0],
...      "decode_per_1k_tokens [J]": 30.0, "decode_ci [J]": [25.0, 35.0],
...      "idle_per_1k_tokens [J]": 1.5, "idle_ci [J]": [1.0, 2.0],
...      "ttft [s]": 0.02, "ttft_ci [s]": [0.01, 0.03], "latency [s]": 0.1,
...      "latency_ci [s]": [0.09, 0.11]}
>>> s = generation_section([p], facility=Facility(name="lab", pue=1.0, mix="360 gCO2e/kWh"),
...                        model="tiny", device="cpu")
>>> s.points[0].total.carbon.to("mgCO2e")
<Quantity(3.6, 'milligram_CO2e')>
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from carbon import Carbon, Energy, Facility, Record, Time, jsc, quantity

__all__ = ["GenerationPoint", "GenerationSection", "TokenFigure", "generation_section"]


class TokenFigure(Record):
    """Energy and operational carbon per 1,000 tokens (``per``: prompt or generated
    tokens), the mean over trials with the interval's ends; None: unknown."""

    per: Literal["prompt", "generated"]
    energy: Energy | None
    energy_low: Energy | None = None
    energy_high: Energy | None = None
    carbon: Carbon | None = None
    carbon_low: Carbon | None = None
    carbon_high: Carbon | None = None


class GenerationPoint(Record):
    """One batch size of the sweep: token counts of one trial and the figures."""

    batch_size: int
    trials: int
    requests: int
    prompt_tokens: int
    completion_tokens: int
    total: TokenFigure
    prefill: TokenFigure
    decode: TokenFigure
    idle: TokenFigure
    ttft: Time
    latency: Time
    provenance: str | None = None


class GenerationSection(Record):
    """Generation served by this model: the loop, where it ran, and the points."""

    model: str
    device: str
    level: float
    pue: float
    intensity: str
    provenance: str | None
    points: list[GenerationPoint]
    serving_log: str | None = None
    method: str


_METHOD = ("Served with batched greedy generation (measure.serve): each batch's prefill (one "
           "forward pass over the prompts) and decode measured in windows of their own, the "
           "waits between batches measured as idle windows and charged; figures are means "
           "over interleaved trials with bootstrap intervals of the mean; carbon = energy x "
           "PUE x grid intensity.")


def _point_dict(p: Any) -> Mapping[str, Any]:
    return p if isinstance(p, Mapping) else p.to_dict()


def _figure(d: Mapping[str, Any], name: str, ci: str, per: Literal["prompt", "generated"],
            facility: Facility) -> TokenFigure:
    def j(v: float | None) -> Any | None:
        return None if v is None else quantity(float(v), "J")

    def g(v: float | None) -> Any | None:
        return None if v is None else jsc(quantity(float(v), "J"), intensity=facility.mix,
                                          pue=facility.pue)

    mean = d[f"{name} [J]"]
    low, high = d.get(f"{ci} [J]") or (None, None)
    return TokenFigure(per=per, energy=j(mean), energy_low=j(low), energy_high=j(high),
                       carbon=g(mean), carbon_low=g(low), carbon_high=g(high))


def generation_section(points: Sequence[Any], *, facility: Facility, model: str, device: str,
                       serving_log: str | None = None) -> GenerationSection:
    """The section from a sweep's points (``measure.ServingPoint`` or their ``to_dict()``).

    ``facility``: where the loop ran (its PUE and electricity mix give the carbon).
    """
    rows = [_point_dict(p) for p in points]
    if not rows:
        from carbon import InvalidValueError

        raise InvalidValueError("points", [], "at least one batch size of a serving sweep")
    out = []
    for d in sorted(rows, key=lambda r: int(r["batch_size"])):
        out.append(GenerationPoint(
            batch_size=int(d["batch_size"]), trials=int(d["trials"]),
            requests=int(d["requests"]), prompt_tokens=int(d["prompt_tokens"]),
            completion_tokens=int(d["completion_tokens"]),
            total=_figure(d, "energy_per_1k_tokens", "energy_ci", "generated", facility),
            prefill=_figure(d, "prefill_per_1k_tokens", "prefill_ci", "prompt", facility),
            decode=_figure(d, "decode_per_1k_tokens", "decode_ci", "generated", facility),
            idle=_figure(d, "idle_per_1k_tokens", "idle_ci", "generated", facility),
            ttft=quantity(float(d["ttft [s]"]), "s"),
            latency=quantity(float(d["latency [s]"]), "s"), provenance=d.get("provenance")))
    provs = {p.provenance for p in out}
    ci = facility.mix
    intensity = (f"{float(jsc(quantity(1.0, 'kWh'), intensity=ci).m_as('gCO2e')):.4g} gCO2e/kWh"
                 f" ({getattr(ci, 'name', None) or facility.name})")
    return GenerationSection(
        model=model, device=device, level=float(rows[0]["level"]), pue=float(facility.pue),
        intensity=intensity,
        provenance=provs.pop() if len(provs) == 1 else "mixed", points=out,
        serving_log=serving_log, method=_METHOD)
