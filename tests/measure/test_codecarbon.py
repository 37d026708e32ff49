"""CodeCarbon emissions.csv rows become reported jobs with CodeCarbon's own figures kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbon import DataError, System, asc_e
from measure import read_codecarbon
from measure._codecarbon import CODECARBON_COLUMNS

# synthetic rows in CodeCarbon's documented layout (a 1 TB host whose RAM model says 378 W)
ROWS = [
    "2024-07-19T15:57:43,proj,run-a,554.2,0.000154,2.8e-07,42.5,0.0,377.8,0.0065,0,0.0582,"
    "0.0647,Canada,CAN,quebec,,,Linux,3.10.12,2.3.5,160,Intel(R) Xeon(R) Platinum 8380 CPU "
    "@ 2.30GHz,,,-71.2,46.8,1007.4,machine,N,1.0",
    "2024-07-20T10:00:00,proj,run-b,3600,0.2,5.5e-05,42.5,300.0,31.3,0.04,0.3,0.03,0.37,"
    "Singapore,SGP,,,,Linux,3.10.12,2.4.2,12,Intel(R) Xeon(R) CPU @ 2.20GHz,1,"
    "1 x NVIDIA A100-SXM4-40GB,103.8,1.28,83.5,machine,N,1.0",
]


def _csv(tmp_path: Path, rows: list[str], header: tuple[str, ...] = CODECARBON_COLUMNS) -> Path:
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
    (CODECARBON_COLUMNS, ROWS[0].replace(",554.2,", ",abc,"), "duration"),
    (CODECARBON_COLUMNS, ROWS[0].replace(",554.2,", ",0,"), "duration"),
    (CODECARBON_COLUMNS, ROWS[0].replace("2024-07-19T15:57:43", "yesterday"), "timestamp"),
])
def test_bad_files(tmp_path: Path, box: System, header: tuple[str, ...], row: str,
                   match: str) -> None:
    with pytest.raises(DataError, match=match):
        read_codecarbon(_csv(tmp_path, [row], header), box)
