"""The fleet engines: request accounting over a pandas frame, Parquet pieces or Dask.

The arithmetic is :mod:`carbon`'s (:func:`carbon.request_carbon`, :func:`carbon.partial_sums`,
:func:`carbon.summarise`); this module only runs it. On Dask each partition (a Parquet piece,
or a partition of a Dask DataFrame) is reduced where it lies to its partial sums, the small
tables (:class:`carbon.RequestTables`) scattered to every worker once. Dask is imported
lazily: pandas users need not install it.
"""

from __future__ import annotations

import contextlib
import importlib
import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd

from assess.fleet._parquet import ParquetPieces, parquet_pieces
from carbon import (
    InvalidValueError,
    RequestReport,
    RequestTables,
    partial_sums,
    request_carbon,
    request_sums,
    summarise,
)

__all__ = ["WORKER_CONFIG", "WORKER_ENV", "account_requests", "worker_config"]


def _partition(pdf: pd.DataFrame, tables: RequestTables) -> pd.DataFrame:
    """A partition's partial sums (the fast path: no per-request frame)."""
    return request_sums(pdf, tables)


def _piece_sums(pieces: ParquetPieces, i: int, tables: RequestTables) -> pd.DataFrame:
    """Read one piece and reduce it in the same task: only the partial sums leave it."""
    return _partition(pieces.read(i), tables)


#: Environment for the worker processes of a LocalCluster started here. distributed sets
#: ``MALLOC_TRIM_THRESHOLD_`` in workers, which also turns off glibc's adaptive mmap
#: threshold: every array above 128 KiB is then mmapped afresh and page-faulted in, which
#: measured 3-4x the page faults and about 40 % more CPU per partition. Arrays up to 32 MiB
#: (4M float64 rows) come from the heap again; trimming still returns freed memory.
WORKER_ENV = {"MALLOC_MMAP_THRESHOLD_": 32 * 2**20}


#: Dask settings for the workers of a LocalCluster started here: the statistical profiler
#: (a thread sampling every worker's stack every 10 ms) measured about 10 % of the CPU time.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False}


@contextlib.contextmanager
def worker_config() -> Iterator[None]:
    """Start LocalCluster workers inside this block: with :data:`WORKER_ENV` in their
    environment and :data:`WORKER_CONFIG` in their Dask config."""
    dask = importlib.import_module("dask")
    with dask.config.set({**{f"distributed.nanny.pre-spawn-environ.{k}": v
                             for k, v in WORKER_ENV.items()}, **WORKER_CONFIG}):
        yield


@contextlib.contextmanager
def _dask_pandas_deprecations() -> Iterator[None]:
    """Silence only pandas 3.1's deprecation of ``inplace=`` as raised inside dask's Parquet
    reader (dask 2026.8 still calls ``reset_index(inplace=True)``); nothing else."""
    category = getattr(pd.errors, "Pandas4Warning", DeprecationWarning)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword", category=category)
        yield


def _synchronous(log: Any, tables: RequestTables, partition_rows: int) -> RequestReport:
    """Every piece read and reduced in the calling process, one after the other (no cluster,
    no Dask needed for local Parquet); a Dask DataFrame is computed with Dask's synchronous
    scheduler. ``per_request`` is None: re-run :func:`carbon.request_carbon` on a piece."""
    pieces = parquet_pieces(log, partition_rows) if not hasattr(log, "map_partitions") \
        else None
    if pieces is not None:
        return summarise([_piece_sums(pieces, i, tables) for i in range(len(pieces.files))])
    dd = importlib.import_module("dask.dataframe")
    ddf = log if isinstance(log, dd.DataFrame) else dd.read_parquet(log)
    meta = partial_sums(request_carbon(ddf._meta, tables))
    partials = ddf.map_partitions(_partition, tables, meta=meta).compute(
        scheduler="synchronous")
    return summarise(partials)


