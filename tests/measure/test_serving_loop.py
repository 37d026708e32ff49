"""The serving loop: rows in the log's schema, windows per phase, idle charged, errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from carbon import InvalidValueError
from measure import FakeNVML, ManualClock, Monitor, PowerTrace, cpu_clock_monitor, serve

REQUEST = {"kind", "request", "batch", "model", "device", "region", "start", "first_token",
           "end", "prompt_tokens", "completion_tokens"}
BATCH = {"kind", "batch", "device", "start", "end", "energy [J]", "prefill_energy [J]",
         "decode_energy [J]", "energy_provenance", "energy_uncertainty [J]", "peak_power [W]",
         "note"}
IDLE = {"kind", "device", "start", "end", "energy [J]", "energy_provenance"}
PROVENANCE = {"measured", "sampled", "estimated", "reported", None}


def m(q: Any) -> float:
    """The magnitude of a quantity that must be known."""
    assert q is not None
    return float(q.m)


def check_schema(rows: Sequence[dict[str, Any]]) -> None:
    """Every row has exactly the contract's keys and types."""
    keys = {"request": REQUEST, "batch": BATCH, "idle": IDLE}
    for r in rows:
        assert set(r) == keys[r["kind"]], r
        for k in ("start", "end", *(["first_token"] if r["kind"] == "request" else [])):
            assert datetime.fromisoformat(r[k]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
        if r["kind"] == "request":
            assert isinstance(r["prompt_tokens"], int)
            assert isinstance(r["completion_tokens"], int)
            assert r["start"] <= r["first_token"] <= r["end"]
        else:
            assert r["energy_provenance"] in PROVENANCE
            assert r["energy [J]"] is None or isinstance(r["energy [J]"], float)


class Fake:
    """A generation on the manual clock: 10 ms prefill, 2 ms per decoded token."""

    clock: ManualClock

    def __init__(self, prompts: Sequence[str], n: int) -> None:
        self.prompts, self.n = prompts, n

    def prefill(self) -> list[int]:
        self.clock.advance(0.010)
        return [len(p.split()) for p in self.prompts]

    def decode(self) -> list[int]:
        self.clock.advance(0.002 * (self.n - 1))
        return [self.n] * len(self.prompts)


def _fake(clock: ManualClock) -> tuple[Monitor, type[Fake]]:
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock,
                                counter_period_s=0.001),
                  cpu=None, memory=None, clock=clock, interval=None)
    return mon, type("F", (Fake,), {"clock": clock})


def test_rows_windows_and_idle_on_a_fake_gpu(clock: ManualClock, tmp_path: Path) -> None:
    mon, gen = _fake(clock)
    log = tmp_path / "serving.jsonl"
    run = serve(gen, ["a b", "c", "d e f", "g", "h"], mon, batch_size=2, max_new_tokens=6,
                arrivals=0.05, model="m", device="gpu:0", region="FR", log=log)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert rows == list(run.rows)
    check_schema(rows)
    assert [len([r for r in run.requests if r["batch"] == b["batch"]]) for b in run.batches] \
        == [2, 2, 1]
    assert [r["prompt_tokens"] for r in run.requests] == [2, 1, 3, 1, 1]
    assert run.completion_tokens == 30
    for b in run.batches:
        assert b["prefill_energy [J]"] == pytest.approx(1.0)  # 10 ms at 100 W
        assert b["decode_energy [J]"] == pytest.approx(1.0)  # 5 tokens x 2 ms
        assert b["energy [J]"] == b["prefill_energy [J]"] + b["decode_energy [J]"]
        assert b["energy_provenance"] == "measured"
        assert b["peak_power [W]"] == pytest.approx(100.0)
    # batch 0 waits 50 ms for request 1, batch 1 until 150 ms (busy 20 ms), batch 2 for
    # request 4 at 200 ms
    assert [r["energy [J]"] for r in run.idle] == pytest.approx([5.0, 8.0, 3.0])
    assert m(run.energy) == pytest.approx(6.0 + 16.0)
    first = run.requests[0]
    ttft = (datetime.fromisoformat(first["first_token"])
            - datetime.fromisoformat(first["start"])).total_seconds()
    assert ttft == pytest.approx(0.06)  # 50 ms waiting for the batch, 10 ms prefill


def test_no_wait_no_idle_rows_and_append(clock: ManualClock, tmp_path: Path) -> None:
    mon, gen = _fake(clock)
    log = tmp_path / "s.jsonl"
    serve(gen, ["a"] * 4, mon, batch_size=4, max_new_tokens=2, model="m", device="gpu:0",
          region="FR", log=log, run_id="x")
    run = serve(gen, ["a"] * 4, mon, batch_size=3, max_new_tokens=2, model="m",
                device="gpu:0", region="FR", log=log, run_id="y", append=True)
    assert run.idle == [] and len(run.batches) == 2
    assert len(log.read_text().splitlines()) == 5 + 6
    assert {r["request"] for r in run.requests} == {"y/r0", "y/r1", "y/r2", "y/r3"}


