"""The ledger's tables (SQLAlchemy Core, portable SQL) and its numbered migrations.

Tables: ``schema_migrations`` (one row per applied migration), ``mixes``, ``facilities``,
``systems`` (content-addressed: the id is a hash of the row's content, so the same system
written by two processes is one row), ``products``, ``edges``, ``jobs`` (the whole record as
JSON plus indexed columns) and ``job_systems`` (which systems a job used, with its energy).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    select,
    text,
)

from lineage._errors import SchemaVersionError

__all__ = ["SCHEMA_VERSION", "metadata", "migrate"]

metadata = MetaData()

migrations_t = Table(
    "schema_migrations", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", String(40), nullable=False),
)
mixes_t = Table(
    "mixes", metadata,
    Column("id", String(32), primary_key=True),
    Column("type", String(20), nullable=False),
    Column("body", Text, nullable=False),
)
facilities_t = Table(
    "facilities", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(400), nullable=False),
    Column("pue", Float, nullable=False),
    Column("mix_id", String(32), ForeignKey("mixes.id"), nullable=False),
)
systems_t = Table(
    "systems", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(400), nullable=False),
    Column("embodied_g", Float),  # NULL: unknown (embodied_unknown says why), from v3
    Column("embodied_unknown", Text),
    Column("lifetime_s", Float, nullable=False),
    Column("facility_id", String(32), ForeignKey("facilities.id"), nullable=False),
    Column("source", Text),
)
products_t = Table(
    "products", metadata,
    Column("id", String(400), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("lifetime_s", Float),
    Column("revision", String(200)),
    Column("licence", String(200)),
    Column("task", String(200)),
    Column("source", Text),
)
edges_t = Table(
    "edges", metadata,
    Column("parent", String(400), ForeignKey("products.id"), primary_key=True),
    Column("child", String(400), ForeignKey("products.id"), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("kind", String(30), nullable=False),
    Column("policy", String(20), nullable=False),
    Column("share", Float),
    Column("usage", Float),
    Column("usage_unit", String(100)),
)
jobs_t = Table(
    "jobs", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("id", String(64), nullable=False),
    Column("product_id", String(400), ForeignKey("products.id")),
    Column("phase", String(20)),
    Column("type", String(10), nullable=False),
    Column("name", Text),
    Column("carbon_g", Float, nullable=False),
    Column("provenance", String(80), nullable=False),
    Column("source", Text),
    Column("start_utc", String(40)),
    Column("end_utc", String(40)),
    Column("duration_s", Float),
    Column("body", Text, nullable=False),
    UniqueConstraint("id", name="uq_jobs_id"),
)
job_systems_t = Table(
    "job_systems", metadata,
    Column("job_seq", Integer, ForeignKey("jobs.seq", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("system_id", String(32), ForeignKey("systems.id"), nullable=False),
    Column("energy_kwh", Float, nullable=False),
    Column("provenance", String(20), nullable=False),
)

_BASE_TABLES = (mixes_t, facilities_t, systems_t, products_t, edges_t, jobs_t, job_systems_t)
_INDEXES = (
    Index("ix_jobs_product", jobs_t.c.product_id),
    Index("ix_jobs_provenance", jobs_t.c.provenance),
    Index("ix_jobs_start", jobs_t.c.start_utc),
    Index("ix_edges_child", edges_t.c.child),
    Index("ix_job_systems_system", job_systems_t.c.system_id),
)


def _v1(conn: Connection) -> None:
    for t in _BASE_TABLES:
        t.create(conn, checkfirst=True)


def _v2(conn: Connection) -> None:
    for ix in _INDEXES:
        ix.create(conn, checkfirst=True)


def _v3(conn: Connection) -> None:
    """systems.embodied_g may be NULL (unknown embodied carbon), with embodied_unknown."""
    cols = {c["name"] for c in inspect(conn).get_columns("systems")}
    if "embodied_unknown" in cols:  # created at v1 from the current table definitions
        return
    conn.execute(text("ALTER TABLE systems ADD COLUMN embodied_unknown TEXT"))
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE systems ALTER COLUMN embodied_g DROP NOT NULL"))
        return
    # SQLite cannot drop a NOT NULL constraint with ALTER TABLE; removing one changes no
    # stored content, so the table's definition is edited in place (SQLite's documented
    # procedure for such changes, "ALTER TABLE", section 7), inside this transaction.
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema=ON")
    conn.exec_driver_sql(
        "UPDATE sqlite_schema SET sql = replace(sql, 'embodied_g FLOAT NOT NULL', "
        "'embodied_g FLOAT') WHERE type = 'table' AND name = 'systems'")
    conn.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema=OFF")


#: (version, name, step): applied in order, each once, inside the opening transaction.
MIGRATIONS: tuple[tuple[int, str, Callable[[Connection], None]], ...] = (
    (1, "base tables: mixes, facilities, systems, products, edges, jobs, job_systems", _v1),
    (2, "indexes on jobs (product, provenance, start), edges (child), job_systems", _v2),
    (3, "systems: embodied carbon may be unknown (embodied_g NULL, embodied_unknown)", _v3),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def migrate(conn: Connection, upto: int = SCHEMA_VERSION) -> int:
    """Bring the schema to version ``upto`` inside the caller's transaction; the version.

    Safe with several processes opening one ledger at once: SQLite serialises the
    transactions (``BEGIN IMMEDIATE``), PostgreSQL takes a transaction-level advisory lock.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7419023)"))
    migrations_t.create(conn, checkfirst=True)
    applied = set(conn.execute(select(migrations_t.c.version)).scalars())
    newest = max(applied, default=0)
    if newest > SCHEMA_VERSION:
        raise SchemaVersionError("schema_version", newest,
                                 f"a ledger of schema version <= {SCHEMA_VERSION} (this one "
                                 "was written by a newer modelcarbon: upgrade to open it)")
    for version, name, step in MIGRATIONS:
        if version in applied or version > upto:
            continue
        step(conn)
        conn.execute(migrations_t.insert().values(
            version=version, name=name, applied_at=datetime.now(UTC).isoformat()))
        newest = max(newest, version)
    return newest