def account_requests(log: Any, tables: RequestTables, *, scheduler: str | None = None,
                     n_workers: int = 2, threads_per_worker: int = 1,
                     memory_limit: str | None = "4GiB", client: Any = None,
                     partition_rows: int = 1_000_000) -> RequestReport:
    """ASC^e of every request of ``log`` and its aggregates per model, per day, per region.

    ``log`` is a pandas DataFrame (computed here, in memory), a Dask DataFrame, or a path or
    glob of Parquet files (``'logs/*.parquet'`` or a directory partitioned by day) read with
    ``dask.dataframe.read_parquet``. ``scheduler="synchronous"`` runs every partition in the
    calling process, one after the other (no cluster; local Parquet needs no Dask; the report's
    ``per_request`` is then None). On Dask, :func:`request_carbon` and
    :func:`partial_sums` run per partition with ``map_partitions``; ``tables`` is scattered to
    every worker once. ``scheduler`` is a ``tcp://`` address of a running
    ``dask.distributed`` scheduler; without one (and without ``client``) a ``LocalCluster`` of
    ``n_workers`` processes starts for the call and stops after it. The report's
    ``per_request`` is then a lazy Dask DataFrame (write it with ``.to_parquet``).

    Local Parquet is read with pyarrow directly: only the columns :func:`request_carbon`
    uses, the key columns as dictionaries (categoricals), one partition per run of a file's
    row groups of at most ``partition_rows`` rows (a file's row group is never split: write
    row groups of about a million rows); each task reads its piece and reduces it, so only
    the partial sums move. Other sources go through ``dask.dataframe.read_parquet`` and
    ``map_partitions``. A LocalCluster started here runs under :func:`worker_config`, its
    scheduler's HTTP routes on a free port (``":0"``: without a dashboard they would still
    take port 8787, and a second cluster on the machine would fail to start).
    """
    if isinstance(log, pd.DataFrame):
        per = request_carbon(log, tables)
        return summarise(partial_sums(per), per_request=per)
    if scheduler == "synchronous" and client is None:
        return _synchronous(log, tables, partition_rows)

    if scheduler is not None and "://" not in scheduler:
        raise InvalidValueError("scheduler", scheduler,
                                "'synchronous' or a dask.distributed address 'tcp://host:port'")
    dd = importlib.import_module("dask.dataframe")  # lazily: pandas users need no dask
    distributed = importlib.import_module("distributed")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    own: list[Any] = []
    with contextlib.ExitStack() as stack:
        stack.enter_context(_dask_pandas_deprecations())
        stack.callback(lambda: [c.close() for c in own])
        if client is None:
            if scheduler is None:
                with worker_config():
                    cluster = LocalCluster(n_workers=n_workers,
                                           threads_per_worker=threads_per_worker,
                                           memory_limit=memory_limit, processes=True,
                                           dashboard_address=":0")
                own.append(cluster)
                client = Client(cluster)
            else:
                client = Client(scheduler)
            own.insert(0, client)
        pieces = None if isinstance(log, dd.DataFrame) else parquet_pieces(log,
                                                                            partition_rows)
        [shared] = client.scatter([tables], broadcast=True, hash=False)
        if pieces is not None:
            # local Parquet: one task per piece reads it and reduces it (no frame of requests
            # moves between tasks or workers); the same _partition as map_partitions runs
            [spieces] = client.scatter([pieces], broadcast=True, hash=False)
            futures = client.map(_piece_sums, [spieces] * len(pieces.files),
                                 range(len(pieces.files)), tables=shared, pure=False)
            partials = pd.concat(client.gather(futures), ignore_index=True)
            ddf = pieces.frame(dd)
        else:
            ddf = log if isinstance(log, dd.DataFrame) else dd.read_parquet(log)
            meta = partial_sums(request_carbon(ddf._meta, tables))
            partials = client.compute(ddf.map_partitions(_partition, shared,
                                                         meta=meta)).result()
        per = ddf.map_partitions(request_carbon, tables,
                                 meta=request_carbon(ddf._meta, tables))
        return summarise(partials, per_request=per)
    raise AssertionError("unreachable")  # pragma: no cover
