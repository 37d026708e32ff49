"""``modelcarbon datasheet`` and ``report`` run as a new user would, wrong arguments included:
a clear one-line error (exit 2, no traceback unless --debug)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from assess.datasheet._schema import validate_datasheet_json
from tests.assess.cli.runner import Run, one_line_error


@pytest.mark.parametrize("command, words", [
    ("datasheet", ["LEDGER", "--format", "--lifetime-requests", "--alternative", "Example"]),
    ("report", ["LEDGER", "--requests-per-year", "--format", "Example"]),
])
def test_help_a_new_user_can_follow(cli: Callable[..., Run], command: str,
                                    words: list[str]) -> None:
    run = cli(command, "--help")
    assert run.returncode == 0
    text = " ".join(run.stdout.split()).upper()
    for w in words:
        assert w.upper() in text


def test_datasheet_writes_every_format(cli: Callable[..., Run], ledger: Path,
                                       tmp_path: Path) -> None:
    run = cli("datasheet", str(ledger), "small", "--lifetime-requests", "1e6",
             "--alternative", "base", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert "wrote 4 file(s) for 1 product(s)" in run.stdout
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["small.hf.yaml", "small.html", "small.json", "small.md"]
    doc = json.loads((tmp_path / "small.json").read_text())
    validate_datasheet_json(doc)
    assert doc["per_request"]["curve"]["break_even"]["alternative"] == "base <b>model</b>"
    assert "&lt;b&gt;model&lt;/b&gt;" in (tmp_path / "small.html").read_text()


def test_datasheet_for_every_model_by_default(cli: Callable[..., Run], ledger: Path,
                                              tmp_path: Path) -> None:
    run = cli("datasheet", str(ledger), "-f", "json", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.json", "small.json"]
    base = json.loads((tmp_path / "base.json").read_text())
    assert base["per_request"] is None and "lifetime" in base["per_request_missing"]


def test_report_writes_the_table(cli: Callable[..., Run], ledger: Path, tmp_path: Path) -> None:
    run = cli("report", str(ledger), "--requests-per-year", "1e7", "--lifetime-requests",
             "1e6", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    csv = pd.read_csv(tmp_path / "portfolio.csv")
    parquet = pd.read_parquet(tmp_path / "portfolio.parquet")
    assert list(csv["product"]) == ["base", "small"] == list(parquet["product"])
    per = csv["per-request ASC^e [gCO2e]"]
    assert list(csv["annual ASC^e [kgCO2e]"]) == pytest.approx(list(1e7 * per / 1e3))
    assert per.notna().all()
    assert (tmp_path / "portfolio.html").read_text().count("<tr>") == 3


def test_report_without_a_rate_leaves_annual_totals_unknown(cli: Callable[..., Run],
                                                            ledger: Path,
                                                            tmp_path: Path) -> None:
    run = cli("report", str(ledger), "--lifetime-requests", "1e6", "-f", "csv",
             "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    csv = pd.read_csv(tmp_path / "portfolio.csv")
    assert csv["annual ASC^e [kgCO2e]"].isna().all()
    assert csv["note"].str.contains("no request rate").all()


@pytest.mark.parametrize("args, needles", [
    (["datasheet", "{missing}"], ["ledger=", "existing ledger file"]),
    (["datasheet", "{ledger}", "nobody"], ["product='nobody'", "base"]),
    (["datasheet", "{ledger}", "-f", "pdf"], ["--format='pdf'", "html, md, json, hf"]),
    (["datasheet", "{ledger}", "--alternative", "nobody"], ["--alternative='nobody'"]),
    (["datasheet", "{corrupt}"], ["readable modelcarbon ledger"]),
    (["report", "{ledger}", "-f", "xlsx"], ["--format='xlsx'", "csv, parquet, html"]),
    (["report", "{missing}"], ["existing ledger file"]),
])
def test_wrong_arguments_are_one_clear_line(cli: Callable[..., Run], ledger: Path,
                                            tmp_path: Path, args: list[str],
                                            needles: list[str]) -> None:
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"not a database" * 200)
    subs = {"{ledger}": str(ledger), "{missing}": str(tmp_path / "missing.sqlite"),
            "{corrupt}": str(corrupt), "{tmp}": str(tmp_path / "out")}
    one_line_error(cli(*[subs.get(a, a) for a in args]), *needles)
    assert not (tmp_path / "missing.sqlite").exists()


@pytest.mark.parametrize("args, needle", [
    (["datasheet"], "Missing argument"),
    (["report", "x", "--requests-per-year", "-5"], "Invalid value"),
    (["datasheet", "x", "--lifetime-requests", "0"], "Invalid value"),
    (["datasheet", "x", "--no-such-option"], "No such option"),
])
def test_usage_errors_name_the_problem(cli: Callable[..., Run], args: list[str],
                                       needle: str) -> None:
    run = cli(*args)
    assert run.returncode == 2
    assert needle in run.stderr and "Traceback" not in run.stderr




def test_report_period_writes_the_inventory_by_scope(tmp_path: Path,
                                                     cli: Callable[..., Run]) -> None:
    from datetime import UTC, datetime

    from carbon import EnergyUse, Facility, Job, System
    from lineage import Ledger

    fac = Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
    box = System(name="box", embodied="8760 gCO2e", lifetime="1 year", facility=fac)
    when = datetime(2026, 8, 1, 12, tzinfo=UTC)
    job = Job(name="train", start=when, end=when.replace(hour=13),
              energy=[EnergyUse(system=box, energy="2 kWh", provenance="measured")])
    book = tmp_path / "l.sqlite"
    with Ledger(str(book)) as ledger:
        ledger.add_product("m", kind="model", name="M")
        ledger.add_job(job, product="m", phase="training")
    r = cli("report", str(book), "--period", "2026-Q3", "--out", str(tmp_path / "inv"),
            "--residual-mix", "500 gCO2e/kWh")
    assert r.returncode == 0, r.stderr
    inv = pd.read_csv(tmp_path / "inv" / "inventory.csv").set_index("scope")
    assert inv.loc["scope 2", "location-based [gCO2e]"] == pytest.approx(2 * 1.2 * 300)
    assert inv.loc["scope 2", "market-based [gCO2e]"] == pytest.approx(2 * 1.2 * 500)
    assert inv.loc["scope 3 category 2", "location-based [gCO2e]"] == pytest.approx(1.0)
    one_line_error(cli("report", str(book), "--period", "2026-Q9"), "period")


def test_report_period_uses_the_facilitys_instruments_and_idle_energy(
        tmp_path: Path, cli: Callable[..., Run]) -> None:
    from datetime import UTC, datetime

    from carbon import ContractualInstrument, EnergyUse, Facility, Job, System
    from lineage import Ledger

    ppa = ContractualInstrument("PPA", "0 gCO2e/kWh", "1.2 kWh", source="wind PPA 2026")
    fac = Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh", instruments=(ppa,),
                   residual_mix="500 gCO2e/kWh")
    box = System(name="box", embodied="8760 gCO2e", lifetime="1 year", facility=fac)
    when = datetime(2026, 8, 1, 12, tzinfo=UTC)
    job = Job(name="train", start=when, end=when.replace(hour=13), energy=[
        EnergyUse(system=box, energy="2 kWh", provenance="measured"),
        EnergyUse(system=box, energy="1 kWh", provenance="estimated", role="idle")])
    book = tmp_path / "l.sqlite"
    with Ledger(str(book)) as ledger:
        ledger.add_product("m", kind="model", name="M")
        ledger.add_job(job, product="m", phase="training")
    r = cli("report", str(book), "--period", "2026-Q3", "--out", str(tmp_path / "inv"))
    assert r.returncode == 0, r.stderr
    inv = pd.read_csv(tmp_path / "inv" / "inventory.csv").set_index("scope")
    # 3 kWh x 1.2 = 3.6 kWh of facility energy: 1.2 kWh under the PPA, 2.4 at the residual mix
    assert inv.loc["scope 2", "location-based [gCO2e]"] == pytest.approx(3.6 * 300)
    assert inv.loc["scope 2", "market-based [gCO2e]"] == pytest.approx(2.4 * 500)


def test_datasheet_json_is_one_object_on_stdout(cli: Callable[..., Run], ledger: Path,
                                                tmp_path: Path) -> None:
    run = cli("datasheet", str(ledger), "--lifetime-requests", "1e6", "-f", "html",
              "--out", str(tmp_path), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)  # the whole of stdout: one JSON object, nothing else
    assert doc["command"] == "datasheet" and len(doc["files"]) == 2
    small = next(p for p in doc["products"] if p["id"] == "small")
    assert small["epc"]["g"] > 0 and small["per_request"]["g"] > 0
    assert small["per_request"]["provenance"] and small["epc_complete"] is True


def test_report_json_is_one_object_and_the_page_links_datasheets(
        cli: Callable[..., Run], ledger: Path, tmp_path: Path) -> None:
    assert cli("datasheet", str(ledger), "-f", "html", "--out",
               str(tmp_path / "datasheets")).returncode == 0
    run = cli("report", str(ledger), "--requests-per-year", "1e6", "--out", str(tmp_path),
              "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["models"] == 2 and len(doc["rows"]) == 2
    rows = {r["product"]: r for r in doc["rows"]}
    assert doc["annual_asc_e_kgco2e"] == pytest.approx(
        sum(r["annual ASC^e [kgCO2e]"] or 0.0 for r in rows.values()))  # null: unknown
    page = (tmp_path / "portfolio.html").read_text()
    assert 'href="datasheets/small.html"' in page and 'href="datasheets/base.html"' in page


def test_report_json_without_a_rate_says_null_not_zero(cli: Callable[..., Run], ledger: Path,
                                                      tmp_path: Path) -> None:
    run = cli("report", str(ledger), "-f", "csv", "--out", str(tmp_path), "--json")
    doc = json.loads(run.stdout)
    assert doc["annual_asc_e_kgco2e"] is None
    assert all(r["annual ASC^e [kgCO2e]"] is None for r in doc["rows"])
