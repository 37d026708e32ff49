"""The fleet engines: request accounting over a pandas frame, Parquet pieces or Dask.

The arithmetic is :mod:`carbon`'s (:func:`carbon.request_carbon`, :func:`carbon.partial_sums`,
:func:`carbon.summarise`); this module only runs it. On Dask each partition (a Parquet piece,
or a partition of a Dask DataFrame) is reduced where it lies to its partial sums, the small
tables (:class:`carbon.RequestTables`) scattered to every worker once. Dask is imported
lazily: pandas users need not install it.

An error inside a partition comes out as one :class:`carbon.DataError` naming the Parquet
file (or the partition) and the first row that fails; the logs of Dask's workers, scheduler
and client stay off the user's terminal; ``progress`` hears of every partition reduced.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from assess.fleet._parquet import ParquetPieces, parquet_pieces
from carbon import (
    DataError,
    InvalidValueError,
    ModelCarbonError,
    RequestReport,
    RequestTables,
    partial_sums,
    request_carbon,
    request_sums,
    summarise,
)

__all__ = ["WORKER_CONFIG", "WORKER_ENV", "account_requests", "worker_config"]

#: Called with (partitions reduced, partitions in all) as each partition is done.
Progress = Callable[[int, int], None]
#: A logging level above CRITICAL: Dask's log lines never reach the user's terminal (an error
#: is raised, as one line, instead).
SILENT = logging.CRITICAL + 1


def _first_failing_row(pdf: pd.DataFrame, tables: RequestTables) -> int | None:
    """The position of the first row at which ``pdf``'s partial sums fail (a bisection over
    prefixes, run only after the whole partition failed); None for an error of no row (the
    partition fails without any: a missing column, a wrong type)."""
    try:
        request_sums(pdf.iloc[:0], tables)
    except ModelCarbonError:
        return None
    good, bad = 0, len(pdf)  # the first `good` rows pass, the first `bad` rows fail
    while bad - good > 1:
        mid = (good + bad) // 2
        try:
            request_sums(pdf.iloc[:mid], tables)
            good = mid
        except ModelCarbonError:
            bad = mid
    return bad - 1


def _located(e: ModelCarbonError, pdf: pd.DataFrame, tables: RequestTables, where: str,
             first_row: int = 0) -> DataError:
    """``e`` as one line naming ``where`` (a file, a partition) and the first failing row."""
    row = _first_failing_row(pdf, tables)
    at = where
    if row is not None:
        label = pdf.index[row]
        label = label.item() if hasattr(label, "item") else label  # np.int64(7) is 7
        named = f" ({pdf.index.name} {label!r})" if pdf.index.name else ""
        at = f"{where}, row {first_row + row} (from 0){named}"
    return DataError(at, e.value, e.expected, f"{at}: {' '.join(str(e).split())}")


def _partition(pdf: pd.DataFrame, tables: RequestTables,
               partition_info: dict[str, Any] | None = None) -> pd.DataFrame:
    """A partition's partial sums (the fast path: no per-request frame); an error names the
    partition (Dask passes ``partition_info``) and its first failing row."""
    try:
        return request_sums(pdf, tables)
    except ModelCarbonError as e:
        number = None if partition_info is None else partition_info.get("number")
        raise _located(e, pdf, tables, "request log" if number is None else
                       f"request log partition {number}") from e


def _piece_sums(pieces: ParquetPieces, i: int, tables: RequestTables) -> pd.DataFrame:
    """Read one piece and reduce it in the same task: only the partial sums leave it. An
    error names the file and the row in it."""
    pdf = pieces.read(i)
    try:
        return request_sums(pdf, tables)
    except ModelCarbonError as e:
        raise _located(e, pdf, tables, pieces.files[i], pieces.first_row(i)) from e


@contextlib.contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    """Dask's loggers in this process (client, scheduler of a LocalCluster) say nothing."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(SILENT)
    try:
        yield
    finally:
        logger.setLevel(level)


