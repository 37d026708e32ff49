"""``modelcarbon assess`` and ``check-calibration`` on the shipped example files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assess import Characteristics, Organisation, advise
from assess.adoption._files import load_organisation, load_techniques
from assess.cli import app, main
from carbon import InvalidValueError, UnknownKeyError

EXAMPLES = Path(__file__).resolve().parents[2] / "assess" / "adoption" / "_data" / "examples"
runner = CliRunner()


def test_assess_prints_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "advice.json"
    result = runner.invoke(app, ["assess", "--org", str(EXAMPLES / "org.yaml"),
                                 "--techniques", str(EXAMPLES / "techniques.yaml"),
                                 "--json", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for word in ("Adoption advice", "GPU power limiting", "energy-aware pruning",
                 "int8 post-training quantisation", "measured"):
        assert word in result.output
    doc = json.loads(out.read_text())
    assert doc["calibration"] == "published" and len(doc["calibration_findings"]) == 3
    rows = {a["id"]: a for a in doc["assessments"]}
    # the JSON agrees with the API on the same inputs
    org = Organisation(perceived_benefits="M", environmental_awareness="H", information="L",
                       resources="M")
    gpu = advise(org, Characteristics(complexity="L", effort="L", disruption="L",
                                      energy_reduction="M"))
    assert rows["gpu_power_limiting"]["advice"]["score"] == gpu.score
    assert rows["gpu_power_limiting"]["business_case"] is None
    prune = rows["energy_aware_pruning"]
    assert prune["advice"]["characteristics"]["energy_reduction"]["basis"] == "measured"
    assert [e["label"] for e in prune["evidence"]] == ["claimed", "rated", "measured"]
    assert prune["business_case"]["break_even_requests"] > 0
    assert prune["business_case"]["break_even_date"].startswith("2025-")


def test_explain_flag() -> None:
    result = runner.invoke(app, ["assess", "--org", str(EXAMPLES / "org.yaml"),
                                 "--techniques", str(EXAMPLES / "techniques.yaml"),
                                 "--explain"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "pushed down:" in result.output


def test_own_calibration_from_org_file(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "monotone_calibration.yaml", tmp_path / "cal.yaml")
    text = (EXAMPLES / "org.yaml").read_text().replace("calibration: published",
                                                        "calibration: cal.yaml")
    (tmp_path / "org.yaml").write_text(text)
    of = load_organisation(tmp_path / "org.yaml")
    assert of.calibration.name == "published, made monotone" and of.calibration.report.ok


def test_check_calibration_lists_findings() -> None:
    result = runner.invoke(app, ["check-calibration"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert result.output.count("[warning]") == 3 and "(-47, 40)" in result.output
    ok = runner.invoke(app, ["check-calibration", str(EXAMPLES / "monotone_calibration.yaml")])
    assert "calibration OK" in ok.output


def test_errors_are_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    org = tmp_path / "org.yaml"
    org.write_text("barriers: {perceived_benefits: M, environmental_awareness: M, "
                   "information: X, resources: M}\n")
    with pytest.raises(SystemExit) as e:
        main(["assess", "--org", str(org), "--techniques", str(EXAMPLES / "techniques.yaml")])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Organisation.information='X'") and err.count("\n") == 1


@pytest.mark.parametrize(("org_text", "error", "match"), [
    ("name: x\n", InvalidValueError, "barriers"),
    ("barriers: {perceived_benefits: M, environmental_awareness: M, information: M}\n",
     InvalidValueError, "resources"),
    ("barriers: {perceived_benefits: M, environmental_awareness: M, information: M, "
     "resources: M, budget: H}\n", UnknownKeyError, "budget"),
    ("colour: red\n", UnknownKeyError, "colour"),
    ("barriers: {perceived_benefits: M, environmental_awareness: M, information: M, "
     "resources: M}\nstandalone: draft\n", InvalidValueError, "standalone"),
])
def test_bad_organisation_files(tmp_path: Path, org_text: str, error: type[Exception],
                                match: str) -> None:
    p = tmp_path / "org.yaml"
    p.write_text(org_text)
    with pytest.raises(error, match=match):
        load_organisation(p)


@pytest.mark.parametrize(("text", "match"), [
    ("techniques: [{id: teleportation, rated: {}}]\n", "teleportation"),
    ("techniques: [{name: x}]\n", "rated"),
    ("techniques: [{rated: {}}]\n", "'id'"),
    ("techniques: [{name: x, rated: {complexity: L, effort: L, disruption: L}}]\n",
     "energy_reduction"),
    ("techniques: [{name: x, colour: red}]\n", "colour"),
    ("techniques: {}\n", "list"),
])
def test_bad_technique_files(tmp_path: Path, text: str, match: str) -> None:
    p = tmp_path / "t.yaml"
    p.write_text(text)
    with pytest.raises((InvalidValueError, UnknownKeyError), match=match):
        load_techniques(p)
