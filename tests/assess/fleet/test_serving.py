"""account_serving (assess.fleet._serving): attribution wired to the request engine; the same
numbers as the carbon functions on the same frame; per-token figures per model and batch size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assess.fleet import ServingReport, account_serving
from carbon import (
    Facility,
    RequestTables,
    System,
    attribute_serving,
    device_table,
    model_table,
    request_carbon,
    serving_per_token,
)
from tests.carbon import serving_logs as S


def tables() -> RequestTables:
    dc = Facility(name="dc", pue=1.1, mix="80 gCO2e/kWh")
    dev = device_table({d: System(name=d, embodied="2000 kgCO2e", lifetime="4 year",
                                  facility=dc) for d in ("gpu0", "gpu1")})
    return RequestTables(dev, model_table({"llm-8b": "40 tCO2e", "llm-70b": "500 tCO2e"},
                                          lifetime={"llm-8b": "2 year", "llm-70b": "2 year"},
                                          parallel_jobs={"llm-8b": 2, "llm-70b": 4}))


def test_wiring_matches_the_carbon_functions(tmp_path: Path) -> None:
    log = S.write_jsonl(tmp_path / "log.jsonl", S.spec_jsonl())
    r = account_serving(log, tables(), parameters={"llm-8b": 8.0})
    assert isinstance(r, ServingReport) and r.report.requests == 5
    a = attribute_serving(log, parameters={"llm-8b": 8.0})
    ref = request_carbon(a.requests, tables())
    assert r.report.total.m_as("gCO2e") == pytest.approx(ref["asc_e [gCO2e]"].sum(), rel=1e-12)
    pd.testing.assert_frame_equal(r.per_token, serving_per_token(a.requests, ref))
    assert r.by_model.index.tolist() == ["llm-8b"] and r.by_batch_size.index.tolist() == [1, 2]
    assert r.idle == {"charged": 600.0, "unattributed": 200.0, "apart": 0.0}
    # the estimated request is counted as estimated by the engine
    assert int(r.report.by_model["estimated_requests"].sum()) == 1


def test_apart_keeps_idle_out_of_the_requests(tmp_path: Path) -> None:
    log = S.write_jsonl(tmp_path / "log.jsonl", S.spec_jsonl())
    charged = account_serving(log, tables(), parameters={"llm-8b": 8.0})
    apart = account_serving(log, tables(), idle="apart", parameters={"llm-8b": 8.0})
    assert apart.idle["apart"] == 800.0
    assert apart.report.total < charged.report.total


def test_random_fleet_conserves_energy() -> None:
    rng = np.random.default_rng(3)
    n, size = 20_000, 16
    batch = np.arange(n) // size
    dev = np.where(batch % 2 == 0, "gpu0", "gpu1")
    start = S.T0 + pd.to_timedelta(batch * 5, unit="s")
    req = pd.DataFrame({"request": np.arange(n).astype(str), "batch": batch.astype(str),
                        "model": np.where(rng.random(n) < 0.5, "llm-8b", "llm-70b"),
                        "device": dev, "region": "FRA", "start": start,
                        "first_token": start + pd.Timedelta("1s"),
                        "end": start + pd.Timedelta("4s"),
                        "prompt_tokens": rng.integers(1, 900, n),
                        "completion_tokens": rng.integers(1, 900, n)})
    nb = n // size
    bstart = S.T0 + pd.to_timedelta(np.arange(nb) * 5, unit="s")
    energy = np.where(np.arange(nb) % 7 == 0, np.nan, rng.uniform(50, 5000, nb))
    bat = pd.DataFrame({"kind": "batch", "batch": np.arange(nb).astype(str),
                        "device": np.where(np.arange(nb) % 2 == 0, "gpu0", "gpu1"),
                        "start": bstart, "end": bstart + pd.Timedelta("4s"),
                        "energy [J]": energy})
    idle = pd.DataFrame({"kind": "idle", "device": "gpu0", "start": [S.T0],
                         "end": [S.T0 + pd.Timedelta("30min")], "energy [J]": [9000.0]})
    r = account_serving((req, pd.concat([bat, idle], ignore_index=True)), tables(),
                        parameters=S.PARAMETERS)
    a = r.attribution
    assert a.requests["energy [J]"].sum() == pytest.approx(
        a.batches["energy [J]"].sum() + 9000.0, rel=1e-9)
    assert r.report.requests == n
    assert set(r.by_model.index) == {"llm-8b", "llm-70b"}
