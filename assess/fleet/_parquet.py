"""Local Parquet request logs read piecewise with pyarrow: only the columns that count.

A request log on disk is one or more Parquet files (a glob, or a directory partitioned by day,
``day=2026-03-01/part-0.parquet``). Each partition is a file's run of whole row groups of at
most ``partition_rows`` rows; only the columns :func:`carbon.request_carbon` reads are read,
the key columns as dictionaries (pandas categoricals: each distinct key decoded once).
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from typing import Any

import pandas as pd

from carbon import DataError, InvalidValueError, parse_header

__all__ = ["ParquetPieces", "parquet_pieces"]


#: The columns :func:`carbon.request_carbon` reads (besides ``duration [..]`` and ``energy [..]``);
#: the string ones among the first four and ``energy_provenance`` are read from Parquet as
#: dictionaries (pandas categoricals): each distinct key decoded once, not once per row.
_READ_COLUMNS = ("model", "start", "device", "region", "energy_provenance", "fraction")
_DICT_COLUMNS = ("model", "device", "region", "energy_provenance")
_PARQUET_SUFFIXES = (".parquet", ".parq", ".pq")


def _parquet_files(path: Any) -> list[str] | None:
    """The local Parquet files of a path, a glob or a directory (searched recursively, as a
    Hive layout ``day=2026-03-01/part-0.parquet``); None for a URL (left to Dask)."""
    if not isinstance(path, (str, os.PathLike)):
        return None  # a list of paths, a file object: left to Dask
    p = os.fspath(path)
    if "://" in p:
        return None
    found = sorted(glob.glob(p, recursive=True)) if glob.has_magic(p) else [p]
    files: list[str] = []
    for f in found:
        if os.path.isdir(f):
            files += sorted(os.path.join(d, n) for d, _, names in os.walk(f) for n in names
                            if n.endswith(_PARQUET_SUFFIXES) and not n.startswith((".", "_")))
        elif os.path.isfile(f):
            files.append(f)
    if not files:
        raise DataError("requests", p, "a Parquet file, a directory of them or a glob that "
                        "matches some")
    return files


def _read_piece(path: str, row_groups: tuple[int, ...], columns: list[str],
                dictionary: list[str]) -> pd.DataFrame:
    """Some row groups of one Parquet file as pandas: only ``columns`` (and the index the
    file's pandas metadata names), the ``dictionary`` columns as categoricals."""
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path, read_dictionary=dictionary)
    table = pf.read_row_groups(list(row_groups), columns=columns, use_threads=False,
                               use_pandas_metadata=True)
    frame: pd.DataFrame = table.to_pandas()
    return frame


@dataclass(frozen=True)
class ParquetPieces:
    """Where each partition of a local Parquet request log lies: a file and a run of its row
    groups (at most ``partition_rows`` rows, whole row groups), and what to read of it."""

    files: list[str]
    row_groups: list[tuple[int, ...]]
    columns: list[str]
    dictionary: list[str]

    def read(self, i: int) -> pd.DataFrame:
        return _read_piece(self.files[i], self.row_groups[i], self.columns, self.dictionary)

    def first_row(self, i: int) -> int:
        """The position in its file (from 0) of piece ``i``'s first row."""
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(self.files[i]).metadata
        return sum(meta.row_group(g).num_rows for g in range(min(self.row_groups[i],
                                                                  default=0)))

    def frame(self, dd: Any) -> Any:
        """The pieces as a lazy Dask DataFrame, one partition each."""
        meta = _read_piece(self.files[0], (), self.columns, self.dictionary)
        return dd.from_map(_read_piece, self.files, self.row_groups, columns=self.columns,
                           dictionary=self.dictionary, meta=meta, enforce_metadata=False,
                           label="read-requests")


def parquet_pieces(path: Any, partition_rows: int) -> ParquetPieces | None:
    """The partitions of local Parquet request logs: only the columns :func:`carbon.request_carbon`
    reads. None where this reader does not apply (a URL, or a key held in the directory
    names): the caller falls back to ``dask.dataframe.read_parquet``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if partition_rows < 1:
        raise InvalidValueError("partition_rows", partition_rows, "a number of rows >= 1")
    files = _parquet_files(path)
    if files is None:
        return None
    schema = pq.read_schema(files[0])
    names = list(schema.names)
    heads = {n: parse_header(n)[0] for n in names}
    columns = [n for n in names if n in _READ_COLUMNS or heads[n] in ("duration", "energy")]
    if any(c not in columns for c in ("model", "start", "device", "region")):
        return None  # e.g. region=DEU/ directories: Dask's reader adds those columns
    dictionary = [c for c in columns if c in _DICT_COLUMNS
                  and (pa.types.is_string(schema.field(c).type)
                       or pa.types.is_large_string(schema.field(c).type))]
    out = ParquetPieces([], [], columns, dictionary)
    for f in files:
        meta = pq.ParquetFile(f).metadata
        run: list[int] = []
        rows = 0
        for g in range(meta.num_row_groups):
            n = meta.row_group(g).num_rows
            if run and rows + n > partition_rows:
                out.files.append(f)
                out.row_groups.append(tuple(run))
                run, rows = [], 0
            run.append(g)
            rows += n
        if run:
            out.files.append(f)
            out.row_groups.append(tuple(run))
    if not out.files:
        raise DataError("requests", os.fspath(path), "Parquet files with at least one row "
                        "group")
    return out
