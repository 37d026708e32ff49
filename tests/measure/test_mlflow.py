"""log_to_mlflow against a real local MLflow store (a file: URI under tmp_path, no server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from carbon import PARTS, Q_, EnergyUse, Job, System, asc_e
from measure import DeviceEnergy, MeasureError, Measurement, log_to_mlflow

mlflow = pytest.importorskip("mlflow")


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # MLflow 3 refuses the file store unless told (it wants a database); no telemetry
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())
    yield mlflow.tracking.MlflowClient()
    while mlflow.active_run() is not None:
        mlflow.end_run()


def _measurement() -> Measurement:
    devs = (DeviceEnergy(key="gpu:0", kind="gpu", name="H100", method="counter",
                         energy=Q_(3600.0, "kJ"), dynamic=Q_(3000.0, "kJ"),
                         provenance="measured", source="NVML total energy counter"),
            DeviceEnergy(key="cpu", kind="cpu", name="EPYC", method="tdp-estimate",
                         energy=None, provenance=None, source="TDP table",
                         reason="no CPU model"))
    return Measurement(name="train", start=datetime(2024, 5, 1, tzinfo=UTC),
                       duration=Q_(3600.0, "s"), devices=devs)


def test_job_metrics_tags_and_datasheet(store: Any, box: System, tmp_path: Path) -> None:
    job = Job(name="j", duration="1 h", energy=[EnergyUse(system=box, energy="2 kWh",
                                                          provenance="measured",
                                                          source="NVML counter")])
    sheet = tmp_path / "datasheet.html"
    sheet.write_text("<html>datasheet</html>")
    with mlflow.start_run() as run:
        logged = log_to_mlflow(job, datasheet=sheet)
    data = store.get_run(run.info.run_id).data
    b = asc_e(job)
    assert data.metrics["modelcarbon.energy_kwh"] == pytest.approx(2.0)
    for part in PARTS:
        assert data.metrics[f"modelcarbon.carbon_g.{part}"] == pytest.approx(
            getattr(b, f"{part}_g"))
    assert data.metrics["modelcarbon.carbon_g.asc_e"] == pytest.approx(b.asc_e_g)
    assert data.metrics["modelcarbon.carbon_g.operational"] == pytest.approx(800.0)
    assert logged == {k: pytest.approx(v) for k, v in data.metrics.items()}
    assert data.tags["modelcarbon.provenance"] == "measured"
    assert data.tags["modelcarbon.source.box"] == "NVML counter"
    assert data.tags["modelcarbon.facility.box"] == "dc: PUE 1.2, 400 gCO2e/kWh"
    assert data.tags["modelcarbon.complete"] == "true"
    arts = {a.path for a in store.list_artifacts(run.info.run_id, "modelcarbon")}
    assert arts == {"modelcarbon/datasheet.html", "modelcarbon/job.json"}
    got = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id,
                                                   artifact_path="modelcarbon/job.json"))
    assert json.loads(got.read_text())["name"] == "j"


def test_measurement_with_an_unknown_device(store: Any, box: System) -> None:
    with mlflow.start_run() as run:
        log_to_mlflow(_measurement(), box, datasheet={"product": "m", "epc": "1 kgCO2e"})
    data = store.get_run(run.info.run_id).data
    assert data.metrics["modelcarbon.energy_j.gpu_0"] == pytest.approx(3.6e6)
    assert "modelcarbon.energy_j.cpu" not in data.metrics  # unknown is never zero
    assert data.metrics["modelcarbon.energy_kwh"] == pytest.approx(3000 / 3600)  # dynamic
    assert data.metrics["modelcarbon.duration_s"] == 3600.0
    assert data.tags["modelcarbon.complete"] == "false"
    assert "no CPU model" in data.tags["modelcarbon.unknown"]
    assert data.tags["modelcarbon.provenance.gpu_0"] == "measured"
    arts = {a.path for a in store.list_artifacts(run.info.run_id, "modelcarbon")}
    assert "modelcarbon/datasheet.json" in arts


def test_measurement_without_systems_logs_energy_only(store: Any) -> None:
    with mlflow.start_run() as run:
        logged = log_to_mlflow(_measurement(), prefix="mc", step=3)
    assert not any("carbon_g" in k for k in logged)
    data = store.get_run(run.info.run_id).data
    assert "no system given" in data.tags["mc.unknown"]
    [point] = store.get_metric_history(run.info.run_id, "mc.energy_j.gpu_0")
    assert point.step == 3


def test_unknown_embodied_carbon_logs_no_embodied_metric(store: Any, box: System) -> None:
    card = box.model_copy(update={"name": "card", "embodied": None,
                                  "embodied_unknown": "no sourced figure"})
    job = Job(name="j", duration="1 h",
              energy=[EnergyUse(system=card, energy="1 kWh", provenance="estimated")])
    with mlflow.start_run():
        logged = log_to_mlflow(job)
    assert "modelcarbon.carbon_g.embodied" not in logged
    assert "modelcarbon.carbon_g.asc_e" not in logged
    assert logged["modelcarbon.carbon_g.jsc"] == pytest.approx(480.0)


def test_errors(store: Any, box: System) -> None:
    job = Job(name="j", duration="1 h",
              energy=[EnergyUse(system=box, energy="1 kWh", provenance="reported")])
    with pytest.raises(MeasureError, match="active run"):
        log_to_mlflow(job)
    with mlflow.start_run(), pytest.raises(MeasureError, match="datasheet"):
        log_to_mlflow(job, datasheet=3.5)


def test_hourly_grid_job_is_logged_with_its_record(store: Any, box: System) -> None:
    import pandas as pd

    from carbon import Facility, HourlyIntensity

    hours = pd.date_range("2024-01-01", periods=2, freq="h", tz="UTC")
    fac = Facility(name="grid", pue=1.0,
                   mix=HourlyIntensity(pd.Series([100.0, 300.0], index=hours), source="test"))
    job = Job(name="j", start="2024-01-01T00:00Z", end="2024-01-01T02:00Z",
              energy=[EnergyUse(system=box.model_copy(update={"facility": fac}),
                                energy="2 kWh", provenance="measured")])
    with mlflow.start_run() as run:
        logged = log_to_mlflow(job)
    assert logged["modelcarbon.carbon_g.operational"] == pytest.approx(400.0)
    got = Path(mlflow.artifacts.download_artifacts(run_id=run.info.run_id,
                                                   artifact_path="modelcarbon/job.json"))
    assert "2024-01-01 01:00:00+00:00" in got.read_text()
