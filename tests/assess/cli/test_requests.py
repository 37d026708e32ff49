"""``modelcarbon requests``: wiring from files (ledger, devices, grid, Parquet logs) to CSVs."""

from __future__ import annotations

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
