"""``modelcarbon measure -- ...``: runs, summarises, journals, records in the ledger."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assess.cli import app
from carbon import Q_
from lineage import Ledger
from measure import Journal, Monitor

runner = CliRunner()
SYSTEM = ["--country", "FRA", "--pue", "1.2", "--hardware", "server baseline without accelerators"]


def test_measure_records_job_in_ledger(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.sqlite"
    journal = tmp_path / "journal.jsonl"
    result = runner.invoke(app, [
        "measure", "--journal", str(journal), "--ledger", str(ledger), "--idle-seconds", "0.2",
        "--name", "tiny", *SYSTEM, "--", sys.executable, "-c", "sum(range(10**6))"])
    assert result.exit_code == 0, result.output
    assert "measured: tiny" in result.output and "estimated" in result.output
    with Ledger(str(ledger)) as book:
        [stored] = book.jobs()
    job = stored.record
    assert job.name == "tiny" and str(job.energy[0].provenance) == "estimated"
    assert job.meta["measurement"]["charge"] == "dynamic"
    assert stored.carbon_g > 0
    assert [r["type"] for r in Journal(journal).records()][-1] == "end"


def test_measure_without_ledger_only_journals(tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    result = runner.invoke(app, ["measure", "--journal", str(journal), "--idle-seconds", "0.1",
                                 "--", sys.executable, "-c", "pass"])
    assert result.exit_code == 0, result.output
    assert "not recorded in a ledger" in result.output
    assert len(Journal(journal).completed()) == 1


def test_ledger_without_system_refuses_before_running(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = runner.invoke(app, [
        "measure", "--journal", str(tmp_path / "j"), "--ledger", str(tmp_path / "l.sqlite"),
        "--country", "FRA", "--", sys.executable, "-c", f"open({str(marker)!r}, 'w')"])
    assert result.exit_code != 0 and not marker.exists()
    assert "pue" in str(result.exception) + result.output


def test_exit_code_is_passed_on(tmp_path: Path) -> None:
    result = runner.invoke(app, ["measure", "--journal", str(tmp_path / "j"), "--idle-seconds",
                                 "0.1", "--", sys.executable, "-c", "raise SystemExit(4)"])
    assert result.exit_code == 4
    assert "exited with code 4" in result.output


def _crashed_journal(tmp_path: Path) -> Journal:
    """A journal holding a job that began and checkpointed but never ended (a crash)."""
    journal = Journal(tmp_path / "j.jsonl")
    mon = Monitor(gpus=None, cpu="estimate", memory=None)
    journal.begin("dead", "killed run", devices=mon.devices)
    mon.begin_window("killed run")
    sum(range(10**6))
    journal.checkpoint("dead", mon.peek("killed run"))
    mon.close()
    return journal


def test_crashed_job_is_recovered_into_the_ledger(tmp_path: Path) -> None:
    journal = _crashed_journal(tmp_path)
    ledger = tmp_path / "l.sqlite"
    result = runner.invoke(app, ["measure", "--journal", str(journal.path), "--ledger",
                                 str(ledger), "--idle-seconds", "0.1", *SYSTEM, "--",
                                 sys.executable, "-c", "pass"])
    assert result.exit_code == 0, result.output
    assert "recovered incomplete job: killed run" in result.output
    with Ledger(str(ledger)) as book:
        names = {j.record.name: j.record for j in book.jobs()}
    assert names["killed run"].meta["incomplete"] is True
    assert names["killed run"].meta["measurement"]["incomplete"] is True
    assert set(names) == {"killed run", f"{sys.executable} -c pass"}


def test_a_recovered_job_stays_in_the_journal_until_a_ledger_records_it(tmp_path: Path) -> None:
    # bug: a run without --ledger marked the crashed job recovered: it was lost for good
    journal = _crashed_journal(tmp_path)
    base = ["measure", "--journal", str(journal.path), "--idle-seconds", "0"]
    first = runner.invoke(app, [*base, "--", sys.executable, "-c", "pass"])
    assert first.exit_code == 0 and "kept in the journal" in first.output
    assert [m.meta["job_id"] for m in journal.incomplete()] == ["dead"]
    ledger = tmp_path / "l.sqlite"
    second = runner.invoke(app, [*base, "--ledger", str(ledger), *SYSTEM, "--",
                                 sys.executable, "-c", "pass"])
    assert second.exit_code == 0, second.output
    assert journal.incomplete() == []
    with Ledger(str(ledger)) as book:
        assert "killed run" in {j.record.name for j in book.jobs()}


@pytest.mark.parametrize("opts", [
    ["--country", "FRA", "--intensity", "100 gCO2e/kWh", "--pue", "1.1", "--hardware", "x"],
    ["--country", "FRA", "--pue", "1.1"],
    ["--country", "FRA", "--pue", "1.1", "--embodied", "100 kgCO2e"],
])
def test_system_options_are_checked(tmp_path: Path, opts: list[str]) -> None:
    result = runner.invoke(app, ["measure", "--journal", str(tmp_path / "j"), "--ledger",
                                 str(tmp_path / "l.sqlite"), *opts, "--", "true"])
    assert result.exit_code != 0


def test_build_system_from_explicit_figures() -> None:
    from assess.cli._measure import build_system
    s = build_system(country_code=None, intensity="250 gCO2e/kWh", pue=1.3, hardware_item=None,
                     embodied="1500 kgCO2e", lifetime="4 year", system_name="node")
    assert s.embodied == Q_(1.5e6, "gCO2e") and s.facility.pue == 1.3


def test_piped_report_keeps_every_value_whole(tmp_path: Path) -> None:
    # bug: on a pipe Rich sized the table at 80 columns and cut cells ("tdp-es…")
    import subprocess

    exe = Path(sys.executable).with_name("modelcarbon")
    proc = subprocess.run([str(exe), "measure", "--journal", str(tmp_path / "j.jsonl"), "--",
                           sys.executable, "-c", "print('own output')"],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1",
                               "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "own output\n"  # the command's stdout untouched
    assert "tdp-estimate" in proc.stderr and "per-gb-estimate" in proc.stderr
    assert "…" not in proc.stderr and "\x1b[" not in proc.stderr  # whole, and NO_COLOR kept
