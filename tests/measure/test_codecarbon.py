"""CodeCarbon emissions.csv rows become reported jobs with CodeCarbon's own figures kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbon import DataError, InvalidValueError, System, asc_e
from measure import read_codecarbon
from measure._codecarbon import CODECARBON_COLUMNS

# the layout CodeCarbon 2.x wrote (3.x added experiment_id, water_consumed, utilisations, wue)
V2_COLUMNS: tuple[str, ...] = (
    "timestamp", "project_name", "run_id", "duration", "emissions", "emissions_rate",
    "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy",
    "energy_consumed", "country_name", "country_iso_code", "region", "cloud_provider",
    "cloud_region", "os", "python_version", "codecarbon_version", "cpu_count", "cpu_model",
    "gpu_count", "gpu_model", "longitude", "latitude", "ram_total_size", "tracking_mode",
    "on_cloud", "pue",
)

# synthetic rows in CodeCarbon's documented layout (a 1 TB host whose RAM model says 378 W)
ROWS = [
    "2024-07-19T15:57:43,proj,run-a,554.2,0.000154,2.8e-07,42.5,0.0,377.8,0.0065,0,0.0582,"
    "0.0647,Canada,CAN,quebec,,,Linux,3.10.12,2.3.5,160,Intel(R) Xeon(R) Platinum 8380 CPU "
    "@ 2.30GHz,,,-71.2,46.8,1007.4,machine,N,1.0",
    "2024-07-20T10:00:00,proj,run-b,3600,0.2,5.5e-05,42.5,300.0,31.3,0.04,0.3,0.03,0.37,"
    "Singapore,SGP,,,,Linux,3.10.12,2.4.2,12,Intel(R) Xeon(R) CPU @ 2.20GHz,1,"
    "1 x NVIDIA A100-SXM4-40GB,103.8,1.28,83.5,machine,N,1.0",
]


def _csv(tmp_path: Path, rows: list[str], header: tuple[str, ...] = V2_COLUMNS) -> Path:
    path = tmp_path / "emissions.csv"
    path.write_text(",".join(header) + "\n" + "\n".join(rows) + "\n")
    return path


def test_rows_become_reported_jobs(tmp_path: Path, box: System) -> None:
    jobs = read_codecarbon(_csv(tmp_path, ROWS), box)
    assert [j.name for j in jobs] == ["proj:run-a", "proj:run-b"]
    a, b = jobs
    assert str(a.energy[0].provenance) == "reported"
    assert "codecarbon 2.3.5" in (a.energy[0].source or "")
    assert a.energy[0].energy.m_as("kWh") == pytest.approx(0.0065 + 0 + 0.0582)
    assert a.duration.m_as("s") == pytest.approx(554.2)
    assert a.end is not None and a.end.isoformat() == "2024-07-19T15:57:43+00:00"
    own = a.meta["codecarbon"]
    assert own["emissions_kg"] == 0.000154 and own["ram_power"] == 377.8 and own["pue"] == 1.0
    assert any("idle" in x for x in a.meta["not_recorded"])
    assert asc_e(b).jsc.m_as("gCO2e") > 0


def test_energy_consumed_mismatch_is_noted(tmp_path: Path, box: System) -> None:
    row = ROWS[1].replace(",0.37,", ",0.444,")
    [job] = read_codecarbon(_csv(tmp_path, [row]), box)
    assert job.energy[0].energy.m_as("kWh") == pytest.approx(0.37)
    assert job.meta["notes"] and "differs" in job.meta["notes"][0]


def test_old_files_with_fewer_columns(tmp_path: Path, box: System) -> None:
    header = ("timestamp", "project_name", "duration", "emissions", "energy_consumed")
    [job] = read_codecarbon(_csv(tmp_path, ["2021-01-01T00:00:00,p,60,0.001,0.002"], header),
                            box)
    assert job.energy[0].energy.m_as("kWh") == pytest.approx(0.002)


@pytest.mark.parametrize(("header", "row", "match"), [
    (("project_name", "duration"), "p,60", "columns"),
    (V2_COLUMNS, ROWS[0].replace(",554.2,", ",abc,"), "duration"),
    (V2_COLUMNS, ROWS[0].replace(",554.2,", ",0,"), "duration"),
    (V2_COLUMNS, ROWS[0].replace("2024-07-19T15:57:43", "yesterday"), "timestamp"),
])
def test_bad_files(tmp_path: Path, box: System, header: tuple[str, ...], row: str,
                   match: str) -> None:
    with pytest.raises(DataError, match=match):
        read_codecarbon(_csv(tmp_path, [row], header), box)


# --- files written by the real CodeCarbon (3.x), offline --------------------------------------

def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    real = socket.socket.connect

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError(f"CodeCarbon tried the network: {address!r}")
        real(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)


def record_codecarbon(out: Path, *, pue: float, country: str = "FRA",
                      name: str = "emissions.csv") -> Path:
    """Run CodeCarbon's OfflineEmissionsTracker around a small CPU workload."""
    import time

    codecarbon = pytest.importorskip("codecarbon")
    from codecarbon.output_methods.base_output import OutputMethod

    # output_methods=[CSV] is 3.3's spelling of save_to_file=True (deprecated there)
    tracker = codecarbon.OfflineEmissionsTracker(
        country_iso_code=country, pue=pue, output_dir=str(out), output_file=name,
        output_methods=[OutputMethod.CSV], log_level="error", measure_power_secs=1,
        project_name="cc-test", experiment_id="exp-1", tracking_mode="process",
        allow_multiple_runs=True)
    tracker.start()
    t0, x = time.perf_counter(), 0
    while time.perf_counter() - t0 < 1.2:
        x += sum(i * i for i in range(5000))
    tracker.stop()
    assert (out / name).is_file(), "CodeCarbon wrote no file (its errors are only logged)"
    return out / name


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[float, Path]:
    mp = pytest.MonkeyPatch()
    try:
        _no_network(mp)
        out = tmp_path_factory.mktemp("codecarbon")
        return {pue: record_codecarbon(out, pue=pue, name=f"emissions-{pue}.csv")
                for pue in (1.0, 1.5)}
    finally:
        mp.undo()


