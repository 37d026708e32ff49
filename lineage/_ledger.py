"""The ledger: the book of record for products, edges, jobs, systems, facilities and mixes.

Written through SQLAlchemy Core, so a PostgreSQL URL works with the same code; a plain path
opens (or creates) a SQLite file in WAL mode with foreign keys on. Every write is one
transaction: a writer killed mid-way leaves the ledger as it was before that transaction,
and several processes may write at once (SQLite takes the write lock at ``BEGIN IMMEDIATE``
and waits for it up to ``timeout`` seconds). One ``Ledger`` may be shared by threads: what a
transaction wrote is trusted by later ones only once it committed.

``Ledger(url, readonly=True)`` opens an existing ledger for reading only: it never creates a
file, never migrates, and works on a read-only file. A database that is not a modelcarbon
ledger (an SQLite file with other tables, a file that is not SQLite at all) is refused, never
modified.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    delete,
    exc,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from carbon import InvalidValueError, Job, magnitude, quantity
from lineage._edges import edge_spec, job_facts
from lineage._errors import LedgerError, UnknownProductError
from lineage._graph import ProvenanceGraph
from lineage._json import _usage_value
from lineage._kinds import Phase, ProductKind, parse
from lineage._ledger_db import open_engine, refuse_foreign, set_wal, stored_version
from lineage._reported import ReportedCarbon
from lineage._schema import (
    SCHEMA_VERSION,
    edges_t,
    facilities_t,
    job_systems_t,
    jobs_t,
    migrate,
    mixes_t,
    products_t,
    systems_t,
)
from lineage._serial import digest, dumps, mix_to_dict, record_from_dict, record_to_dict

__all__ = ["Ledger", "LedgerJob"]

Record = Job | ReportedCarbon


@dataclass(frozen=True, slots=True)
class LedgerJob:
    """A job as stored: the record, where it is attached, its ASC^e and provenance."""

    seq: int
    record: Job | ReportedCarbon
    product: str | None
    phase: str | None
    carbon_g: float
    provenance: str

    @property
    def carbon(self) -> Any:
        """ASC^e of the job [gCO2e quantity]."""
        return quantity(self.carbon_g, "gCO2e")


def _utc(t: datetime | None) -> str | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Ledger:
    """A ledger at ``url``: a SQLite file path, or any SQLAlchemy URL (PostgreSQL).

    Opening migrates the schema to the newest version (``schema_version``).

    >>> import tempfile, os
    >>> from lineage import ProvenanceGraph
    >>> g = ProvenanceGraph(); g.add_model("m", name="a model")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with Ledger(os.path.join(d, "ledger.sqlite")) as ledger:
    ...         ledger.save(g)
    ...         ledger.load() == g
    True
    """

    def __init__(self, url: str | os.PathLike[str], *, timeout: float = 60.0,
                 upto: int = SCHEMA_VERSION, readonly: bool = False) -> None:
        self.readonly = bool(readonly)
        self.url, self.engine = open_engine(url, readonly=self.readonly, timeout=timeout)
        self._sqlite = self.engine.dialect.name == "sqlite"
        self._lock = threading.Lock()
        self._known: set[str] = set()  # content-addressed rows committed by this instance
        self._ignore: dict[str, Any] = {}
        try:
            with self._tx() as conn:  # look before touching anything
                refuse_foreign(conn, self.url, self.readonly)
                if self.readonly:
                    self.schema_version = stored_version(conn, self.url)
            if not self.readonly:
                if self._sqlite:
                    set_wal(self.engine)
                with self._tx() as conn:
                    self.schema_version = migrate(conn, upto)
        except exc.OperationalError as e:
            self.engine.dispose()
            raise LedgerError("ledger", self.url, f"a usable database ({e.orig})") from e
        except BaseException:
            self.engine.dispose()
            raise

    # plumbing -------------------------------------------------------------------------
    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _tx(self, *, write: bool = False) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on any error.

        The content-addressed rows it inserted are trusted by later transactions (of any
        thread) only after it committed: a rolled-back batch leaves nothing cached.
        """
        if write and self.readonly:
            raise LedgerError("ledger", self.url, "a ledger opened for writing (this one was "
                              "opened with readonly=True)")
        for attempt in range(20):
            conn = self.engine.connect()
            try:
                trans = conn.begin()
                break
            except exc.OperationalError as e:
                conn.close()
                if "locked" in str(e).lower() and attempt < 19:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                raise LedgerError("ledger", self.url, f"a writable database ({e.orig})") from e
        conn.info["pending"] = set()
        try:
            yield conn
            trans.commit()
            with self._lock:
                self._known |= conn.info["pending"]
        except exc.IntegrityError as e:
            trans.rollback()
            raise LedgerError("ledger", self.url, f"consistent rows ({e.orig})") from e
        except exc.OperationalError as e:
            trans.rollback()
            raise LedgerError("ledger", self.url, f"a writable database ({e.orig})") from e
        except BaseException:
            trans.rollback()
            raise
        finally:
            conn.close()

    def _insert_ignore(self, conn: Connection, table: Any, row: dict[str, Any]) -> None:
        """Insert a content-addressed row unless it is there (known ids skip the database)."""
        with self._lock:
            known = row["id"] in self._known
        if known:
            return
        stmt = self._ignore.get(table.name)
        if stmt is None:
            ins = sqlite.insert(table) if self._sqlite else postgresql.insert(table)
            stmt = self._ignore[table.name] = ins.on_conflict_do_nothing()
        conn.execute(stmt, row)
        conn.info["pending"].add(row["id"])

    # writing ---------------------------------------------------------------------------
    def _write_job(self, conn: Connection, record: Record, product: str | None,
                   phase: str | None) -> int:
        carbon_g, prov, source, _ = job_facts(record)
        is_job = isinstance(record, Job)
        row = {
            "id": record.id, "product_id": product, "phase": phase,
            "type": "job" if is_job else "reported", "name": record.name,
            "carbon_g": carbon_g, "provenance": prov, "source": source,
            "start_utc": _utc(record.start) if isinstance(record, Job) else None,
            "end_utc": _utc(record.end) if isinstance(record, Job) else None,
            "duration_s": (magnitude(record.duration, "s", "duration")
                           if isinstance(record, Job) and record.duration is not None
                           else None),
            "body": dumps(record_to_dict(record)),
        }
        key = conn.execute(jobs_t.insert(), row).inserted_primary_key
        assert key is not None
        seq = int(key[0])
        if isinstance(record, Job):
            for k, use in enumerate(record.energy):
                sys_ = use.system
                fac = sys_.facility
                mix = mix_to_dict(fac.mix)
                mix_id = digest(mix)
                self._insert_ignore(conn, mixes_t,
                                    {"id": mix_id, "type": mix["type"], "body": dumps(mix)})
                fac_row = {"name": fac.name, "pue": fac.pue, "mix_id": mix_id}
                fac_id = digest(fac_row)
                self._insert_ignore(conn, facilities_t, {"id": fac_id, **fac_row})
                sys_row = {"name": sys_.name,
                           "embodied_g": None if sys_.embodied is None else
                           magnitude(sys_.embodied, "gCO2e", "embodied"),
                           "lifetime_s": magnitude(sys_.lifetime, "s", "lifetime"),
                           "facility_id": fac_id, "source": sys_.source}
                if sys_.embodied_unknown is not None:  # the id of a known system is unchanged
                    sys_row["embodied_unknown"] = sys_.embodied_unknown
                sys_id = digest(sys_row)
                self._insert_ignore(conn, systems_t, {"id": sys_id, **sys_row})
                conn.execute(job_systems_t.insert(), {
                    "job_seq": seq, "position": k, "system_id": sys_id,
                    "energy_kwh": magnitude(use.energy, "kWh", "energy"),
                    "provenance": str(use.provenance)})
        return seq

    def _check_target(self, conn: Connection, product: str | None,
                      phase: str | None) -> str | None:
        if product is None:
            if phase is not None:
                raise InvalidValueError("phase", phase, "no phase for a job not attached to "
                                        "a product (give product= too)")
            return None
        if phase is None:
            raise InvalidValueError("phase", None, "a phase for a job attached to a product")
        ph = parse(Phase, phase, "phase").value
        found = conn.execute(select(products_t.c.id).where(products_t.c.id == product)).first()
        if found is None:
            raise UnknownProductError("product", product, "a product saved in this ledger "
                                      "(save the graph first)")
        return ph

    def add_job(self, job: Record, product: str | None = None, phase: str | None = None) -> int:
        """Append one job in its own transaction; its sequence number in the ledger.

        ``product`` and ``phase`` attach it to a saved product (both, or neither).
        """
        with self._tx(write=True) as conn:
            ph = self._check_target(conn, product, phase)
            return self._write_job(conn, job, product, ph)

    def add_jobs(self, jobs: Iterable[Record | tuple[Record, str | None, str | None]]) -> int:
        """Append many jobs in one transaction (all or none); how many were written.

        Each item is a record, or ``(record, product, phase)``.
        """
        n = 0
        with self._tx(write=True) as conn:
            for item in jobs:
                rec, product, phase = item if isinstance(item, tuple) else (item, None, None)
                ph = self._check_target(conn, product, phase)
                self._write_job(conn, rec, product, ph)
                n += 1
        return n

    def save(self, graph: ProvenanceGraph) -> None:
        """Replace the ledger's graph (products, edges, attached jobs) by ``graph``, at once.

        Jobs appended without a product are kept. A graph whose edges or jobs name a
        product never added is refused (the ledger keeps referential integrity).
        """
        missing = [p for p in graph.validate().problems if p.code == "missing_node"]
        if missing:
            raise LedgerError("graph", missing[0].value, "a graph whose edges and jobs name "
                              "added products only (validate() lists them)")
        products = []
        for k, pid in enumerate(graph.products()):
            a = graph.product(pid)
            products.append({
                "id": pid, "seq": k, "kind": a["kind"], "name": a["name"],
                "lifetime_s": None if a["lifetime"] is None else float(a["lifetime"].m_as("s")),
                "revision": a["revision"], "licence": a["licence"], "task": a["task"],
                "source": a["source"]})
        edges = [
            {"parent": e["parent"], "child": e["child"], "seq": k, "kind": e["kind"],
             "policy": e["policy"], "share": e["share"], "usage": e["usage"],
             "usage_unit": e["usage_unit"]}
            for k, e in enumerate(graph.edges())
        ]
        with self._tx(write=True) as conn:
            attached = select(jobs_t.c.seq).where(jobs_t.c.product_id.is_not(None))
            conn.execute(delete(job_systems_t).where(job_systems_t.c.job_seq.in_(attached)))
            conn.execute(delete(jobs_t).where(jobs_t.c.product_id.is_not(None)))
            conn.execute(delete(edges_t))
            conn.execute(delete(products_t))
            if products:
                conn.execute(products_t.insert(), products)
            if edges:
                conn.execute(edges_t.insert(), edges)
            for j in graph.jobs():
                self._write_job(conn, j.record, j.product, j.phase)

    # one change at a time (each its own transaction) --------------------------------------
    def add_product(self, id: str, *, kind: str, name: str, lifetime: Any = None,
                    revision: str | None = None, licence: str | None = None,
                    task: str | None = None, source: str | None = None) -> None:
        """Append one product (checked as the graph's ``add_<kind>`` checks it)."""
        probe = ProvenanceGraph()
        kw: dict[str, Any] = {"name": name, "lifetime": lifetime, "revision": revision,
                              "licence": licence, "source": source}
        if kind == "model":
            kw["task"] = task
        getattr(probe, f"add_{parse(ProductKind, kind, 'kind').value}")(id, **kw)
        a = probe.nx.nodes[id]
        with self._tx(write=True) as conn:
            if conn.execute(select(products_t.c.id).where(products_t.c.id == id)).first():
                raise InvalidValueError("id", id, "a new product id (this one exists)")
            seq = conn.execute(select(func.coalesce(func.max(products_t.c.seq) + 1, 0))
                               ).scalar_one()
            conn.execute(products_t.insert().values(
                id=id, seq=seq, kind=a["kind"], name=a["name"],
                lifetime_s=None if a["lifetime"] is None else float(a["lifetime"].m_as("s")),
                revision=a["revision"], licence=a["licence"], task=a["task"],
                source=a["source"]))

    def derive(self, child: str, parent: str, kind: str, *, share: Any = None,
               policy: str | None = None, usage: Any = None) -> None:
        """Append one edge (checked as :meth:`ProvenanceGraph.derive` checks it; both
        products must be in the ledger)."""
        spec = edge_spec(child, parent, kind, share=share, policy=policy, usage=usage)
        with self._tx(write=True) as conn:
            for pid in (child, parent):
                if not conn.execute(select(products_t.c.id).where(products_t.c.id == pid)
                                    ).first():
                    raise UnknownProductError("product", pid, "a product in this ledger")
            if conn.execute(select(edges_t.c.seq).where(
                    (edges_t.c.parent == parent) & (edges_t.c.child == child))).first():
                raise InvalidValueError("parent", parent, f"one edge {parent} -> {child}")
            seq = conn.execute(select(func.coalesce(func.max(edges_t.c.seq) + 1, 0))
                               ).scalar_one()
            conn.execute(edges_t.insert().values(parent=parent, child=child, seq=seq,
                                                 **spec.attrs()))

    def remove_edge(self, child: str, parent: str) -> None:
        """Delete the edge ``parent -> child``."""
        with self._tx(write=True) as conn:
            n = conn.execute(delete(edges_t).where(
                (edges_t.c.parent == parent) & (edges_t.c.child == child))).rowcount
            if not n:
                raise UnknownProductError("edge", (parent, child), "an edge in this ledger")

    def remove_job(self, job_id: str) -> None:
        """Delete one job by its id."""
        with self._tx(write=True) as conn:
            seqs = select(jobs_t.c.seq).where(jobs_t.c.id == job_id)
            conn.execute(delete(job_systems_t).where(job_systems_t.c.job_seq.in_(seqs)))
            if not conn.execute(delete(jobs_t).where(jobs_t.c.id == job_id)).rowcount:
                raise UnknownProductError("job_id", job_id, "the id of a job in this ledger")

    def remove_product(self, id: str) -> None:
        """Delete a product with its edges and jobs."""
        with self._tx(write=True) as conn:
            seqs = select(jobs_t.c.seq).where(jobs_t.c.product_id == id)
            conn.execute(delete(job_systems_t).where(job_systems_t.c.job_seq.in_(seqs)))
            conn.execute(delete(jobs_t).where(jobs_t.c.product_id == id))
            conn.execute(delete(edges_t).where((edges_t.c.parent == id)
                                               | (edges_t.c.child == id)))
            if not conn.execute(delete(products_t).where(products_t.c.id == id)).rowcount:
                raise UnknownProductError("product", id, "a product in this ledger")

    # reading ---------------------------------------------------------------------------
    def load(self) -> ProvenanceGraph:
        """The graph as saved (and with jobs appended since), in the order it was built."""
        graph = ProvenanceGraph()
        with self._tx() as conn:
            prows = conn.execute(select(products_t).order_by(products_t.c.seq)).mappings().all()
            erows = conn.execute(select(edges_t).order_by(edges_t.c.seq)).mappings().all()
            jrows = conn.execute(
                select(jobs_t.c.product_id, jobs_t.c.phase, jobs_t.c.body)
                .where(jobs_t.c.product_id.is_not(None)).order_by(jobs_t.c.seq)).all()
        for r in prows:
            kw: dict[str, Any] = {
                "name": r["name"], "revision": r["revision"], "licence": r["licence"],
                "source": r["source"],
                "lifetime": None if r["lifetime_s"] is None else quantity(r["lifetime_s"], "s")}
            if r["kind"] == "model":
                graph.add_model(r["id"], task=r["task"], **kw)
            elif r["kind"] == "dataset":
                graph.add_dataset(r["id"], **kw)
            else:
                graph.add_platform(r["id"], **kw)
        for r in erows:
            graph.derive(r["child"], r["parent"], r["kind"], share=r["share"],
                         policy=r["policy"], usage=_usage_value(dict(r)))
        for product, phase, body in jrows:
            graph.add_job(product, record_from_dict(json.loads(body)), phase=phase)
        return graph

    def jobs(self, product: str | None = None) -> list[LedgerJob]:
        """Stored jobs (all, or those of one product), in the order they were written."""
        q = select(jobs_t.c.seq, jobs_t.c.product_id, jobs_t.c.phase, jobs_t.c.carbon_g,
                   jobs_t.c.provenance, jobs_t.c.body).order_by(jobs_t.c.seq)
        if product is not None:
            q = q.where(jobs_t.c.product_id == product)
        with self._tx() as conn:
            rows = conn.execute(q).all()
        return [LedgerJob(seq, record_from_dict(json.loads(body)), pid, phase, c, prov)
                for seq, pid, phase, c, prov, body in rows]

    def count_jobs(self) -> int:
        """How many jobs are stored."""
        with self._tx() as conn:
            return int(conn.execute(select(func.count()).select_from(jobs_t)).scalar_one())


