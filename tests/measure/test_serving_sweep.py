"""The generation batching sweep: interleaved trials, per-token figures, intervals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from carbon import InvalidValueError
from measure import FakeNVML, ManualClock, Monitor, PowerTrace, serving_sweep


def m(q: Any) -> float:
    """The magnitude of a quantity that must be known."""
    assert q is not None
    return float(q.m)


def _setup(clock: ManualClock) -> tuple[Monitor, Any, list[int]]:
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock,
                                counter_period_s=0.001),
                  cpu=None, memory=None, clock=clock, interval=None)
    order: list[int] = []

    class Gen:  # a forward pass costs 10 ms + 1 ms per prompt
        def __init__(self, prompts: Sequence[str], n: int) -> None:
            self.b, self.n = len(prompts), n
            order.append(self.b)

        def prefill(self) -> list[int]:
            clock.advance(0.010 + 0.001 * self.b)
            return [3] * self.b

        def decode(self) -> list[int]:
            clock.advance((0.010 + 0.001 * self.b) * (self.n - 1))
            return [self.n] * self.b

    return mon, Gen, order


def test_per_token_energy_falls_with_batch_size(clock: ManualClock, tmp_path: Path) -> None:
    mon, gen, order = _setup(clock)
    log = tmp_path / "sweep.jsonl"
    pts = serving_sweep(gen, ["p"] * 8, mon, batch_sizes=(1, 2, 8), max_new_tokens=5,
                        trials=3, model="m", device="gpu:0", region="FR", log=log,
                        warmup=0)
    assert [p.batch_size for p in pts] == [1, 2, 8]
    assert all(p.trials == 3 and p.completion_tokens == 40 and p.prompt_tokens == 24
               for p in pts)
    # J per 1,000 generated tokens: 100 W x (10 + b) ms per step per b tokens; decode makes
    # 4 of each prompt's 5 tokens (prefill the first)
    for p in pts:
        b = p.batch_size
        assert m(p.decode_per_1k_tokens) == pytest.approx(
            1000 * 100 * (0.010 + 0.001 * b) * 4 / (5 * b))
        assert m(p.prefill_per_1k_tokens) == pytest.approx(
            1000 * 100 * (0.010 + 0.001 * b) / (3 * b))
        assert m(p.idle_per_1k_tokens) == 0.0
        assert p.energy_ci is not None and p.energy_ci[0] <= p.energy_per_1k_tokens
        assert p.provenance == "measured"
        d = p.to_dict()
        assert d["energy_per_1k_tokens [J]"] == pytest.approx(m(p.energy_per_1k_tokens))
        assert len(d["decode_ci [J]"]) == 2 and d["ttft [s]"] > 0
    e = [m(p.energy_per_1k_tokens) for p in pts]
    assert e[0] > e[1] > e[2]
    # interleaved: round i starts at size i mod 3 (batches of each serve call in order)
    firsts = [order[0], order[8 + 4 + 1], order[2 * (8 + 4 + 1)]]
    assert firsts == [1, 2, 8]
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    assert len([r for r in rows if r["kind"] == "request"]) == 3 * 3 * 8


def test_idle_is_charged_per_token(clock: ManualClock) -> None:
    mon, gen, _ = _setup(clock)
    (p,) = serving_sweep(gen, ["p"] * 4, mon, batch_sizes=(4,), max_new_tokens=2, trials=2,
                         arrivals=0.1, model="m", device="gpu:0", region="FR")
    # the batch waits 300 ms for its last request: 30 J over 8 tokens
    assert m(p.idle_per_1k_tokens) == pytest.approx(1000 * 30.0 / 8)
    assert m(p.energy_per_1k_tokens) == pytest.approx(
        m(p.idle_per_1k_tokens) + 1000 * 100 * 2 * 0.014 / 8)


@pytest.mark.parametrize(("kw", "field"), [
    ({"batch_sizes": ()}, "batch_sizes"), ({"batch_sizes": (1, 1)}, "batch_sizes"),
    ({"batch_sizes": (0,)}, "batch_sizes"), ({"trials": 0}, "trials"),
    ({"level": 1.0}, "level"),
])
def test_argument_errors(clock: ManualClock, kw: dict[str, Any], field: str) -> None:
    mon, gen, _ = _setup(clock)
    args: dict[str, Any] = {"model": "m", "device": "gpu:0", "region": "FR", **kw}
    with pytest.raises(InvalidValueError) as e:
        serving_sweep(gen, ["p"], mon, **args)
    assert e.value.field == field
    with pytest.raises(InvalidValueError):
        serving_sweep(gen, [], mon, model="m", device="gpu:0", region="FR")