@pytest.mark.parametrize("pue", [1.0, 1.5])
def test_real_file_keeps_codecarbons_emissions(recorded: dict[float, Path], box: System,
                                               pue: float) -> None:
    import csv

    [row] = list(csv.DictReader(recorded[pue].read_text().splitlines()))
    [job] = read_codecarbon(recorded[pue], box)
    assert job.meta["factors"] == "codecarbon"
    b = asc_e(job)
    assert b.jsc.m_as("kgCO2e") == pytest.approx(float(row["emissions"]), rel=1e-9)
    # the PUE is CodeCarbon's and applied once: IT energy x its PUE = its energy_consumed
    assert job.energy[0].system.facility.pue == pytest.approx(pue)
    assert job.energy[0].energy.m_as("kWh") * pue == pytest.approx(
        float(row["energy_consumed"]), rel=1e-9)
    assert b.embodied_g > 0  # the system's embodied carbon still applies
    assert job.meta["reported_emissions"]["kgCO2e"] == pytest.approx(float(row["emissions"]))


def test_real_file_keeps_every_column(recorded: dict[float, Path], box: System) -> None:
    import csv

    header = next(csv.reader(recorded[1.5].read_text().splitlines()))
    assert tuple(header) == CODECARBON_COLUMNS  # the installed CodeCarbon's layout
    from codecarbon.output_methods.emissions_data import EmissionsData

    assert tuple(EmissionsData.__dataclass_fields__) == CODECARBON_COLUMNS
    [job] = read_codecarbon(recorded[1.5], box)
    own = job.meta["codecarbon"]
    assert set(own) == (set(header) - {"emissions"}) | {"emissions_kg"}
    assert own["experiment_id"] == "exp-1" and own["pue"] == 1.5
    for col in ("water_consumed", "cpu_utilization_percent", "gpu_utilization_percent",
                "ram_utilization_percent", "ram_used_gb", "wue"):
        assert isinstance(own[col], float), col
    assert own["country_iso_code"] == "FRA"


