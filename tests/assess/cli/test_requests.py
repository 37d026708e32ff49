"""``modelcarbon requests``: wiring from files (ledger, devices, grid, Parquet logs) to CSVs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from assess.cli._requests import register_requests
from assess.fleet import account_requests
from carbon import InvalidValueError, RequestTables, read_devices, read_hourly
from tests.carbon import request_logs as L

lineage = pytest.importorskip("lineage")
pytest.importorskip("distributed")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    g = lineage.ProvenanceGraph()
    for m in L.MODELS:
        g.add_model(m, name=m, lifetime="2 year")
        g.add_job(m, lineage.ReportedCarbon(carbon="500 kgCO2e", source="t"), phase="training")
    with lineage.Ledger(str(tmp_path / "ledger.sqlite")) as book:
        book.save(g)
    pd.DataFrame({"device": list(L.DEVICES), "pue": [1.2, 1.4, 1.1],
                  "embodied [kgCO2e]": [2500, 1800, 900], "lifetime [year]": [4, 5, 6],
                  "power [W]": [700, 400, 150]}).to_csv(tmp_path / "devices.csv", index=False)
    hourly = []
    for r in L.REGIONS:
        h = L.grid().hourly(r)
        hourly.append(pd.DataFrame({"region": r, "hour_start": h.series.index,
                                    "intensity [kgCO2e/MWh]": h.series.to_numpy(),
                                    "source": h.source, "kind": "average",
                                    "basis": "lifecycle"}))
    pd.concat(hourly).to_csv(tmp_path / "hourly.csv", index=False)
    log = L.logs(600, seed=21)
    for day, part in log.groupby(log["start"].dt.strftime("%Y-%m-%d")):
        (tmp_path / "logs" / f"day={day}").mkdir(parents=True)
        part.to_parquet(tmp_path / "logs" / f"day={day}" / "part-0.parquet")
    log.to_parquet(tmp_path / "all.parquet")
    return {"root": tmp_path, "ledger": tmp_path / "ledger.sqlite",
            "devices": tmp_path / "devices.csv", "grid": tmp_path / "hourly.csv",
            "logs": tmp_path / "logs", "all": tmp_path / "all.parquet"}


def app() -> typer.Typer:
    a = typer.Typer()
    register_requests(a)

    @a.callback()
    def _root() -> None:
        """Test app."""

    return a


def test_requests_command_writes_the_aggregates(files: dict[str, Path]) -> None:
    out = files["root"] / "out"
    res = CliRunner().invoke(app(), [
        "requests", str(files["logs"]), "--ledger", str(files["ledger"]),
        "--devices", str(files["devices"]), "--grid", str(files["grid"]),
        "--parallel-jobs", "8", "--workers", "2", "--memory-limit", "1GiB", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "ASC^e by model" in res.output and "600 requests" in res.output
    got = pd.read_csv(out / "by_model.csv", index_col=0)
    # the same numbers as the library on the same inputs, in memory
    tables = RequestTables(read_devices(files["devices"]),
                           lineage.model_table_from_ledger(str(files["ledger"]),
                                                           parallel_jobs=8),
                           read_hourly(files["grid"]))
    ref = account_requests(pd.read_parquet(files["all"]), tables).by_model
    assert got["asc_e [gCO2e]"].to_numpy() == pytest.approx(ref["asc_e [gCO2e]"].to_numpy(),
                                                           rel=1e-9)
    for name in ("by_day.csv", "by_region.csv", "by_model_day_region.csv"):
        assert (out / name).exists()


def test_constant_fallback_needs_a_source(files: dict[str, Path]) -> None:
    res = CliRunner().invoke(app(), [
        "requests", str(files["logs"]), "--ledger", str(files["ledger"]),
        "--devices", str(files["devices"]), "--grid", str(files["grid"]),
        "--parallel-jobs", "8", "--fallback", "300 gCO2e/kWh"])
    assert isinstance(res.exception, InvalidValueError)
    assert "--fallback-source" in str(res.exception)


# ------------------------------------------------------------------ serving logs
def serving_text() -> str:
    from tests.carbon import serving_logs as S

    return S.spec_jsonl().replace("llm-8b", "llm-7b").replace("gpu0", "h100")


def serving_args(files: dict[str, Path], log: Path, *extra: str) -> list[str]:
    return ["requests", str(log), "--ledger", str(files["ledger"]), "--devices",
            str(files["devices"]), "--grid", str(files["grid"]), "--parallel-jobs", "8",
            "--parameters", "llm-7b=7", *extra]


def test_serving_jsonl_prints_per_token_figures(files: dict[str, Path]) -> None:
    log = files["root"] / "serving.jsonl"
    log.write_text(serving_text(), encoding="utf-8")
    res = CliRunner().invoke(app(), serving_args(files, log))
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "Per 1,000 tokens by model" in text and "llm-7b" in text
    assert "5 requests" in text and "unattributed 200 J" in text
    assert "estimated (EcoLogits): reported 36-45 %" in text


def test_serving_json_is_one_object_with_the_library_numbers(files: dict[str, Path]) -> None:
    import json

    from assess.fleet import account_serving

    log = files["root"] / "serving.jsonl"
    log.write_text(serving_text(), encoding="utf-8")
    res = CliRunner().invoke(app(), serving_args(files, log, "--json"))
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    tables = RequestTables(read_devices(files["devices"]),
                           lineage.model_table_from_ledger(str(files["ledger"]),
                                                           parallel_jobs=8),
                           read_hourly(files["grid"]))
    ref = account_serving(log, tables, parameters={"llm-7b": 7.0})
    assert doc["requests"] == 5 and doc["estimated_requests"] == 1
    assert doc["asc_e [gCO2e]"] == pytest.approx(ref.report.total.m_as("gCO2e"), rel=1e-12)
    for c in ("prefill_energy_per_1k_prompt_tokens [J]", "decode_asc_e_per_1k_completion_tokens "
              "[gCO2e]"):
        assert doc["per_token"][c] == pytest.approx(float(ref.per_token[c].iloc[0]), rel=1e-12)
    assert doc["idle [J]"] == {"charged": 600.0, "unattributed": 200.0, "apart": 0.0}
    assert set(doc["by_batch_size"]) == {"1", "2"} and "36-45 %" in doc["estimate"][0]


def test_serving_parquet_directory_and_idle_apart(files: dict[str, Path]) -> None:
    import json

    from carbon import read_serving_log

    src = files["root"] / "serving.jsonl"
    src.write_text(serving_text(), encoding="utf-8")
    rows = [json.loads(x) for x in serving_text().splitlines() if x.strip()]
    pq = files["root"] / "serving"
    pq.mkdir()
    pd.DataFrame([r for r in rows if r["kind"] == "request"]).to_parquet(
        pq / "requests.parquet")
    pd.DataFrame([r for r in rows if r["kind"] != "request"]).to_parquet(
        pq / "batches.parquet")
    assert len(read_serving_log(pq).requests) == 5
    res = CliRunner().invoke(app(), serving_args(files, pq, "--serving", "--idle", "apart",
                                                 "--json"))
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["idle [J]"]["apart"] == 800.0


def test_serving_needs_parameters_for_unmeasured_batches(files: dict[str, Path]) -> None:
    from carbon import UnknownKeyError

    log = files["root"] / "serving.jsonl"
    log.write_text(serving_text(), encoding="utf-8")
    args = serving_args(files, log)
    res = CliRunner().invoke(app(), args[:args.index("--parameters")])
    assert isinstance(res.exception, UnknownKeyError) and "llm-7b" in str(res.exception)
    res = CliRunner().invoke(app(), [*args, "--parameters", "nonsense"])
    assert isinstance(res.exception, InvalidValueError)


# ------------------------------------------------------------------ progress of Dask work
def test_progress_bar_only_on_a_terminal_and_not_quiet(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    from assess.cli._requests import dask_progress

    with dask_progress(quiet=False) as step:  # stderr captured: not a terminal
        assert step is None
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich: a terminal
    with dask_progress(quiet=True) as step:
        assert step is None
    with dask_progress(quiet=False) as step:
        assert step is not None
        for done in range(4):
            step(done, 3)
    assert capsys.readouterr().out == ""  # the bar is on stderr, and gone when done


def test_request_logs_json(files: dict[str, Path]) -> None:
    import json

    res = CliRunner().invoke(app(), [
        "requests", str(files["all"]), "--ledger", str(files["ledger"]),
        "--devices", str(files["devices"]), "--grid", str(files["grid"]),
        "--parallel-jobs", "8", "--workers", "1", "--memory-limit", "1GiB", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["requests"] == 600 and set(doc["by_model"]) == set(L.MODELS)


def test_a_cpu_estimated_log_is_not_called_an_ecologits_estimate(
        files: dict[str, Path]) -> None:
    # bug: every request labelled "estimated" (the CPU-time estimate the serving loop records
    # on a machine without a GPU) was reported as "estimated (EcoLogits)"
    lines = [line.replace('"measured"', '"estimated"') for line in serving_text().splitlines()
             if '"b3"' not in line and '"r5"' not in line]
    log = files["root"] / "cpu.jsonl"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app(), serving_args(files, log))
    assert res.exit_code == 0, res.output
    assert "EcoLogits" not in res.output and "4 requests" in " ".join(res.output.split())
    doc = json.loads(CliRunner().invoke(app(), [*serving_args(files, log), "--json"]).stdout)
    assert doc["estimated_requests"] == 0 and doc["estimate"] == []
