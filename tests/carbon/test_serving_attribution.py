"""Attribution of serving logs (carbon._serving_attribution): the worked example of
specs/serving.md, conservation over random logs against an oracle, the idle modes, the
estimate's labels and errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from carbon import (
    ECOLOGITS_ERROR,
    InvalidValueError,
    UnitMismatchError,
    UnknownKeyError,
    attribute_serving,
    read_serving_log,
)
from tests.carbon import serving_logs as S


@pytest.fixture
def example_log(tmp_path: Path) -> Path:
    return S.write_jsonl(tmp_path / "log.jsonl", S.spec_jsonl())


def test_worked_example_of_the_spec(example_log: Path) -> None:
    a = attribute_serving(example_log, parameters={"llm-8b": 8.0})
    want = S.spec_table()
    got = a.requests
    assert got["request"].tolist() == want["request"].tolist()
    for col, mine in (("prefill", "prefill_energy [J]"), ("decode", "decode_energy [J]"),
                      ("idle", "idle_energy [J]"), ("energy", "energy [J]")):
        np.testing.assert_allclose(got[mine], want[col], atol=5e-5, err_msg=col)
    np.testing.assert_allclose(got["duration [s]"], want["duration"], atol=5e-3)
    assert got["energy_provenance"].astype(str).tolist() == want["provenance"].tolist()
    assert a.idle["status"].tolist() == ["charged", "unattributed", "charged"]
    assert a.idle_energy("unattributed") == 200.0
    assert got["energy [J]"].sum() + 200.0 == pytest.approx(
        1500 + 1000 + 500 + 200 + 100 + a.batches["energy [J]"].iloc[2], rel=1e-12)


def test_the_estimate_is_labelled_sourced_and_never_zero(example_log: Path) -> None:
    a = attribute_serving(example_log, parameters={"llm-8b": 8.0})
    r5 = a.requests.iloc[4]
    assert r5["energy_provenance"] == "estimated" and r5["energy_error"] == ECOLOGITS_ERROR
    assert "EcoLogits" in r5["energy_source"] and "joss.07471" in r5["energy_source"]
    assert r5["prefill_energy [J]"] + r5["decode_energy [J]"] > 0
    assert (a.requests["energy_error"].iloc[:4] == "").all()
    # two GPUs per model: twice the estimate
    b = attribute_serving(example_log, parameters={"llm-8b": 8.0}, gpus={"llm-8b": 2})
    assert b.batches["energy [J]"].iloc[2] == pytest.approx(2 * a.batches["energy [J]"].iloc[2])


def test_an_unmeasured_batch_needs_the_models_parameters(example_log: Path) -> None:
    with pytest.raises(UnknownKeyError, match="llm-8b"):
        attribute_serving(example_log)
    with pytest.raises(InvalidValueError, match="gpus"):
        attribute_serving(example_log, parameters={"llm-8b": 8.0}, gpus={"llm-8b": 0})


def test_idle_apart_charges_nothing_and_reports_it(example_log: Path) -> None:
    a = attribute_serving(example_log, idle="apart", parameters={"llm-8b": 8.0})
    assert (a.requests["idle_energy [J]"] == 0).all()
    assert (a.idle["status"] == "apart").all() and a.idle_energy("apart") == 800.0
    span = (a.batches["end"] - a.batches["start"]).dt.total_seconds()
    per = a.requests["batch"].map(dict(zip(a.batches["batch"], span, strict=True)))
    np.testing.assert_allclose(a.requests["duration [s]"], per / a.requests["batch_size"])


def test_idle_split_per_request_and_one_window(example_log: Path) -> None:
    a = attribute_serving(example_log, idle_split="requests", parameters={"llm-8b": 8.0})
    assert a.requests["idle_energy [J]"].iloc[:4].tolist() == [125.0] * 4
    whole = attribute_serving(example_log, idle_window=None, parameters={"llm-8b": 8.0})
    assert whole.idle_energy("unattributed") == 0.0
    assert whole.requests["idle_energy [J]"].sum() == pytest.approx(800.0, rel=1e-12)


def test_an_idle_row_is_cut_at_window_boundaries(tmp_path: Path) -> None:
    text = S.spec_jsonl() + ('{"kind":"idle","device":"gpu0","start":"2026-03-01T09:30:00Z",'
                             '"end":"2026-03-01T10:30:00Z","energy [J]":60.0}\n')
    a = attribute_serving(S.write_jsonl(tmp_path / "l.jsonl", text),
                          parameters={"llm-8b": 8.0})
    cut = a.idle[a.idle["start"] == pd.Timestamp("2026-03-01T09:30Z")]
    assert cut["energy [J]"].tolist() == [30.0] and cut["status"].tolist() == ["unattributed"]
    assert a.requests["idle_energy [J]"].iloc[:4].sum() == pytest.approx(530.0, rel=1e-12)


def test_prefill_share_given(example_log: Path) -> None:
    a = attribute_serving(example_log, prefill_share=0.5, parameters={"llm-8b": 8.0})
    assert a.batches["prefill_energy [J]"].iloc[1] == 500.0
    assert a.batches["prefill_energy [J]"].iloc[0] == 300.0  # measured apart: kept
    with pytest.raises(InvalidValueError):
        attribute_serving(example_log, prefill_share=1.5, parameters={"llm-8b": 8.0})


@pytest.mark.parametrize(("kw", "err"), [({"idle": "share"}, InvalidValueError),
                                         ({"idle_split": "time"}, InvalidValueError),
                                         ({"idle_window": "0 s"}, InvalidValueError),
                                         ({"idle_window": "5 J"}, UnitMismatchError)])
def test_bad_options(example_log: Path, kw: dict[str, object], err: type) -> None:
    with pytest.raises(err):
        attribute_serving(example_log, parameters={"llm-8b": 8.0}, **kw)  # type: ignore[arg-type]


def test_unmeasured_idle_is_reported_not_charged(tmp_path: Path) -> None:
    text = S.spec_jsonl().replace('"energy [J]":500.0', '"energy [J]":null')
    a = attribute_serving(S.write_jsonl(tmp_path / "l.jsonl", text), parameters={"llm-8b": 8})
    assert a.idle["status"].tolist()[0] == "unmeasured"
    assert a.requests["idle_energy [J]"].iloc[:4].tolist() == [0.0] * 4


@settings(max_examples=40)
@given(S.serving_frames(), st.sampled_from(["energy", "requests"]),
       st.sampled_from(["1 hour", "10 min", None]))
@example((pd.DataFrame(columns=["request", "batch", "model", "device", "region", "start",
                                "first_token", "end", "prompt_tokens", "completion_tokens"]),
          pd.DataFrame([{"kind": "batch", "batch": "b0", "device": "gpu0", "start": S.T0,
                         "end": S.T0, "energy [J]": 5.0}])), "energy", "1 hour")
@example((pd.DataFrame([{"request": "r", "batch": "b0", "model": "llm-8b", "device": "gpu0",
                         "region": "FRA", "start": S.T0, "first_token": S.T0, "end": S.T0,
                         "prompt_tokens": 0, "completion_tokens": 0}]),
          pd.DataFrame([{"kind": "batch", "batch": "b0", "device": "gpu0", "start": S.T0,
                         "end": S.T0, "energy [J]": 7.0},
                        {"kind": "idle", "device": "gpu0", "start": S.T0,
                         "end": S.T0 + pd.Timedelta("2h"), "energy [J]": 9.0}])),
         "energy", "1 hour")
def test_energy_is_conserved(frames: tuple[pd.DataFrame, pd.DataFrame], split: str,
                             window: str | None) -> None:
    """sum_j energy_j + unattributed + apart == batches (measured or estimated) + idle."""
    req, bat = frames
    for mode in ("charge", "apart"):
        a = attribute_serving((req, bat), idle=mode, idle_split=split,  # type: ignore[arg-type]
                              idle_window=window, parameters=S.PARAMETERS)
        got = (a.requests["energy [J]"].sum() + a.idle_energy("unattributed")
               + a.idle_energy("apart"))
        want = S.balance(bat.assign(kind=bat.get("kind", "batch")), S.PARAMETERS, req)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-9)
        r = a.requests
        assert (r[["prefill_energy [J]", "decode_energy [J]", "idle_energy [J]"]] >= 0).all().all()
        np.testing.assert_allclose(r["energy [J]"], r["prefill_energy [J]"]
                                   + r["decode_energy [J]"] + r["idle_energy [J]"], rtol=1e-12)
        # per batch, the requests carry exactly the batch's energy
        per_batch = (r["prefill_energy [J]"] + r["decode_energy [J]"]).groupby(r["batch"]).sum()
        used = a.batches.set_index("batch")["energy [J]"].reindex(per_batch.index)
        np.testing.assert_allclose(per_batch, used, rtol=1e-9, atol=1e-9)


def test_large_logs_are_vectorised() -> None:
    """200k requests in one vectorised pass (a loop per row would take minutes)."""
    import time

    n = 200_000
    rng = np.random.default_rng(1)
    size = 8
    batch = np.arange(n) // size
    start = S.T0 + pd.to_timedelta(batch * 10, unit="s")
    req = pd.DataFrame({"request": np.arange(n).astype(str), "batch": batch.astype(str),
                        "model": "llm-8b", "device": "gpu0", "region": "FRA", "start": start,
                        "first_token": start + pd.Timedelta("1s"),
                        "end": start + pd.Timedelta("8s"),
                        "prompt_tokens": rng.integers(0, 500, n),
                        "completion_tokens": rng.integers(0, 500, n)})
    nb = n // size
    bstart = S.T0 + pd.to_timedelta(np.arange(nb) * 10, unit="s")
    bat = pd.DataFrame({"kind": "batch", "batch": np.arange(nb).astype(str), "device": "gpu0",
                        "start": bstart, "end": bstart + pd.Timedelta("8s"),
                        "energy [J]": rng.uniform(100, 1000, nb)})
    t = time.perf_counter()
    a = attribute_serving(read_serving_log((req, bat)))
    assert time.perf_counter() - t < 60
    assert a.requests["energy [J]"].sum() == pytest.approx(bat["energy [J]"].sum(), rel=1e-9)