def test_explicit_arrivals(clock: ManualClock) -> None:
    mon, gen = _fake(clock)
    run = serve(gen, ["a", "b"], mon, batch_size=1, max_new_tokens=1, model="m",
                device="gpu:0", region="FR", arrivals=[0.0, 1.0])
    assert len(run.idle) == 1
    assert run.idle[0]["energy [J]"] == pytest.approx(100.0 * (1.0 - 0.010))


@pytest.mark.parametrize(("kw", "field"), [
    ({"batch_size": 0}, "batch_size"), ({"batch_size": True}, "batch_size"),
    ({"max_new_tokens": 0}, "max_new_tokens"), ({"arrivals": -1.0}, "arrivals"),
    ({"arrivals": [0.0]}, "arrivals"), ({"arrivals": [1.0, 0.0]}, "arrivals"),
    ({"arrivals": float("nan")}, "arrivals"),
])
def test_argument_errors(clock: ManualClock, kw: dict[str, Any], field: str) -> None:
    mon, gen = _fake(clock)
    args: dict[str, Any] = {"batch_size": 1, "max_new_tokens": 2, "model": "m",
                            "device": "gpu:0", "region": "FR", **kw}
    with pytest.raises(InvalidValueError) as e:
        serve(gen, ["a", "b"], mon, **args)
    assert e.value.field == field


def test_bad_generation_counts(clock: ManualClock) -> None:
    mon, gen = _fake(clock)

    class Short(gen):  # type: ignore[misc, valid-type]
        def decode(self) -> list[int]:
            return [1]

    with pytest.raises(InvalidValueError, match="token counts"):
        serve(Short, ["a", "b"], mon, batch_size=2, max_new_tokens=2, model="m",
              device="gpu:0", region="FR")
    with pytest.raises(InvalidValueError):
        serve(gen, [], mon, batch_size=1, max_new_tokens=2, model="m", device="gpu:0",
              region="FR")


def test_unknown_energy_stays_unknown(clock: ManualClock) -> None:
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None)  # 100 ms counter: no reading
    gen = type("F", (Fake,), {"clock": clock})
    mon.probes[0].poll = lambda now_s: None  # type: ignore[method-assign]
    run = serve(gen, ["a"], mon, batch_size=1, max_new_tokens=2, model="m", device="gpu:0",
                region="FR")
    b = run.batches[0]
    assert b["energy [J]"] is None and b["energy_provenance"] is None
    assert "unknown" in b["note"]
    assert run.energy is None and run.total("energy [J]") is None


def test_real_generation_on_this_cpu(tmp_path: Path) -> None:
    """A real (random-weight, untrained) GPT-2 served on this CPU with the CPU clock."""
    pytest.importorskip("transformers")
    from compress import WordTokenizer, hf_generate
    from compress._causal_lm import _gpt2

    tok = WordTokenizer.from_corpus(["the cat sat on the mat .", "a dog ran in the park ."])
    model = _gpt2(tok.vocab_size, 32, 1, 2, 64).eval()
    made: list[Any] = []
    hf = hf_generate(model, tok)

    def generate(prompts: Sequence[str], n: int) -> Any:
        made.append(hf(prompts, n))
        return made[-1]

    mon = cpu_clock_monitor(interval=0.05)
    try:
        run = serve(generate, ["the cat", "a dog ran", "the mat", "a park", "the"], mon,
                    batch_size=2, max_new_tokens=4, arrivals=0.02, model="tiny-gpt2 (random)",
                    device="cpu", region="FR", log=tmp_path / "log.jsonl")
    finally:
        mon.close()
    check_schema(run.rows)
    assert len(run.requests) == 5
    assert [sum(r["batch"] == b["batch"] for r in run.requests) for b in run.batches] \
        == [2, 2, 1]
    produced = [len(t) for g in made for t in g.tokens]
    assert [r["completion_tokens"] for r in run.requests] == produced == [4] * 5
    assert [r["prompt_tokens"] for r in run.requests] == [2, 3, 2, 2, 1]
    for b in run.batches:
        assert b["energy [J]"] is not None and b["energy [J]"] > 0
        assert b["energy [J]"] == pytest.approx(b["prefill_energy [J]"]
                                                + b["decode_energy [J]"])
        assert b["energy_provenance"] == "estimated"
    assert run.idle and all(r["energy [J]"] is not None and r["energy [J]"] > 0
                            for r in run.idle)
    # carbon accounts the log: per-request energies sum to the batches plus the idle
    from carbon import attribute_serving, read_serving_log

    assert run.log is not None
    log = read_serving_log(run.log)
    assert len(log.requests) == 5 and len(log.batches) == 3 and len(log.idle) == len(run.idle)
    att = attribute_serving(run.log, idle_window=None)
    busy, idle = run.total("energy [J]"), run.total("energy [J]", "idle")
    assert busy is not None and idle is not None
    assert float(att.requests["energy [J]"].sum()) == pytest.approx(m(busy) + m(idle))
    assert float(att.requests["idle_energy [J]"].sum()) == pytest.approx(m(idle))
    assert att.idle_energy("unattributed") == 0.0
