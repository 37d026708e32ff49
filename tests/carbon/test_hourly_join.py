"""The window join on dense hours (carbon._hourly_join) against a naive count, region codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

from carbon._hourly_join import DenseHours, HourJoin, region_codes
from carbon._utc import HOUR_NS


def test_region_codes_plain_and_categorical_agree() -> None:
    col = pd.Series(["FRA", "ESP", "DEU", "ESP", "ITA"])
    a = region_codes(col, ["DEU", "FRA"])
    b = region_codes(col.astype("category"), ["DEU", "FRA"])
    assert a[0].tolist() == [1, 2, 0, 2, 3] and a[1] == ["ESP", "ITA"]
    assert [b[1][c - 2] if c >= 2 else ["DEU", "FRA"][c] for c in b[0]] == col.tolist()


def test_an_empty_series_lacks_every_hour() -> None:
    d = DenseHours.from_codes(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0),
                              ["X"], "t")
    assert d.n_hours.tolist() == [0]
    j = HourJoin(d, np.zeros(1, np.int64), np.array([0]), np.array([3 * HOUR_NS]))
    assert j.missing.tolist() == [3]


@given(present=st.lists(st.booleans(), min_size=1, max_size=20),
       start=st.integers(-3 * HOUR_NS, 25 * HOUR_NS), length=st.integers(0, 6 * HOUR_NS))
@example(present=[True, False, True], start=HOUR_NS // 2, length=HOUR_NS)
def test_missing_hours_match_a_naive_count(present: list[bool], start: int, length: int) -> None:
    hours = np.flatnonzero(present).astype(np.int64)
    d = DenseHours.from_codes(np.zeros(len(hours), np.int64), hours + 5,
                              np.ones(len(hours)), ["X"], "t")
    t0 = start + 5 * HOUR_NS
    j = HourJoin(d, np.zeros(1, np.int64), np.array([t0]), np.array([t0 + length]))
    last = (t0 + length - 1) // HOUR_NS if length else t0 // HOUR_NS
    need = range(t0 // HOUR_NS, last + 1)
    have = set((hours + 5).tolist())
    assert j.missing.tolist() == [sum(h not in have for h in need)]