def _gather(client: Any, futures: list[Any], progress: Progress | None) -> list[Any]:
    """The futures' results in order, telling ``progress`` of each as it finishes."""
    if progress is not None:
        as_completed = importlib.import_module("distributed").as_completed
        progress(0, len(futures))
        for done, _ in enumerate(as_completed(futures), start=1):
            progress(done, len(futures))
    return list(client.gather(futures))


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


def _synchronous(log: Any, tables: RequestTables, partition_rows: int,
                 progress: Progress | None) -> RequestReport:
    """Every piece read and reduced in the calling process, one after the other (no cluster,
    no Dask needed for local Parquet); a Dask DataFrame is computed with Dask's synchronous
    scheduler, a partition at a time. ``per_request`` is None: re-run
    :func:`carbon.request_carbon` on a piece."""
    tell = progress or (lambda done, total: None)
    pieces = parquet_pieces(log, partition_rows) if not hasattr(log, "map_partitions") \
        else None
    if pieces is not None:
        n = len(pieces.files)
        tell(0, n)
        partials = []
        for i in range(n):
            partials.append(_piece_sums(pieces, i, tables))
            tell(i + 1, n)
        return summarise(partials)
    dask = importlib.import_module("dask")
    dd = importlib.import_module("dask.dataframe")
    ddf = log if isinstance(log, dd.DataFrame) else dd.read_parquet(log)
    meta = partial_sums(request_carbon(ddf._meta, tables))
    parts = ddf.map_partitions(_partition, tables, meta=meta).to_delayed()
    tell(0, len(parts))
    frames = []
    for i, part in enumerate(parts):
        frames.append(dask.compute(part, scheduler="synchronous")[0])
        tell(i + 1, len(parts))
    return summarise(pd.concat(frames, ignore_index=True))


def account_requests(log: Any, tables: RequestTables, *, scheduler: str | None = None,
                     n_workers: int = 2, threads_per_worker: int = 1,
                     memory_limit: str | None = "4GiB", client: Any = None,
                     partition_rows: int = 1_000_000,
                     progress: Progress | None = None) -> RequestReport:
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

    An error in a partition is one :class:`carbon.DataError` naming the file (or partition)
    and its first failing row; Dask's own log lines (workers of a LocalCluster started here,
    this process's client and scheduler) are silenced. ``progress(done, total)`` is called
    as partitions are reduced (from 0; not for a pandas frame).
    """
    if isinstance(log, pd.DataFrame):
        per = request_carbon(log, tables)
        return summarise(partial_sums(per), per_request=per)
    if scheduler == "synchronous" and client is None:
        return _synchronous(log, tables, partition_rows, progress)

    if scheduler is not None and "://" not in scheduler:
        raise InvalidValueError("scheduler", scheduler,
                                "'synchronous' or a dask.distributed address 'tcp://host:port'")
    dd = importlib.import_module("dask.dataframe")  # lazily: pandas users need no dask
    distributed = importlib.import_module("distributed")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    own: list[Any] = []
    with contextlib.ExitStack() as stack:
        stack.enter_context(_dask_pandas_deprecations())
        stack.enter_context(_quiet_dask_logs())
        stack.callback(lambda: [c.close() for c in own])
        if client is None:
            if scheduler is None:
                with worker_config():
                    cluster = LocalCluster(n_workers=n_workers,
                                           threads_per_worker=threads_per_worker,
                                           memory_limit=memory_limit, processes=True,
                                           dashboard_address=":0", silence_logs=SILENT)
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
            partials = pd.concat(_gather(client, futures, progress), ignore_index=True)
            ddf = pieces.frame(dd)
        else:
            ddf = log if isinstance(log, dd.DataFrame) else dd.read_parquet(log)
            meta = partial_sums(request_carbon(ddf._meta, tables))
            parts = ddf.map_partitions(_partition, shared, meta=meta).to_delayed()
            partials = pd.concat(_gather(client, client.compute(parts), progress),
                                 ignore_index=True)
        per = ddf.map_partitions(request_carbon, tables,
                                 meta=request_carbon(ddf._meta, tables))
        return summarise(partials, per_request=per)
    raise AssertionError("unreachable")  # pragma: no cover
