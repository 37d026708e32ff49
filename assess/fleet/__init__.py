"""assess.fleet: request accounting engines over request logs at fleet scale.

The per-request arithmetic lives in :mod:`carbon` (device and model tables, the per-request
breakdown, partial sums); this package runs it over a pandas frame, a Parquet folder read
piecewise with pyarrow, or a Dask cluster, and joins the model table from a ledger.
"""

from __future__ import annotations

from assess.fleet._requests import (
    RequestReport,
    RequestTables,
    account_requests,
    device_table,
    model_table,
    model_table_from_ledger,
    partial_sums,
    read_devices,
    request_carbon,
    summarise,
)

__all__ = [
    "RequestReport",
    "RequestTables",
    "account_requests",
    "device_table",
    "model_table",
    "model_table_from_ledger",
    "partial_sums",
    "read_devices",
    "request_carbon",
    "summarise",
]
