"""Fixtures of the lineage tests: the ledger URL (one parameter per database), job makers,
and a small graph of three models (``g``).

``ledger_url`` is parametrised over the databases the ledger must work on: ``sqlite``
and ``postgresql``: the latter reads its server from ``MODELCARBON_TEST_PG_URL`` (set by
``tools/with_services.sh``), makes a fresh database per test, and when the variable is unset
fails if ``CI`` is set and skips otherwise. A test that takes ``ledger_url`` runs unchanged
on both.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from carbon import Q_, EnergyUse, Facility, Job, System
from lineage import ProvenanceGraph, ReportedCarbon

DATABASES = ["sqlite", "postgresql"]


def _fresh_pg(base: str) -> Iterator[str]:
    """A fresh database per test on the server of ``base`` (CREATE DATABASE, then DROP ...
    WITH (FORCE)): tests running in parallel (pytest -n) never share tables."""
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=DATABASES)
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL (or SQLite path) of an empty ledger database."""
    if request.param == "sqlite":
        yield str(tmp_path / f"ledger-{uuid.uuid4().hex[:8]}.sqlite")
    elif request.param == "postgresql":
        base = os.environ.get("MODELCARBON_TEST_PG_URL")
        if not base:
            if os.environ.get("CI"):
                pytest.fail("MODELCARBON_TEST_PG_URL is not set: in CI the PostgreSQL ledger "
                            "tests must run (tools/with_services.sh starts a server)")
            pytest.skip("MODELCARBON_TEST_PG_URL is not set (run under tools/with_services.sh)")
        yield from _fresh_pg(base)
    else:  # pragma: no cover
        raise AssertionError(request.param)


def make_job(energy_kwh: float = 1.0, *, name: str = "job", hours: float = 1.0,
             mix: object = "300 gCO2e/kWh", job_id: str | None = None) -> Job:
    """A real carbon.Job on one system (no mocks)."""
    fac = Facility(name="dc", pue=1.2, mix=mix)
    box = System(name="8-GPU server", embodied="6800 kgCO2e", lifetime="4 year", facility=fac,
                 source="Boavizta API 2.5.0 server model")
    kw = {} if job_id is None else {"id": job_id}
    return Job(name=name, duration=f"{hours} h",
               energy=[EnergyUse(system=box, energy=f"{energy_kwh} kWh", provenance="measured")],
               **kw)


@pytest.fixture
def job_factory() -> Callable[..., Job]:
    return make_job


def rc(grams: float, id: str | None = None) -> ReportedCarbon:
    """A reported figure of ``grams`` gCO2e (with a fixed job id when given)."""
    kw = {} if id is None else {"id": id}
    return ReportedCarbon(carbon=Q_(grams, "gCO2e"), source="test", **kw)


@pytest.fixture
def g() -> ProvenanceGraph:
    """Three models ``a``, ``b``, ``c`` and nothing else."""
    g = ProvenanceGraph()
    for pid in ("a", "b", "c"):
        g.add_model(pid, name=pid)
    return g