def test_old_file_keeps_codecarbons_factor_beside_ours(tmp_path: Path, box: System) -> None:
    # a CodeCarbon 2.x row (no pue column) at its USA factor; the system says 720 g/kWh
    header = tuple(c for c in V2_COLUMNS if c != "pue")
    row = ROWS[1].rsplit(",", 1)[0].replace(",0.2,", ",0.41,", 1)
    from carbon import Facility

    usa = box.model_copy(update={"facility": Facility(name="USA average", pue=1.0,
                                                      mix="720 gCO2e/kWh")})
    [job] = read_codecarbon(_csv(tmp_path, [row], header), usa)
    assert job.meta["factors"] == "system"
    b = asc_e(job)
    assert b.jsc.m_as("kgCO2e") == pytest.approx(0.37 * 0.72)
    rep = job.meta["reported_emissions"]
    assert rep["kgCO2e"] == 0.41 and rep["ours_kgCO2e"] == pytest.approx(0.2664)
    assert job.meta["notes"][-1] == ("CodeCarbon: 0.41 kg, ours at USA average (PUE 1, "
                                     "720 gCO2e/kWh): 0.266 kg (-35 %)")


def test_factors_can_be_chosen(recorded: dict[float, Path], box: System) -> None:
    [job] = read_codecarbon(recorded[1.5], box, factors="system")
    assert job.energy[0].system == box  # the system's PUE 1.2 and 400 g/kWh
    assert "CodeCarbon:" in job.meta["notes"][-1] and "ours at dc (PUE 1.2" in job.meta[
        "notes"][-1]
    with pytest.raises(InvalidValueError, match="factors"):
        read_codecarbon(recorded[1.5], box, factors="theirs")  # type: ignore[arg-type]


# --- corrupted files: one DataError naming file, row and column -------------------------------

@pytest.mark.parametrize(("cell", "value", "needle"), [
    ("gpu_energy", "-0.1", "line 2: gpu_energy='-0.1'"),
    ("cpu_energy", "NaN", "line 2: cpu_energy='NaN'"),
    ("ram_energy", "lots", "line 2: ram_energy='lots'"),
    ("duration", "inf", "line 2: duration='inf'"),
    ("emissions", "-1", "line 2: emissions='-1'"),
])
def test_corrupted_real_file(recorded: dict[float, Path], box: System, tmp_path: Path,
                             cell: str, value: str, needle: str) -> None:
    header, row = recorded[1.5].read_text(encoding="utf-8").strip().split("\n")
    cols = header.split(",")
    cells = row.split(",")
    cells[cols.index(cell)] = value
    path = tmp_path / "emissions.csv"
    path.write_text(f"{header}\n{','.join(cells)}\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        read_codecarbon(path, box)
    assert str(path) in str(info.value) and needle in str(info.value), str(info.value)


@pytest.mark.parametrize("kind", ["binary", "latin-1", "utf-16", "nul", "duplicated column",
                                  "too many cells", "missing"])
def test_unreadable_files(recorded: dict[float, Path], box: System, tmp_path: Path,
                          kind: str) -> None:
    text = recorded[1.0].read_text(encoding="utf-8")
    header, row = text.strip().split("\n")
    path = tmp_path / "emissions.csv"
    data = {"binary": bytes(range(256)), "latin-1": text.replace("France", "Fran\xe7e").encode(
        "latin-1"), "utf-16": text.encode("utf-16"), "nul": text.encode() + b"\x00",
        "duplicated column": f"{header},duration\n{row},5\n".encode(),
        "too many cells": f"{header}\n{row},x\n".encode()}.get(kind)
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(DataError) as info:
        read_codecarbon(path, box)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_nan_in_an_optional_column_is_unknown(tmp_path: Path, box: System) -> None:
    row = ROWS[0].replace(",-71.2,", ",nan,")  # longitude: unknown, not an error
    [job] = read_codecarbon(_csv(tmp_path, [row]), box)
    assert job.meta["codecarbon"]["longitude"] is None
