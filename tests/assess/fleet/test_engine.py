"""The fleet engines (assess.fleet._engine, _parquet): Dask equals pandas, the same random logs
on a dask.distributed LocalCluster of 2 workers; Parquet read piecewise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from assess.fleet import account_requests
from assess.fleet._parquet import parquet_pieces
from carbon import (
    PART_COLUMNS,
    DataError,
    InvalidValueError,
    partial_sums,
    request_carbon,
    summarise,
)
from tests.carbon import request_logs as L

dd = pytest.importorskip("dask.dataframe")
pq = pytest.importorskip("pyarrow.parquet")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    # threads in this process keep the test fast; the benchmark uses worker processes.
    # No memory limit: in-process workers would measure the whole pytest process (torch and
    # the models of earlier tests loaded) against it, pause, and leave no valid worker.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=":0", memory_limit=0) as c:
        yield c


@pytest.fixture(scope="module")
def client(cluster: Any) -> Iterator[Any]:
    with distributed.Client(cluster) as c:
        yield c


def write_by_day(log: pd.DataFrame, root: Path) -> Path:
    """Parquet partitioned by UTC day, Hive style (logs/day=2026-03-01/part-0.parquet)."""
    for day, part in log.groupby(log["start"].dt.strftime("%Y-%m-%d")):
        d = root / f"day={day}"
        d.mkdir(parents=True)
        part.to_parquet(d / "part-0.parquet")
    return root


def assert_same_report(a: Any, b: Any) -> None:
    pd.testing.assert_frame_equal(a.by_key, b.by_key, rtol=1e-12)
    for name in ("by_model", "by_day", "by_region"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), rtol=1e-12)


@pytest.mark.parametrize("seed", [1, 2])
def test_dask_from_parquet_by_day_equals_pandas(tmp_path: Path, client: Any, seed: int) -> None:
    log = L.logs(4000, seed=seed)
    tables = L.tables(seed=seed)
    root = write_by_day(log, tmp_path / "logs")
    ref = account_requests(log, tables)
    got = account_requests(str(root), tables, client=client)
    assert_same_report(ref, got)
    per = got.per_request.compute().sort_index()
    assert per.index.name == "request_id"
    for c in PART_COLUMNS:
        assert per[c].to_numpy() == pytest.approx(ref.per_request[c].to_numpy(), rel=1e-12)


def test_glob_of_files_and_scheduler_address(tmp_path: Path, cluster: Any) -> None:
    log = L.logs(1500, seed=7, energy=False)
    tables = L.tables(share="requests")
    for i, a in enumerate(range(0, len(log), 500)):
        # request_id as a plain column: dask 2026.8 cannot read back the RangeIndex metadata
        # that pandas writes for a sliced frame
        log.iloc[a:a + 500].reset_index().to_parquet(tmp_path / f"part-{i}.parquet",
                                                     index=False)
    got = account_requests(str(tmp_path / "*.parquet"), tables,
                           scheduler=cluster.scheduler_address)
    assert_same_report(account_requests(log, tables), got)
    assert got.requests == 1500


def test_dask_dataframe_in_memory(client: Any) -> None:
    log = L.logs(1000, seed=9)
    tables = L.tables()
    got = account_requests(dd.from_pandas(log, npartitions=4), tables, client=client)
    assert_same_report(account_requests(log, tables), got)


def _where(log: pd.DataFrame, root: Path, request: int) -> str:
    """The file and row (from 0) ``write_by_day`` put ``request`` in, as an error names it."""
    day = log.loc[request, "start"].strftime("%Y-%m-%d")
    rows = log.index[log["start"].dt.strftime("%Y-%m-%d") == day]
    return (f"{root / f'day={day}' / 'part-0.parquet'}, row {list(rows).index(request)} "
            f"(from 0) (request_id {request})")


@pytest.mark.parametrize("where", ["client", "synchronous"])
def test_a_gap_on_a_worker_is_one_line_naming_file_and_row(tmp_path: Path, client: Any,
                                                          where: str) -> None:
    log = L.logs(200, seed=4)
    log.loc[7, "region"] = "ESP"
    root = write_by_day(log, tmp_path / "logs")
    kw: dict[str, Any] = {"client": client} if where == "client" else {
        "scheduler": "synchronous"}
    with pytest.raises(DataError, match="region 'ESP' has no hourly series") as info:
        account_requests(str(root), L.tables(), **kw)
    text = str(info.value)
    assert "\n" not in text and text.startswith(_where(log, root, 7) + ": ")


def test_an_error_in_a_dask_partition_names_the_partition_and_row(client: Any) -> None:
    log = L.logs(300, seed=5)
    log.loc[250, "region"] = "ESP"
    ddf = dd.from_pandas(log, npartitions=3)
    first = [len(p) for p in ddf.partitions[:2].to_delayed() for p in [p.compute()]]
    assert sum(first[:2]) <= 250  # row 250 is in the third partition
    for kw in ({"client": client}, {"scheduler": "synchronous"}):
        with pytest.raises(DataError, match=rf"^request log partition 2, row "
                           rf"{250 - sum(first[:2])} \(from 0\) \(request_id 250\): "):
            account_requests(ddf, L.tables(), **kw)


def test_a_missing_column_names_no_row(tmp_path: Path) -> None:
    log = L.logs(100, seed=6).drop(columns=["region"])
    log.to_parquet(tmp_path / "log.parquet")
    with pytest.raises(DataError) as info:
        account_requests(str(tmp_path / "log.parquet"), L.tables(), scheduler="synchronous")
    assert ", row " not in str(info.value)


@pytest.mark.parametrize("where", ["client", "synchronous"])
def test_progress_hears_of_every_partition(tmp_path: Path, client: Any, where: str) -> None:
    log = L.logs(2000, seed=7)
    root = write_by_day(log, tmp_path / "logs")
    kw: dict[str, Any] = {"client": client} if where == "client" else {
        "scheduler": "synchronous"}
    for source in (str(root), dd.from_pandas(log, npartitions=4)):
        calls: list[tuple[int, int]] = []
        got = account_requests(source, L.tables(), partition_rows=300,
                               progress=lambda done, total, c=calls: c.append((done, total)),
                               **kw)
        assert_same_report(account_requests(log, L.tables()), got)
        total = calls[0][1]
        assert calls == [(i, total) for i in range(total + 1)] and total > 1


@pytest.mark.slow
def test_worker_logs_never_reach_the_terminal(tmp_path: Path, capfd: Any) -> None:
    """A LocalCluster of one worker process started here: its failing task is one error,
    and neither the worker nor the scheduler writes a line."""
    log = L.logs(200, seed=8)
    log.loc[3, "region"] = "ESP"
    root = write_by_day(log, tmp_path / "logs")
    with pytest.raises(DataError, match=r"part-0.parquet, row \d+ \(from 0\) \(request_id 3\)"):
        account_requests(str(root), L.tables(), n_workers=1, memory_limit=None)
    captured = capfd.readouterr()
    assert "distributed" not in captured.err + captured.out, captured.err[-2000:]


def test_row_groups_make_the_partitions(tmp_path: Path, client: Any) -> None:
    log = L.logs(2500, seed=12)
    log["note"] = "not read"  # a column request_carbon does not use
    root = tmp_path / "logs"
    for day, part in log.groupby(log["start"].dt.strftime("%Y-%m-%d")):
        (root / f"day={day}").mkdir(parents=True)
        part.to_parquet(root / f"day={day}" / "part-0.parquet", row_group_size=100)
    pieces = parquet_pieces(str(root), partition_rows=250)
    assert pieces is not None
    sizes = [sum(pq.ParquetFile(f).metadata.row_group(i).num_rows for i in g)
             for f, g in zip(pieces.files, pieces.row_groups, strict=True)]
    assert max(sizes) <= 250 and "note" not in pieces.columns
    first = pieces.read(0)
    assert isinstance(first["model"].dtype, pd.CategoricalDtype)
    assert first.index.name == "request_id"
    assert sum(len(pieces.read(i)) for i in range(len(pieces.files))) == len(log)
    got = account_requests(str(root), L.tables(), client=client, partition_rows=250)
    assert_same_report(account_requests(log, L.tables()), got)
    assert got.per_request.npartitions == len(pieces.files)


def test_a_url_is_left_to_dask_and_nothing_found_is_an_error(tmp_path: Path) -> None:
    assert parquet_pieces("s3://bucket/logs/*.parquet", 1000) is None
    assert parquet_pieces(["a.parquet", "b.parquet"], 1000) is None
    with pytest.raises(DataError, match="Parquet"):
        parquet_pieces(str(tmp_path / "*.parquet"), 1000)


def test_pandas_engine_is_the_carbon_arithmetic() -> None:
    log = L.logs(500, seed=13)
    tables = L.tables()
    per = request_carbon(log, tables)
    assert_same_report(account_requests(log, tables), summarise(partial_sums(per)))


def test_synchronous_runs_a_parquet_folder_in_this_process(tmp_path: Path) -> None:
    log = L.logs(3000, seed=21)
    tables = L.tables()
    root = write_by_day(log, tmp_path / "logs")
    got = account_requests(str(root), tables, scheduler="synchronous", partition_rows=700)
    assert_same_report(account_requests(log, tables), got)
    assert got.per_request is None and got.requests == 3000
    ddf = dd.from_pandas(log, npartitions=3)
    assert_same_report(account_requests(log, tables),
                       account_requests(ddf, tables, scheduler="synchronous"))
    with pytest.raises(InvalidValueError, match="synchronous"):
        account_requests(str(root), tables, scheduler="threads")
