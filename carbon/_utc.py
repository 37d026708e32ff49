"""Timestamps as integer nanoseconds since the Unix epoch, UTC: the one conversion.

Every hourly computation (:class:`carbon.HourlyIntensity`, the hourly grid and its join, the
request accounting) turns its timestamps into int64 nanoseconds here; a naive timestamp is
read as UTC (the time zone of ``specs/hourly_schema.md``), an aware one is converted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from carbon._errors import DataError
from carbon._lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")  # imported on first use: carbon's formulas need no pandas

__all__ = ["DAY_NS", "HOUR_NS", "utc_ns"]

#: Nanoseconds in an hour and in a day (UTC has no leap seconds in pandas' epoch time).
HOUR_NS = 3_600 * 10**9  # pd.Timedelta(hours=1).value
DAY_NS = 24 * HOUR_NS


def utc_ns(values: pd.Series | pd.Index | np.ndarray, field: str) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch, UTC; naive values are read as UTC.

    >>> utc_ns(pd.Series(pd.to_datetime(["2026-01-01T01:00Z"])), "start").tolist()
    [1767229200000000000]
    >>> utc_ns(pd.DatetimeIndex(["2026-01-01T01:00"]), "naive").tolist()
    [1767229200000000000]
    >>> utc_ns(pd.Series(["2026-01-01T02:00+01:00"]), "offset").tolist()
    [1767229200000000000]
    """
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[ns]").view(np.int64)
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype)
                                                 and dtype.kind == "M"):
        idx = pd.DatetimeIndex(values)
    else:
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(values, utc=True, format="ISO8601"))
        except (TypeError, ValueError, OverflowError) as e:
            raise DataError(field, _first(values), "timestamps (ISO 8601, UTC)") from e
    if idx.tz is not None:
        idx = idx.tz_convert("UTC")
    if idx.hasnans:
        raise DataError(field, "a missing timestamp (NaT)", "a timestamp in every row")
    return np.asarray(idx.as_unit("ns").asi8, dtype=np.int64)


def _first(values: Any) -> Any:
    try:
        return next(iter(values))
    except StopIteration:
        return None
