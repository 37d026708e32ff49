"""lineage._ledger_db: what may be opened as a ledger, checked before anything is written."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from lineage import LedgerError
from lineage._ledger_db import check_sqlite_file, location_of, open_engine, set_wal


@pytest.mark.parametrize("bad", [None, "", " ", 7, b"x.sqlite"])
def test_a_location_is_a_path_or_a_url(bad: object) -> None:
    with pytest.raises(LedgerError, match="url"):
        location_of(bad)


def test_locations_accepted() -> None:
    assert location_of(Path("a.sqlite")) == "a.sqlite"
    assert location_of("postgresql://u@h/db") == "postgresql://u@h/db"


def test_check_sqlite_file(tmp_path: Path) -> None:
    check_sqlite_file(str(tmp_path / "new.sqlite"), readonly=False)  # may be created
    with pytest.raises(LedgerError, match="existing"):
        check_sqlite_file(str(tmp_path / "new.sqlite"), readonly=True)
    with pytest.raises(LedgerError, match="folder"):
        check_sqlite_file(str(tmp_path), readonly=False)
    text = tmp_path / "t.txt"
    text.write_text("hello")
    with pytest.raises(LedgerError, match="not a SQLite database"):
        check_sqlite_file(str(text), readonly=False)
    db = tmp_path / "real.db"
    sqlite3.connect(db).execute("CREATE TABLE x (a)").connection.commit()
    check_sqlite_file(str(db), readonly=True)


def test_open_engine_read_only_url_and_wal(tmp_path: Path) -> None:
    db = tmp_path / "l.sqlite"
    url, engine = open_engine(str(db), readonly=False, timeout=5)
    assert url == f"sqlite:///{db}"
    set_wal(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
    url, engine = open_engine(str(db), readonly=True, timeout=5)
    assert "mode=ro" in url and os.path.abspath(db) in url
    engine.dispose()
