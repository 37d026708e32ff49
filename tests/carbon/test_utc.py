"""The one UTC conversion (carbon._utc): every timestamp to int64 nanoseconds since the epoch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carbon import DataError
from carbon._utc import DAY_NS, HOUR_NS, utc_ns

WANT = 1_772_326_800_000_000_000  # 2026-03-01T01:00Z


@pytest.mark.parametrize("values", [
    pd.Series(pd.to_datetime(["2026-03-01T01:00Z"])),
    pd.Series(pd.to_datetime(["2026-03-01T01:00"])),  # naive: read as UTC
    pd.DatetimeIndex(["2026-03-01T02:00"]).tz_localize("Europe/Paris"),
    pd.Series(["2026-03-01T03:00+02:00"]),
    pd.DatetimeIndex(["2026-03-01T01:00"]).as_unit("s"),
    np.array(["2026-03-01T01:00"], dtype="datetime64[us]"),
])
def test_every_form_gives_the_same_nanoseconds(values: object) -> None:
    assert utc_ns(values, "t").tolist() == [WANT]  # type: ignore[arg-type]


def test_missing_and_unreadable_timestamps_are_errors() -> None:
    with pytest.raises(DataError, match="NaT"):
        utc_ns(pd.Series([pd.Timestamp("2026-03-01"), pd.NaT]), "start")
    with pytest.raises(DataError, match="start"):
        utc_ns(pd.Series(["not a time"]), "start")


def test_hour_and_day() -> None:
    assert pd.Timedelta(HOUR_NS, "ns") == pd.Timedelta(hours=1)
    assert pd.Timedelta(DAY_NS, "ns") == pd.Timedelta(days=1)
