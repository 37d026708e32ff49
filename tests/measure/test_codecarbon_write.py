"""Jobs written as CodeCarbon 3.3.2's emissions.csv: its reader and ours read them back."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from carbon import Q_, EnergyUse, Facility, InvalidValueError, Job, System, asc_e
from measure import CODECARBON_COLUMNS, DeviceEnergy, Measurement, read_codecarbon, write_codecarbon
from tests.measure.test_codecarbon import recorded  # noqa: F401 - the module fixture

codecarbon = pytest.importorskip("codecarbon")
from codecarbon.output_methods.emissions_data import EmissionsData  # noqa: E402
from codecarbon.output_methods.file import FileOutput  # noqa: E402


def _measured_job(box: System) -> Job:
    devs = tuple(DeviceEnergy(key=k, kind=kind, name=k, method="counter", energy=Q_(e, "kJ"),
                              dynamic=Q_(e, "kJ"), provenance="measured", source="test")
                 for k, kind, e in (("gpu:0", "gpu", 720.0), ("cpu", "cpu", 180.0),
                                    ("ram", "ram", 36.0)))
    m = Measurement(name="w", start=datetime(2024, 5, 1, 10, tzinfo=UTC),
                    duration=Q_(600.0, "s"), devices=devs)
    return m.to_job("finetune", box)


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text().splitlines()))


def test_columns_and_figures_follow_codecarbons_conventions(tmp_path: Path,
                                                            box: System) -> None:
    job = _measured_job(box)  # 936 kJ = 0.26 kWh IT at PUE 1.2, 400 g/kWh
    path = write_codecarbon([job], tmp_path / "emissions.csv")
    assert tuple(next(csv.reader(path.read_text().splitlines()))) == CODECARBON_COLUMNS
    assert tuple(EmissionsData.__dataclass_fields__) == CODECARBON_COLUMNS
    [row] = _rows(path)
    assert float(row["energy_consumed"]) == pytest.approx(0.26 * 1.2)
    assert float(row["gpu_energy"]) == pytest.approx(0.2 * 1.2)
    assert float(row["cpu_energy"]) == pytest.approx(0.05 * 1.2)
    assert float(row["ram_energy"]) == pytest.approx(0.01 * 1.2)
    assert float(row["gpu_power"]) == pytest.approx(720e3 / 600 * 1.2)  # W incl. PUE
    assert float(row["emissions"]) == pytest.approx(asc_e(job).jsc.m_as("kgCO2e"))
    assert float(row["emissions_rate"]) == pytest.approx(float(row["emissions"]) / 600)
    assert float(row["pue"]) == pytest.approx(1.2)
    assert row["timestamp"] == "2024-05-01T10:10:00" and row["duration"] == "600.0"
    assert row["country_name"] == ""  # unknown stays empty


def test_codecarbons_own_tools_read_and_append(tmp_path: Path, box: System,
                                               recorded: dict[float, Path]) -> None:  # noqa: F811
    theirs = read_codecarbon(recorded[1.5], box)
    path = write_codecarbon([_measured_job(box), *theirs], tmp_path / "emissions.csv")
    df = pd.read_csv(path)
    assert list(df.columns) == list(CODECARBON_COLUMNS) and len(df) == 2
    # CodeCarbon's FileOutput appends a run of its own: it accepts our header as its own
    [their_row] = pd.read_csv(recorded[1.0]).to_dict("records")
    data = EmissionsData(**{k: ("" if pd.isna(v) else v) for k, v in their_row.items()})
    out = FileOutput(path.name, str(tmp_path), on_csv_write="append")
    assert out.has_valid_headers(data)
    out.out(data, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["emissions.csv"]  # no backup made
    assert len(pd.read_csv(path)) == 3


def test_round_trip_through_our_importer(tmp_path: Path, box: System,
                                         recorded: dict[float, Path]) -> None:  # noqa: F811
    jobs = [_measured_job(box), *read_codecarbon(recorded[1.5], box)]
    back = read_codecarbon(write_codecarbon(jobs, tmp_path / "emissions.csv"), box)
    for a, b in zip(jobs, back, strict=True):
        assert asc_e(b).jsc.m_as("gCO2e") == pytest.approx(asc_e(a).jsc.m_as("gCO2e"),
                                                            rel=1e-9)
        assert b.energy[0].energy.m_as("kWh") == pytest.approx(
            sum(u.energy.m_as("kWh") for u in a.energy), rel=1e-9)
        assert b.end == a.end and b.duration.m_as("s") == pytest.approx(a.duration.m_as("s"))
    # an imported CodeCarbon row keeps its descriptive columns on the way out
    [cc] = read_codecarbon(recorded[1.5], box)
    again = _rows(write_codecarbon([cc], tmp_path / "again.csv"))[0]
    orig = _rows(recorded[1.5])[0]
    for col in ("run_id", "experiment_id", "country_iso_code", "cpu_model", "os", "wue"):
        assert again[col] == orig[col] or float(again[col]) == float(orig[col]), col
    for col in ("emissions", "energy_consumed", "cpu_energy", "ram_energy", "pue"):
        assert float(again[col]) == pytest.approx(float(orig[col]), rel=1e-9), col


def test_parts_that_do_not_add_up_are_left_empty(tmp_path: Path, box: System) -> None:
    other = box.model_copy(update={"name": "other",
                                   "facility": Facility(name="f", pue=1.5, mix="100 g/kWh"
                                                        .replace("g", "gCO2e"))})
    job = Job(name="mixed", duration="1 h", start=datetime(2024, 1, 1, tzinfo=UTC),
              energy=[EnergyUse(system=box, energy="1 kWh", provenance="reported"),
                      EnergyUse(system=other, energy="1 kWh", provenance="reported")])
    [row] = _rows(write_codecarbon([job], tmp_path / "e.csv"))
    assert (row["cpu_energy"], row["gpu_energy"], row["ram_energy"]) == ("", "", "")
    assert float(row["energy_consumed"]) == pytest.approx(1.2 + 1.5)
    assert float(row["pue"]) == pytest.approx(1.35)
    [back] = read_codecarbon(tmp_path / "e.csv", box)
    assert asc_e(back).jsc.m_as("gCO2e") == pytest.approx(asc_e(job).jsc.m_as("gCO2e"))


def test_a_job_without_a_time_is_refused(tmp_path: Path, box: System) -> None:
    use = EnergyUse(system=box, energy="1 kWh", provenance="reported")
    with pytest.raises(InvalidValueError, match="end"):
        write_codecarbon([Job(name="j", duration="1 h", energy=[use])], tmp_path / "e.csv")
    job = Job(name="j", start="2024-01-01T00:00:00Z", end="2024-01-01T00:30:00Z", energy=[use])
    [row] = _rows(write_codecarbon([job], tmp_path / "e.csv"))
    assert (row["duration"], row["timestamp"]) == ("1800.0", "2024-01-01T00:30:00")
