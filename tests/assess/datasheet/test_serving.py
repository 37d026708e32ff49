"""The generation section: per-token energy and carbon by batch size, from a sweep."""

from __future__ import annotations

from typing import Any

import pytest

from assess.datasheet import build_datasheet, generation_section, validate_datasheet_json
from carbon import Facility, InvalidValueError
from lineage import ProvenanceGraph
from measure import FakeNVML, ManualClock, Monitor, PowerTrace, serving_sweep

LAB = Facility(name="lab", pue=1.5, mix="400 gCO2e/kWh")


def known(q: Any) -> Any:
    """A quantity that must be known."""
    assert q is not None
    return q


def point(b: int, total: float | None = 36.0, **over: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "batch_size": b, "trials": 3, "level": 0.95, "requests": 8, "prompt_tokens": 32,
        "completion_tokens": 64, "provenance": "estimated",
        "energy_per_1k_tokens [J]": total, "energy_ci [J]": None if total is None
        else [total * 0.9, total * 1.1],
        "prefill_per_1k_tokens [J]": 9.0 / b, "prefill_ci [J]": [8.0 / b, 10.0 / b],
        "decode_per_1k_tokens [J]": 30.0 / b, "decode_ci [J]": [25.0 / b, 35.0 / b],
        "idle_per_1k_tokens [J]": 1.0, "idle_ci [J]": [1.0, 1.0],
        "ttft [s]": 0.02, "ttft_ci [s]": [0.01, 0.03], "latency [s]": 0.1,
        "latency_ci [s]": [0.09, 0.11]}
    return {**d, **over}


def test_carbon_is_energy_times_pue_times_intensity() -> None:
    s = generation_section([point(4), point(1)], facility=LAB, model="m", device="cpu")
    assert [p.batch_size for p in s.points] == [1, 4]
    p = s.points[1]
    # 36 J = 1e-5 kWh x 1.5 x 400 gCO2e/kWh = 6 mgCO2e
    assert known(p.total.carbon).m_as("mgCO2e") == pytest.approx(6.0)
    assert known(p.total.carbon_low).m_as("mgCO2e") == pytest.approx(5.4)
    assert p.prefill.per == "prompt" and p.decode.per == "generated"
    assert known(p.decode.energy).m_as("J") == pytest.approx(7.5)
    assert s.pue == 1.5 and "400 gCO2e/kWh" in s.intensity and s.provenance == "estimated"


def test_unknown_stays_unknown_and_mixed_provenance() -> None:
    s = generation_section([point(1, None), point(2, provenance="measured")], facility=LAB,
                           model="m", device="cpu")
    assert s.points[0].total.energy is None and s.points[0].total.carbon is None
    assert s.provenance == "mixed"
    with pytest.raises(InvalidValueError):
        generation_section([], facility=LAB, model="m", device="cpu")


def test_from_a_sweep_into_a_valid_datasheet() -> None:
    clock = ManualClock()
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock,
                                counter_period_s=0.001),
                  cpu=None, memory=None, clock=clock, interval=None)

    class Gen:
        def __init__(self, prompts: Any, n: int) -> None:
            self.b, self.n = len(prompts), n

        def prefill(self) -> list[int]:
            clock.advance(0.01)
            return [3] * self.b

        def decode(self) -> list[int]:
            clock.advance(0.01 * (self.n - 1))
            return [self.n] * self.b

    pts = serving_sweep(Gen, ["p"] * 4, mon, batch_sizes=(1, 4), max_new_tokens=4, trials=2,
                        model="m", device="gpu:0", region="FR")
    s = generation_section(pts, facility=LAB, model="m", device="gpu:0",
                           serving_log="serving.jsonl")
    assert known(s.points[0].total.energy).m_as("J") == pytest.approx(1000.0)
    g = ProvenanceGraph()
    g.add_model("m", name="m")
    ds = build_datasheet(g, "m", generation=s)
    assert ds.generation == s
    validate_datasheet_json(ds.model_dump_json())
