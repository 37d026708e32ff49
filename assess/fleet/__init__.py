"""assess.fleet: request accounting engines over request logs at fleet scale.

The per-request arithmetic lives in :mod:`carbon` (device and model tables, the per-request
breakdown, partial sums) and the ledger-to-table join in :mod:`lineage`; this package runs
them over a pandas frame, a Parquet folder read piecewise with pyarrow, or a Dask cluster
(:func:`account_requests`). The arithmetic's names are re-exported here.
"""

from __future__ import annotations

from assess.fleet._engine import WORKER_CONFIG, WORKER_ENV, account_requests, worker_config
from carbon import (
    PART_COLUMNS,
    RequestReport,
    RequestTables,
    device_table,
    model_table,
    partial_sums,
    read_devices,
    request_carbon,
    request_sums,
    summarise,
)
from lineage import model_table_from_ledger

__all__ = [
    "PART_COLUMNS",
    "WORKER_CONFIG",
    "WORKER_ENV",
    "RequestReport",
    "RequestTables",
    "account_requests",
    "device_table",
    "model_table",
    "model_table_from_ledger",
    "partial_sums",
    "read_devices",
    "request_carbon",
    "request_sums",
    "summarise",
    "worker_config",
]
