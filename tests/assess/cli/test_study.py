"""``modelcarbon study NAME``: every study at a tiny size writes its table, stats and chart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("optuna")

from tests.assess.cli.runner import Run, one_line_error


@pytest.mark.slow
@pytest.mark.parametrize("name", ["search", "architecture", "data"])
def test_study_tiny_writes_table_and_chart(cli: Callable[..., Run], tmp_path: Path,
                                           name: str) -> None:
    run = cli("study", name, "--out", str(tmp_path), "--size", "tiny")
    assert run.returncode == 0, run.stdout + run.stderr
    folder = tmp_path / name
    assert (folder / "runs.csv").stat().st_size > 0
    assert (folder / "chart.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    stats = (folder / "stats.txt").read_text(encoding="utf-8")
    assert "Kruskal-Wallis" in stats or "no group test" in stats
    assert "wrote" in run.stdout


def test_unknown_study_is_one_line(cli: Callable[..., Run], tmp_path: Path) -> None:
    one_line_error(cli("study", "weather", "--out", str(tmp_path)), "NAME", "search")
    one_line_error(cli("study", "data", "--out", str(tmp_path), "--size", "huge"), "--size")


def test_study_json_is_one_object_on_stdout(cli: Callable[..., Run], tmp_path: Path) -> None:
    import json

    run = cli("study", "data", "--out", str(tmp_path), "--size", "tiny", "--json")
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads(run.stdout)  # all of stdout
    assert doc["study"] == "data" and doc["runs"] and doc["summary"]
    assert any("Kruskal-Wallis" in s or "no group test" in s for s in doc["stats"])
    assert all(Path(f).is_file() for f in doc["files"])
