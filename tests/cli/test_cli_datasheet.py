"""The datasheet, report and demo commands run as a new user would, wrong arguments included:
a clear one-line error (exit 2, no traceback unless --debug)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from assess.datasheet._ledger import inference_meta
from assess.datasheet._schema import validate_datasheet_json
from carbon import Q_, EnergyUse, Facility, Job, System
from lineage import Ledger, ProvenanceGraph, ReportedCarbon

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def mc(*args: str, timeout: float = 600) -> Run:
    """``modelcarbon ARGS`` in a fresh interpreter (exactly what the console script runs)."""
    run = subprocess.run(
        [sys.executable, "-c", "from assess.cli import main; main()", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False)
    return Run(run.returncode, run.stdout, run.stderr)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """``modelcarbon ARGS`` in this process, through the same ``main`` (quicker)."""
    from assess.cli import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception:  # an escaped exception is what a user would see as a traceback
            import traceback

            out = capsys.readouterr()
            return Run(1, out.out, out.err + "Traceback\n" + traceback.format_exc())
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


def one_line_error(run: Run, *needles: str) -> None:
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lines = [x for x in run.stderr.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    for n in needles:
        assert n in lines[0]


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fac = Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
    box = System(name="box", embodied="1000 kgCO2e", lifetime="4 year", facility=fac,
                 source="test fixture")
    g = ProvenanceGraph()
    g.add_dataset("corpus", name="a corpus")
    g.add_model("base", name="base <b>model</b>")
    g.add_model("small", name="small model", lifetime="2 year")
    g.derive("base", "corpus", "trained_on", share=1.0)
    g.derive("small", "base", "distilled_from", share=0.5)
    g.add_job("corpus", ReportedCarbon(carbon="5 kgCO2e", source="log", id="c"), phase="data")
    g.add_job("base", ReportedCarbon(carbon="500 kgCO2e", source="paper", id="b"),
              phase="training")
    g.add_job("small", Job(name="distil", duration="2 h", id="s", energy=[EnergyUse(
        system=box, energy="3 kWh", provenance="measured", uncertainty="0.1 kWh")]),
        phase="distillation")
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    with Ledger(str(path)) as store:
        store.save(g)
        for model, joules in (("small", 200.0), ("base", 900.0)):
            store.add_job(Job(name=f"{model} x100", duration="5 s", meta=inference_meta(
                model, 100), energy=[EnergyUse(system=box, energy=Q_(joules, "J"),
                                               provenance="measured")]))
    return path


def test_top_level_help_lists_the_commands() -> None:
    run = mc("--help")  # the real entry point, in a fresh interpreter
    assert run.returncode == 0
    for command in ("demo", "datasheet", "report"):
        assert command in run.stdout


@pytest.mark.parametrize("command, words", [
    ("datasheet", ["LEDGER", "--format", "--lifetime-requests", "--alternative", "Example"]),
    ("report", ["LEDGER", "--requests-per-year", "--format", "Example"]),
    ("demo", ["--out", "--epochs", "--techniques", "ledger.sqlite"]),
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
    (["demo", "--techniques", "shrink_ray", "--out", "{tmp}"], ["--techniques="]),
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


def test_a_real_process_prints_one_line(tmp_path: Path) -> None:
    one_line_error(mc("datasheet", str(tmp_path / "missing.sqlite")), "existing ledger file")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    run = mc("--debug", "datasheet", str(tmp_path / "missing.sqlite"))
    assert run.returncode != 0 and "Traceback" in run.stderr and "DataError" in run.stderr


def _ledger_content(path: Path) -> dict[str, Any]:
    with Ledger(str(path)) as store:
        g = store.load()
        jobs = store.jobs()
    published = [j for j in jobs if j.record.id.startswith("bert-family:")]
    measured = [j for j in jobs
                if isinstance(j.record, Job) and not j.record.id.startswith("bert-family:")]
    return {
        "published": sorted((j.record.id, str(j.product), str(j.phase), j.carbon_g)
                            for j in published),
        "products": [(p, g.product(p)["kind"], g.product(p)["name"]) for p in g.products()],
        "edges": g.edges(),
        "reported": sorted((j.record.id, j.product, j.phase, j.carbon_g) for j in jobs
                           if not isinstance(j.record, Job)),
        "measured": sorted((str(j.product), str(j.phase), j.record.name) for j in measured
                           if j.product is not None),
        # inference batches: one per model; their request counts vary with the machine's speed
        "inference": sorted(j.record.meta["model"] for j in measured if j.product is None),
        "measured_ids": {j.record.id for j in measured},
    }


@pytest.mark.slow
def test_demo_twice_gives_the_same_ledger_content(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("demo", "--out", str(out), "--epochs", "1", "--techniques",
            "prune_structured,quantise_fp16", "--no-minilm")
    first = mc(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "EPC and per-request ASC^e of every model" in first.stdout
    assert "Adoption advice" in first.stdout and "ASC^e breakdown" in first.stdout
    a = _ledger_content(out / "ledger.sqlite")
    second = mc(*args)
    assert second.returncode == 0, second.stderr[-3000:]
    b = _ledger_content(out / "ledger.sqlite")
    assert a["published"], "the published BERT-family jobs are in the ledger"
    for key in ("products", "edges", "reported", "published", "measured", "inference"):
        assert a[key] == b[key], key
    # measured anew: new jobs (new ids), replacing the old ones rather than sitting beside them
    assert a["measured_ids"].isdisjoint(b["measured_ids"])
    assert len(a["measured_ids"]) == len(b["measured_ids"])
    sheets = sorted(p.name for p in (out / "datasheets").glob("*.json"))
    assert "digits-mlp.json" in sheets and "digits-mlp-fp16.json" in sheets
    for name in sheets:
        validate_datasheet_json((out / "datasheets" / name).read_text())
    for fmt in ("csv", "parquet", "html"):
        assert (out / f"portfolio.{fmt}").is_file()
    assert not (out / "ledger.sqlite.tmp").exists()
