"""Opening a ledger database: what may be opened, the SQLite connection settings, and the
refusal of a database that is not a modelcarbon ledger (checked before anything is written)."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, func, inspect, select

from lineage._errors import LedgerError, SchemaVersionError
from lineage._schema import SCHEMA_VERSION, migrations_t

__all__ = ["check_sqlite_file", "location_of", "open_engine", "refuse_foreign", "set_wal",
           "stored_version"]

_SQLITE_MAGIC = b"SQLite format 3\x00"


def location_of(url: Any) -> str:
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if not isinstance(url, str) or not url.strip():
        raise LedgerError("url", url, "a SQLite file path or a database URL such as "
                          "postgresql://user@host/db")
    return url


def check_sqlite_file(path: str, readonly: bool) -> None:
    """Refuse what is not a SQLite database before SQLite touches it."""
    if not os.path.exists(path):
        if readonly:
            raise LedgerError("ledger", path, "an existing ledger file (readonly: nothing "
                              "is created)")
        return
    if os.path.isdir(path):
        raise LedgerError("ledger", path, "a ledger file, not a folder")
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        raise LedgerError("ledger", path, f"a readable ledger file ({e.strerror})") from e
    if head and head != _SQLITE_MAGIC:
        raise LedgerError("ledger", path, "a readable modelcarbon ledger (this file is not a "
                          "SQLite database; it was left untouched)")
    if not head and readonly:
        raise LedgerError("ledger", path, "a modelcarbon ledger (this file is empty)")


def refuse_foreign(conn: Connection, url: str, readonly: bool) -> None:
    """A database with tables but no schema_migrations is not a ledger: never touch it."""
    try:
        tables = set(inspect(conn).get_table_names())
    except exc.DatabaseError as e:
        raise LedgerError("ledger", url, f"a modelcarbon ledger ({e.orig})") from e
    if tables and migrations_t.name not in tables:
        raise LedgerError("ledger", url, "a modelcarbon ledger (this database holds "
                          f"other tables: {', '.join(sorted(tables)[:5])}; left "
                          "untouched)")
    if not tables and readonly:
        raise LedgerError("ledger", url, "a modelcarbon ledger (this database is "
                          "empty; open it for writing to create one)")

def stored_version(conn: Connection, url: str) -> int:
    newest = conn.execute(select(func.max(migrations_t.c.version))).scalar_one()
    if newest is None:
        raise LedgerError("ledger", url, "a modelcarbon ledger (no schema version)")
    if int(newest) > SCHEMA_VERSION:
        raise SchemaVersionError("schema_version", newest,
                                 f"a ledger of schema version <= {SCHEMA_VERSION} (this "
                                 "one was written by a newer modelcarbon: upgrade)")
    return int(newest)


def sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" hook issue BEGIN IMMEDIATE
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def sqlite_connect_ro(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA query_only=ON")
    cur.close()


def sqlite_begin_ro(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def open_engine(url: Any, *, readonly: bool, timeout: float) -> tuple[str, Engine]:
    """(the SQLAlchemy URL, an engine) for a SQLite path or a database URL; a SQLite file is
    checked first, opened read-only (``mode=ro``) when asked, with its connection settings."""
    location = location_of(url)
    kwargs: dict[str, Any] = {}
    if "://" in location:
        full = location
    else:
        check_sqlite_file(location, readonly)
        full = (f"sqlite:///file:{os.path.abspath(location)}?mode=ro&uri=true" if readonly
                else f"sqlite:///{location}")
    if full.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": timeout}
    try:
        engine = create_engine(full, **kwargs)
    except (exc.ArgumentError, exc.NoSuchModuleError) as e:
        raise LedgerError("url", url, "a SQLite path or a SQLAlchemy database URL") from e
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", sqlite_connect_ro if readonly else sqlite_connect)
        event.listen(engine, "begin", sqlite_begin_ro if readonly else sqlite_begin)
    return full, engine


def set_wal(engine: Engine) -> None:
    """WAL mode for a SQLite ledger: persistent in the file, and not possible inside a
    transaction (so it is set once the file is known to be a ledger)."""
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()
