"""The engines' fast path (carbon._request_sums): the same partial sums as request_carbon then
partial_sums, to 1e-9, over random logs and tables; the same errors; the fallbacks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from carbon import (
    SUM_COLUMNS,
    DataError,
    InvalidValueError,
    UnknownKeyError,
    partial_sums,
    request_carbon,
    request_sums,
    summarise,
)
from carbon import _request_sums as fast_module
from tests.carbon import request_logs as L


def assert_same_sums(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    a, b = summarise(fast).by_key, summarise(slow).by_key
    assert a[["model", "day", "region"]].equals(b[["model", "day", "region"]])
    for c in SUM_COLUMNS:
        np.testing.assert_allclose(a[c].to_numpy(np.float64), b[c].to_numpy(np.float64),
                                   rtol=1e-9, atol=1e-12, err_msg=c)


def fast_path_taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record whether each call took the fast path."""
    taken: list[bool] = []
    real = fast_module._fast

    def spy(log: pd.DataFrame, tables: object) -> object:
        out = real(log, tables)  # type: ignore[arg-type]
        taken.append(out is not None)
        return out

    monkeypatch.setattr(fast_module, "_fast", spy)
    return taken


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 400), share=st.sampled_from(
    ["time", "requests"]), platform=st.booleans(), retrain=st.booleans(),
    categorical=st.booleans(), provenance=st.booleans(), long=st.booleans())
@example(seed=0, n=1, share="time", platform=False, retrain=False, categorical=False,
         provenance=False, long=False)
@example(seed=5, n=300, share="requests", platform=True, retrain=True, categorical=True,
         provenance=True, long=True)
def test_fast_sums_equal_the_per_request_path(seed: int, n: int, share: str, platform: bool,
                                              retrain: bool, categorical: bool,
                                              provenance: bool, long: bool) -> None:
    t = L.tables(share=share, platform=platform, retrain=retrain, seed=seed % 7)
    log = L.logs(n, seed=seed)
    rng = np.random.default_rng(seed)
    if long:  # windows of up to a day and a half, some of zero length
        log["duration [ms]"] = rng.choice([0.0, 1.0, 3.6e6, 1.3e8], n) * rng.uniform(0, 1, n)
        log["start"] = L.T0 + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    if provenance:
        log["energy_provenance"] = rng.choice(["measured", "estimated"], n)
    if categorical:
        for c in ("model", "device", "region"):
            log[c] = log[c].astype("category")
    fast = request_sums(log, t)
    assert_same_sums(fast, partial_sums(request_carbon(log, t)))


def test_the_fast_path_is_taken_on_a_plain_log(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = fast_path_taken(monkeypatch)
    request_sums(L.logs(100, seed=1), L.tables(platform=True, retrain=True))
    assert taken == [True]


@pytest.mark.parametrize("change", ["gap", "no energy", "no grid", "extra region"])
def test_what_the_fast_path_leaves_goes_the_per_request_way(
        change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    log = L.logs(300, seed=4)
    t = L.tables()
    if change == "gap":  # a request after the grid's last hour, charged the fallback
        from carbon import RequestTables
        log.loc[3, "start"] = L.T0 + pd.Timedelta(days=20)
        t = RequestTables(t.devices, t.models, t.grid, fallback="country")
        log.loc[3, "region"] = "DEU"
    elif change == "no energy":
        log = log.drop(columns="energy [J]")
    elif change == "no grid":
        t = L.tables(with_grid=False)
    else:
        from carbon import RequestTables
        t = RequestTables(t.devices, t.models, t.grid, fallback="country")
        log.loc[5, "region"] = "ESP"
    taken = fast_path_taken(monkeypatch)
    fast = request_sums(log, t)
    assert taken == [False]
    assert_same_sums(fast, partial_sums(request_carbon(log, t)))
    if change == "gap":
        assert int(fast["fallback_requests"].sum()) == 1


@pytest.mark.parametrize(("change", "error", "words"), [
    (lambda g: g.assign(**{"energy [J]": g["energy [J]"].where(g.index != 9, -1.0)}),
     InvalidValueError, r"energy \[kWh\]\[9\]"),
    (lambda g: g.assign(model=g["model"].where(g.index != 4, "gpt-9")), UnknownKeyError,
     "gpt-9"),
    (lambda g: g.assign(fraction=g["fraction"].where(g.index != 2, 1.5)), InvalidValueError,
     r"fraction\[2\]"),
])
def test_bad_rows_are_named_as_the_per_request_path_names_them(change: object, error: type,
                                                              words: str) -> None:
    log = change(L.logs(30, seed=8))  # type: ignore[operator]
    with pytest.raises(error, match=words):
        request_sums(log, L.tables())
    with pytest.raises(error, match=words):
        request_carbon(log, L.tables())


def test_an_empty_log_gives_no_sums() -> None:
    out = request_sums(L.logs(0), L.tables())
    assert len(out) == 0 and all(c in out.columns for c in SUM_COLUMNS)


def test_a_request_outside_every_retraining_interval_is_an_error_here_too() -> None:
    log = L.logs(40, seed=3)
    log.loc[0, "model"] = "bert"
    log.loc[0, "start"] = L.T0 - pd.Timedelta(days=5)
    with pytest.raises(DataError, match="retraining interval"):
        request_sums(log, L.tables(retrain=True, with_grid=False))
