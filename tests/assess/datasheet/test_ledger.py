"""Reading a ledger for datasheets: the graph and one measured request per model, a missing or
corrupt file refused in one clear line, and the latest inference batch chosen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from assess.datasheet._build import build_datasheet
from assess.datasheet._ledger import (
    INFERENCE_ROLE,
    inference_meta,
    inference_requests,
    open_ledger,
)
from carbon import Q_, DataError, Job, asc_e
from lineage import Ledger
from tests.assess.datasheet.conftest import N, grams, graph, request_job, revalidated


def test_ledger_round_trip(tmp_path: Path) -> None:
    g = graph()
    path = tmp_path / "ledger.sqlite"
    with Ledger(str(path)) as ledger:
        ledger.save(g)
        batch = revalidated(
            request_job(), energy=[revalidated(request_job().energy[0], energy=Q_(900, "J"))],
            duration=Q_(4, "s"), meta=inference_meta("distil", 100))
        ledger.add_job(batch)
    store, loaded = open_ledger(str(path))
    try:
        requests = inference_requests(store.jobs())
    finally:
        store.close()
    assert set(requests) == {"distil"}
    one = requests["distil"]
    assert grams(Q_(asc_e(one).asc_e_g, "gCO2e")) == pytest.approx(
        asc_e(request_job()).asc_e_g)
    a = build_datasheet(loaded, "distil", request=one, lifetime_requests=N)
    b = build_datasheet(g, "distil", request=request_job(), lifetime_requests=N)
    assert a.epc.total.g == pytest.approx(b.epc.total.g)
    assert a.per_request is not None and b.per_request is not None
    assert a.per_request.total.g == pytest.approx(b.per_request.total.g)


def test_open_ledger_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="existing ledger"):
        open_ledger(str(tmp_path / "nope.sqlite"))
    assert not (tmp_path / "nope.sqlite").exists()  # reading never creates a ledger


def test_open_ledger_translates_a_corrupt_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DataError, match="readable modelcarbon ledger"):
        open_ledger(str(bad))


def batch(model: str, requests: int, joules: float, end: datetime | None = None) -> Job:
    job = request_job()
    update: dict[str, Any] = {
        "energy": [revalidated(job.energy[0], energy=Q_(joules, "J"))],
        "duration": Q_(4, "s"), "meta": inference_meta(model, requests)}
    if end is not None:
        update.update(start=end - timedelta(seconds=4), end=end)
    return revalidated(job, **update)


def test_inference_meta_marks_a_batch() -> None:
    assert inference_meta("m", 100.0) == {"role": INFERENCE_ROLE, "model": "m", "requests": 100}


def test_the_latest_batch_of_each_model_is_used() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    jobs = [batch("a", 10, 100.0, t + timedelta(hours=1)), batch("a", 10, 900.0, t),
            batch("b", 4, 40.0), request_job()]  # the last one is not an inference batch
    got = inference_requests(jobs)
    assert set(got) == {"a", "b"}
    assert got["a"].energy[0].energy.m_as("J") == pytest.approx(10.0)  # 100 J / 10 requests
    assert got["b"].energy[0].energy.m_as("J") == pytest.approx(10.0)
    # without end times, the later in the ledger wins
    assert inference_requests([batch("c", 1, 1.0), batch("c", 1, 2.0)])["c"].energy[
        0].energy.m_as("J") == pytest.approx(2.0)


@pytest.mark.parametrize("meta", [
    {"role": INFERENCE_ROLE, "requests": 10},
    {"role": INFERENCE_ROLE, "model": "m", "requests": 0},
    {"role": INFERENCE_ROLE, "model": "m", "requests": "ten"},
    {"role": INFERENCE_ROLE, "model": 3, "requests": 10},
])
def test_a_malformed_inference_batch_names_the_job(meta: dict[str, object]) -> None:
    job = revalidated(request_job(), meta=meta, id="bad-batch")
    with pytest.raises(DataError, match=r"job bad-batch\.meta"):
        inference_requests([job])
