"""Serving logs (carbon._serving): JSON lines, Parquet and pandas read into the same validated
log; units in headers; every rule of specs/serving.md an error naming file, row and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from carbon import (
    DataError,
    InvalidValueError,
    ModelCarbonError,
    ServingLog,
    UnitMismatchError,
    read_serving_log,
)
from tests.carbon import serving_logs as S


def lines() -> list[dict[str, Any]]:
    return [json.loads(x) for x in S.spec_jsonl().splitlines() if x.strip()]


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = lines()
    req = pd.DataFrame([r for r in rows if r["kind"] == "request"]).drop(columns="kind")
    bat = pd.DataFrame([r for r in rows if r["kind"] != "request"])
    return req, bat


def same(a: ServingLog, b: ServingLog) -> None:
    for t in ("requests", "batches", "idle"):
        x, y = getattr(a, t).drop(columns="row"), getattr(b, t).drop(columns="row")
        pd.testing.assert_frame_equal(x.reset_index(drop=True), y.reset_index(drop=True),
                                      check_dtype=False)


def test_jsonl_reads_the_spec_example(tmp_path: Path) -> None:
    log = read_serving_log(S.write_jsonl(tmp_path / "log.jsonl", S.spec_jsonl()))
    assert len(log.requests) == 5 and len(log.batches) == 3 and len(log.idle) == 3
    assert log.requests["start"].dt.tz is not None
    assert log.requests["prompt_tokens"].dtype == "int64"
    assert log.batches["energy [J]"].isna().tolist() == [False, False, True]
    # b2 measured only its total: the parts stay unknown (NaN), never zero
    assert log.batches["prefill_energy [J]"].isna().tolist() == [False, True, True]
    assert log.where("requests", 0) == f"{tmp_path / 'log.jsonl'} line 2"


def test_pandas_parquet_and_jsonl_agree(tmp_path: Path) -> None:
    req, bat = frames()
    from_frames = read_serving_log((req, bat))
    from_jsonl = read_serving_log(S.write_jsonl(tmp_path / "log.jsonl", lines()))
    (tmp_path / "pq").mkdir()
    req.to_parquet(tmp_path / "pq" / "requests.parquet")
    bat.to_parquet(tmp_path / "pq" / "batches.parquet")
    from_dir = read_serving_log(tmp_path / "pq")
    from_paths = read_serving_log([tmp_path / "pq" / "requests.parquet",
                                   tmp_path / "pq" / "batches.parquet"])
    for other in (from_jsonl, from_dir, from_paths):
        same(from_frames, other)
    assert read_serving_log(from_dir) is from_dir


def test_energy_units_in_headers_are_converted_once() -> None:
    req, bat = frames()
    bat = bat.rename(columns={"energy [J]": "energy [kWh]"})
    bat["energy [kWh]"] = bat["energy [kWh]"] / 3.6e6
    log = read_serving_log((req, bat))
    assert log.batches["energy [J]"].iloc[1] == pytest.approx(1000.0, rel=1e-12)
    bad = frames()[1].rename(columns={"energy [J]": "energy [kg]"})
    with pytest.raises(UnitMismatchError):
        read_serving_log((req, bad))


def test_parts_complete_the_total_and_must_agree() -> None:
    req, bat = frames()
    bat.loc[0, "energy [J]"] = None  # both parts, no total: their sum
    assert read_serving_log((req, bat)).batches["energy [J]"].iloc[0] == 1500.0
    req, bat = frames()
    bat.loc[0, "decode_energy [J]"] = None  # one part and the total: the other by difference
    assert read_serving_log((req, bat)).batches["decode_energy [J]"].iloc[0] == 1200.0
    req, bat = frames()
    bat.loc[0, "energy [J]"] = 1400.0
    with pytest.raises(InvalidValueError, match="batches frame row 0: energy"):
        read_serving_log((req, bat))


def bad_case(change: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    req, bat = frames()
    if change == "duplicate request":
        req.loc[1, "request"] = "r1"
    elif change == "duplicate batch":
        bat.loc[bat["batch"] == "b2", "batch"] = "b1"
    elif change == "unknown batch":
        req.loc[2, "batch"] = "b9"
    elif change == "other device":
        req.loc[2, "device"] = "gpu7"
    elif change == "end before start":
        req.loc[3, "end"] = "2026-03-01T09:00:00Z"
    elif change == "first token late":
        req.loc[3, "first_token"] = "2026-03-01T10:05:00Z"
    elif change == "negative tokens":
        req.loc[4, "prompt_tokens"] = -1
    elif change == "fractional tokens":
        req["completion_tokens"] = req["completion_tokens"].astype(float)
        req.loc[4, "completion_tokens"] = 1.5
    elif change == "negative energy":
        bat.loc[1, "energy [J]"] = -5.0
    elif change == "batch end before start":
        bat.loc[1, "end"] = "2026-03-01T09:00:00Z"
    elif change == "kind":
        bat.loc[1, "kind"] = "nap"
    elif change == "provenance":
        bat.loc[1, "energy_provenance"] = "guessed"
    elif change == "bad time":
        req.loc[0, "start"] = "yesterday"
    elif change == "missing model":
        req = req.drop(columns="model")
    elif change == "empty model":
        req.loc[0, "model"] = ""
    return req, bat


@pytest.mark.parametrize(("change", "where"), [
    ("duplicate request", "requests frame row 1: request"),
    ("duplicate batch", "batches frame row 2: batch"),
    ("unknown batch", "requests frame row 2: batch"),
    ("other device", "requests frame row 2: device"),
    ("end before start", "requests frame row 3: end"),
    ("first token late", "requests frame row 3: first_token"),
    ("negative tokens", "requests frame row 4: prompt_tokens"),
    ("fractional tokens", "requests frame row 4: completion_tokens"),
    ("negative energy", "batches frame row 1: energy [J]"),
    ("batch end before start", "batches frame row 1: end"),
    ("kind", "batches frame row 1: kind"),
    ("provenance", "batches frame row 1: energy_provenance"),
    ("bad time", "requests frame row 0: start"),
    ("missing model", "requests frame: columns"),
    ("empty model", "requests frame row 0: model"),
])
def test_errors_name_row_and_field(change: str, where: str) -> None:
    with pytest.raises(ModelCarbonError) as info:
        read_serving_log(bad_case(change))
    assert info.value.field == where, str(info.value)


def test_jsonl_errors_name_the_line(tmp_path: Path) -> None:
    rows = lines()
    rows[5]["prompt_tokens"] = -3  # line 6
    path = S.write_jsonl(tmp_path / "log.jsonl", rows)
    with pytest.raises(InvalidValueError, match=r"log\.jsonl line 6: prompt_tokens"):
        read_serving_log(path)
    path.write_text(S.spec_jsonl() + "{not json\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 12"):
        read_serving_log(path)
    path.write_text('{"kind": "step"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 1: kind"):
        read_serving_log(path)


def test_blank_lines_and_a_log_of_only_idle(tmp_path: Path) -> None:
    text = "\n" + '{"kind":"idle","device":"g","start":"2026-03-01T00:00Z",' \
        '"end":"2026-03-01T01:00Z","energy [Wh]":10}\n\n'
    log = read_serving_log(S.write_jsonl(tmp_path / "idle.jsonl", text))
    assert len(log.requests) == 0 and len(log.batches) == 0
    assert log.idle["energy [J]"].tolist() == [36000.0]


@pytest.mark.parametrize("source", ["nowhere.jsonl", "log.csv", 3])
def test_unreadable_sources(tmp_path: Path, source: Any) -> None:
    with pytest.raises(DataError):
        read_serving_log(tmp_path / source if isinstance(source, str) else source)


def test_directory_without_both_files(tmp_path: Path) -> None:
    frames()[0].to_parquet(tmp_path / "requests.parquet")
    with pytest.raises(DataError, match=r"batches\.parquet"):
        read_serving_log(tmp_path)
