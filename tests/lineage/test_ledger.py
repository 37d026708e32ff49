"""The ledger: exact round trips, schema migrations, transactions, several writers, SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import create_engine, text

from carbon import (
    Q_,
    EnergyUse,
    Facility,
    HourlyIntensity,
    InvalidValueError,
    Job,
    PlatformUse,
    ProductUse,
    SourceMix,
    System,
    asc_e,
    country,
)
from lineage import (
    SCHEMA_VERSION,
    Ledger,
    LedgerError,
    ProvenanceGraph,
    ReportedCarbon,
    SchemaVersionError,
    UnknownProductError,
    from_json,
)
from lineage._serial import job_to_dict
from tests.lineage.conftest import make_job
from tests.lineage.dags import Spec, build, specs

ROOT = Path(__file__).resolve().parents[2]


def rich_job() -> Job:
    """A job with every kind of field: hourly mix, power trace, platform, products."""
    start = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    idx = pd.date_range("2026-01-01", periods=3, freq="h", tz="UTC")
    hourly = HourlyIntensity(pd.Series([100.0, 200.0, 300.0], index=idx), source="grid op",
                             region="FR")
    fac_h = Facility(name="hourly dc", pue=1.15, mix=hourly)
    fac_s = Facility(name="mixed dc", pue=1.3, mix=SourceMix({"coal": 0.25, "wind_onshore": 0.75},
                                                        factors={"coal": Q_(900, "gCO2e/kWh")}))
    fac_c = Facility(name="france", pue=1.1, mix=country("FRA"))
    power = pd.Series([300.0, 310.0, 290.5], index=pd.date_range(start, periods=3, freq="30min"))
    sys_h = System(name="gpu box", embodied="2500 kgCO2e", lifetime="4 year", facility=fac_h)
    sys_s = System(name="cpu box", embodied="900 kgCO2e", lifetime="5 year", facility=fac_s,
                   source="vendor LCA", id="cpu-1")
    sys_c = System(name="storage", embodied="100 kgCO2e", lifetime="6 year", facility=fac_c)
    return Job(
        name="rich", start=start, end=start + timedelta(hours=1), meta={"run": 7, "tag": "x"},
        energy=[EnergyUse(system=sys_h, energy="0.3 kWh", provenance="sampled",
                          uncertainty="0.01 kWh", power=power, source="NVML power"),
                EnergyUse(system=sys_s, energy="123.456 kJ", provenance="measured",
                          fraction=0.25, duration="20 min"),
                EnergyUse(system=sys_c, energy="0.01 kWh", provenance="estimated")],
        platform=PlatformUse(name="k8s", rate="3 kgCO2e/h", share=0.01),
        products=[ProductUse(name="base model", epc="1 tCO2e", lifetime="2 year",
                             parallel_jobs=3),
                  ProductUse(name="dataset", epc="10 kgCO2e", requests=1e6)],
    )


def sample_graph() -> ProvenanceGraph:
    g = ProvenanceGraph()
    g.add_dataset("data", name="corpus", licence="CC-BY-SA", revision="abc123")
    g.add_model("base", name="base", lifetime="3 year", task="fill-mask")
    g.add_model("tuned", name="tuned")
    g.add_platform("srv", name="serving", lifetime="6 year", source="ops")
    g.derive("base", "data", "trained_on", policy="usage", usage=Q_(5.0, "h"))
    g.derive("tuned", "base", "fine_tuned_from", share=0.125)
    g.derive("tuned", "srv", "runs_on")
    g.add_job("data", make_job(3.0), phase="data")
    g.add_job("base", rich_job(), phase="training")
    g.add_job("tuned", ReportedCarbon(carbon="12.5 kgCO2e", source="paper", name="ft",
                                      uncertainty="1 kgCO2e"), phase="fine_tuning")
    g.add_job("tuned", make_job(0.1), phase="retraining")
    return g


def test_save_load_round_trip_is_exact(ledger_url: str) -> None:
    g = sample_graph()
    with Ledger(ledger_url) as ledger:
        ledger.save(g)
        back = ledger.load()
    assert back == g
    assert back.to_json() == g.to_json()
    # Job == Job raises on pandas fields (carbon records compare Series): compare exact dicts
    want = job_to_dict(rich_job().model_copy(update={"id": g.jobs("base")[0].id}))
    assert job_to_dict(back.jobs("base")[0].record) == want
    for pid in g.products():
        assert back.epc(pid).total_g == g.epc(pid).total_g


def test_instruments_residual_mix_and_idle_role_round_trip() -> None:
    from carbon import ContractualInstrument
    from lineage._serial import job_from_dict

    ppa = ContractualInstrument("PPA", "12 gCO2e/kWh", "3 MWh", source="wind PPA",
                                period="2026")
    eac = ContractualInstrument("EAC", "0 gCO2e/kWh", 0.5, source="GoO")
    fac = Facility(name="dc", pue=1.2, mix="400 gCO2e/kWh", instruments=(ppa, eac),
                   residual_mix="520 gCO2e/kWh")
    box = System(name="box", embodied="1 kgCO2e", lifetime="4 year", facility=fac)
    job = Job(name="j", duration="1 h", energy=[
        EnergyUse(system=box, energy="1 kWh", provenance="measured"),
        EnergyUse(system=box, energy="0.2 kWh", provenance="estimated", role="idle")])
    back = job_from_dict(job_to_dict(job))
    assert back == job and back.energy[1].role == "idle"
    assert back.energy[0].system.facility.instruments == (ppa, eac)
    plain = job_to_dict(make_job(1.0))  # nothing added where nothing is set (digests stay)
    assert "instruments" not in plain["energy"][0]["system"]["facility"]
    assert "role" not in plain["energy"][0]


def test_json_round_trip_of_rich_records() -> None:
    g = sample_graph()
    assert from_json(g.to_json(indent=2)) == g


def test_save_replaces_and_keeps_unattached_jobs(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        ledger.add_job(make_job(1.0, job_id="loose"))
        ledger.save(sample_graph())
        small = ProvenanceGraph()
        small.add_model("only", name="only")
        ledger.save(small)
        assert ledger.load() == small
        assert [j.record.id for j in ledger.jobs()] == ["loose"]
        assert ledger.jobs()[0].product is None


def test_add_job_rules(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        ledger.save(sample_graph())
        with pytest.raises(UnknownProductError):
            ledger.add_job(make_job(), "nope", "training")
        with pytest.raises(InvalidValueError):
            ledger.add_job(make_job(), "base")
        with pytest.raises(InvalidValueError):
            ledger.add_job(make_job(), None, "training")
        job = make_job(2.0)
        seq = ledger.add_job(job, "tuned", "compression")
        assert seq > 0
        with pytest.raises(LedgerError):  # the same job id twice
            ledger.add_job(job, "tuned", "compression")
        loaded = ledger.load()
        assert [j.phase for j in loaded.jobs("tuned")][-1] == "compression"
        stored = ledger.jobs("tuned")[-1]
        assert stored.record == job and stored.carbon_g == pytest.approx(
            loaded.jobs("tuned")[-1].carbon_g)


def test_systems_facilities_and_mixes_are_stored_once(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        for _ in range(3):
            ledger.add_job(make_job(1.0))
        ledger.add_job(rich_job())
        with ledger.engine.connect() as conn:
            count = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                     for t in ("systems", "facilities", "mixes", "job_systems", "jobs")}
    assert count == {"systems": 4, "facilities": 4, "mixes": 4, "job_systems": 6, "jobs": 4}


def test_sqlite_settings(tmp_path: Path) -> None:
    with Ledger(str(tmp_path / "l.sqlite")) as ledger, ledger.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations(ledger_url: str) -> None:
    with Ledger(ledger_url, upto=1) as old:
        assert old.schema_version == 1
        old.add_job(make_job(1.0, job_id="before-migration"))
    with Ledger(ledger_url) as new:
        assert new.schema_version == SCHEMA_VERSION == 3
        assert [j.record.id for j in new.jobs()] == ["before-migration"]
        with new.engine.connect() as conn:
            versions = conn.execute(text(
                "SELECT version FROM schema_migrations ORDER BY version")).scalars().all()
    assert versions == [1, 2, 3]
    engine = create_engine(ledger_url if "://" in ledger_url else f"sqlite:///{ledger_url}")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO schema_migrations (version, name, applied_at) "
                          "VALUES (99, 'from the future', 'x')"))
    engine.dispose()
    with pytest.raises(SchemaVersionError, match="newer"):
        Ledger(ledger_url)


def _as_version_2(url: str) -> None:
    """Give a fresh ledger the systems table a version-2 ledger has (embodied_g NOT NULL, no
    embodied_unknown) and forget migration 3, as a ledger written before it would be."""
    engine = create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE systems DROP COLUMN embodied_unknown"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE systems ALTER COLUMN embodied_g SET NOT NULL"))
        else:
            v = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
            conn.exec_driver_sql("PRAGMA writable_schema=ON")
            conn.exec_driver_sql("UPDATE sqlite_schema SET sql = replace(sql, 'embodied_g "
                                 "FLOAT', 'embodied_g FLOAT NOT NULL') WHERE name = 'systems'")
            conn.exec_driver_sql(f"PRAGMA schema_version={int(v) + 1}")
            conn.exec_driver_sql("PRAGMA writable_schema=OFF")
        conn.execute(text("DELETE FROM schema_migrations WHERE version = 3"))
    engine.dispose()


def test_migration_3_lets_a_version_2_ledger_store_unknown_embodied(ledger_url: str) -> None:
    with Ledger(ledger_url, upto=2) as old:
        old.add_job(make_job(1.0, job_id="before"))
    _as_version_2(ledger_url)
    fac = Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
    card = System(name="V100", lifetime="3 year", facility=fac,
                  embodied_unknown="no sourced figure")
    job = Job(name="j", duration="1 h", id="unknown-embodied",
              energy=[EnergyUse(system=card, energy="1 kWh", provenance="estimated")])
    with Ledger(ledger_url) as new:
        assert new.schema_version == 3
        new.add_job(job)
        back = {j.record.id: j.record for j in new.jobs()}
    assert back["unknown-embodied"] == job and back["unknown-embodied"].energy[0].system \
        .embodied is None
    assert asc_e(back["unknown-embodied"]).unknown  # still a lower bound after the round trip


def test_failed_transaction_leaves_nothing(ledger_url: str) -> None:
    with Ledger(ledger_url) as ledger:
        ledger.add_job(make_job(job_id="kept"))

        def batch() -> object:
            yield make_job(job_id="rolled-back-1")
            yield make_job(job_id="rolled-back-2")
            raise RuntimeError("writer failed")

        with pytest.raises(RuntimeError):
            ledger.add_jobs(batch())  # type: ignore[arg-type]
        assert [j.record.id for j in ledger.jobs()] == ["kept"]


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs())
def test_ledger_round_trip_on_generated_graphs(ledger_url: str, spec: Spec) -> None:
    g = build(spec)
    with Ledger(ledger_url) as ledger:
        ledger.save(g)
        assert ledger.load() == g


def _run(*args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.lineage.ledger_workers", *args],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_four_processes_write_a_thousand_jobs_each(ledger_url: str) -> None:
    Ledger(ledger_url).close()  # schema first, so the writers race on jobs only
    procs = [_run("write", ledger_url, str(w), "1000") for w in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=900)
        assert p.returncode == 0, err.decode()
    with Ledger(ledger_url) as ledger:
        ids = {j.record.id for j in ledger.jobs()}
    assert ids == {f"w{w}-{k}" for w in range(4) for k in range(1000)}


def test_sigkill_mid_transaction_loses_only_that_transaction(ledger_url: str,
                                                             tmp_path: Path) -> None:
    marker = tmp_path / "inside"
    proc = _run("kill", ledger_url, str(marker), "5", "20")
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stderr.close()  # type: ignore[union-attr]
    assert proc.returncode == -signal.SIGKILL
    with Ledger(ledger_url) as ledger:
        assert sorted(j.record.id for j in ledger.jobs()) == [f"ok-{k}" for k in range(5)]
        ledger.add_job(make_job(job_id="after"))  # the lock died with the writer
        assert ledger.count_jobs() == 6
    np.testing.assert_equal(marker.read_text(), "inside the transaction")


# --- what is not a ledger, read-only ledgers, threads ---------------------------------------
@pytest.mark.parametrize("url", [None, "", "   ", 3.5])
def test_no_ledger_without_a_location(url: object, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # bug: Ledger(None) created a SQLite file named "None"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(LedgerError, match="url"):
        Ledger(url)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def _bytes(path: Path) -> bytes:
    return path.read_bytes()


def test_a_foreign_sqlite_database_is_refused_and_untouched(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "app.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO users VALUES (1, 'ada')")
    con.commit()
    con.close()
    before = _bytes(path)
    for readonly in (False, True):
        with pytest.raises(LedgerError, match="other tables: users"):
            Ledger(str(path), readonly=readonly)
    assert _bytes(path) == before  # bug: a foreign database gained the ledger's tables
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


@pytest.mark.parametrize("content", [b"hello, not a database\n", b"\x00\xff" * 64])
def test_a_file_that_is_not_sqlite_is_refused_and_untouched(tmp_path: Path,
                                                            content: bytes) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(content)
    for readonly in (False, True):
        with pytest.raises(LedgerError, match="not a SQLite database"):
            Ledger(str(path), readonly=readonly)
    assert path.read_bytes() == content


def test_reading_never_creates_or_migrates(tmp_path: Path) -> None:
    # bug: `datasheet empty.txt` turned an empty file into a ledger
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(LedgerError, match="empty"):
        Ledger(str(empty), readonly=True)
    assert empty.read_bytes() == b""
    with pytest.raises(LedgerError, match="existing"):
        Ledger(str(tmp_path / "missing.sqlite"), readonly=True)
    assert not (tmp_path / "missing.sqlite").exists()


def test_a_read_only_ledger_is_readable_and_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger(str(path)) as ledger:
        ledger.add_job(make_job(1.0, job_id="kept"))
        ledger.add_product("m", kind="model", name="M")
    path.chmod(0o444)
    before = path.read_bytes()
    try:
        with Ledger(str(path), readonly=True) as ro:
            assert ro.schema_version == SCHEMA_VERSION
            assert [j.record.id for j in ro.jobs()] == ["kept"]
            assert "m" in ro.load()
            with pytest.raises(LedgerError, match="readonly"):
                ro.add_job(make_job(1.0))
            with pytest.raises(LedgerError, match="readonly"):
                ro.add_product("n", kind="model", name="N")
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before


def test_threads_sharing_one_ledger_lose_nothing(tmp_path: Path) -> None:
    # bug: a rolled-back batch left cached system rows that later writes trusted, and they
    # then failed with FOREIGN KEY errors (32-114 of a few thousand writes)
    import threading

    ledger = Ledger(str(tmp_path / "shared.sqlite"))
    errors: list[BaseException] = []
    written: list[str] = []
    lock = threading.Lock()

    def worker(k: int) -> None:
        for i in range(25):
            kwh = 1.0 + (k * 25 + i) % 7  # shared systems and mixes across threads
            jid = f"t{k}-{i}"
            try:
                if i % 5 == 0:  # a batch that fails half-way: nothing of it may stay
                    def batch(jid: str = jid, kwh: float = kwh) -> Any:
                        yield make_job(kwh, job_id=f"{jid}-a", mix=f"{100 + k} gCO2e/kWh")
                        raise RuntimeError("writer gave up")

                    with pytest.raises(RuntimeError):
                        ledger.add_jobs(batch())
                ledger.add_job(make_job(kwh, job_id=jid, mix=f"{100 + k} gCO2e/kWh"))
                with lock:
                    written.append(jid)
            except BaseException as e:
                errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors, errors[:3]
    ids = sorted(j.record.id for j in ledger.jobs())
    ledger.close()
    assert ids == sorted(written) and len(ids) == 150
