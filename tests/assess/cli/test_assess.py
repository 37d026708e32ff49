"""``modelcarbon assess`` and ``check-calibration`` on the shipped example files."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from assess import Characteristics, Organisation, advise
from assess.cli import app

EXAMPLES = Path(__file__).resolve().parents[3] / "assess" / "adoption" / "_data" / "examples"
runner = CliRunner()


def test_assess_prints_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "advice.json"
    result = runner.invoke(app, ["assess", "--org", str(EXAMPLES / "org.yaml"),
                                 "--techniques", str(EXAMPLES / "techniques.yaml"),
                                 "--json-out", str(out)], env={"COLUMNS": "200"})
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


def test_check_calibration_lists_findings() -> None:
    result = runner.invoke(app, ["check-calibration"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert result.output.count("[warning]") == 3 and "(-47, 40)" in result.output
    ok = runner.invoke(app, ["check-calibration", str(EXAMPLES / "monotone_calibration.yaml")])
    assert "calibration OK" in ok.output




def test_assess_json_is_one_object_on_stdout(tmp_path: Path) -> None:
    from tests.assess.cli.runner import mc

    args = ["assess", "--org", str(EXAMPLES / "org.yaml"), "--techniques",
            str(EXAMPLES / "techniques.yaml")]
    run = mc(*args, "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)  # all of stdout; the table went to stderr
    assert doc["calibration"] == "published" and "Adoption advice" in run.stderr
    out = tmp_path / "advice.json"
    assert mc(*args, "--json-out", str(out)).returncode == 0
    assert json.loads(out.read_text()) == doc
