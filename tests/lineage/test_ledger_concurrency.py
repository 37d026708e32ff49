"""Several processes append jobs to one ledger at once: nothing is lost (SQLite and PostgreSQL).

The PostgreSQL case needs a server: ``tools/with_services.sh`` starts one and sets
``MODELCARBON_TEST_PG_URL``; without it the case fails when ``CI`` is set and skips otherwise.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

lineage = pytest.importorskip("lineage")
sqlalchemy = pytest.importorskip("sqlalchemy")

WRITERS = 3
JOBS = 15


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "ledger.sqlite")
        return
    base = os.environ.get("MODELCARBON_TEST_PG_URL")
    if not base:
        if os.environ.get("CI"):
            pytest.fail("MODELCARBON_TEST_PG_URL is not set: in CI the PostgreSQL ledger tests "
                        "must run (tools/with_services.sh starts a server)")
        pytest.skip("MODELCARBON_TEST_PG_URL is not set (run under tools/with_services.sh)")
    name = f"scale_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sqlalchemy.make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _writer(url: str, i: int, barrier: object) -> None:
    with lineage.Ledger(url) as book:
        barrier.wait()  # type: ignore[attr-defined]
        for k in range(JOBS):
            book.add_job(lineage.ReportedCarbon(carbon=f"{i * 1000 + k + 1} gCO2e",
                                                source=f"writer {i}"),
                         product="m", phase="training")


def test_concurrent_writers_lose_nothing(url: str) -> None:
    g = lineage.ProvenanceGraph()
    g.add_model("m", name="M", lifetime="1 year")
    with lineage.Ledger(url) as book:
        book.save(g)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    procs = [ctx.Process(target=_writer, args=(url, i, barrier)) for i in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    with lineage.Ledger(url) as book:
        assert book.count_jobs() == WRITERS * JOBS
        epc = book.load().epc("m").total.m_as("gCO2e")
    want = sum(i * 1000 + k + 1 for i in range(WRITERS) for k in range(JOBS))
    assert epc == pytest.approx(want)
