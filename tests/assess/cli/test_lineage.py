"""assess.cli._lineage: the lineage from the command line, and the README's walk-through."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from lineage import Ledger
from tests.assess.cli.runner import Run, one_line_error

README = Path(__file__).resolve().parents[3] / "README.md"
BIN = Path(sys.executable).parent


def test_build_and_read_a_lineage(tmp_path: Path, cli: Callable[..., Run]) -> None:
    book = str(tmp_path / "l.sqlite")
    assert cli("product", "add", book, "base", "--kind", "model", "--name", "Base",
                "--lifetime", "2 year").returncode == 0
    assert cli("product", "add", book, "ft", "--kind", "model", "--name", "FT").returncode == 0
    assert cli("lineage", "derive", book, "ft", "base", "fine_tuned_from", "--share",
                "0.5").returncode == 0
    assert cli("job", "add", book, "--product", "base", "--phase", "training", "--carbon",
                "2 tCO2e", "--source", "model card").returncode == 0
    r = cli("product", "list", book, "--json")
    rows = {x["id"]: x for x in json.loads(r.stdout)}
    assert rows["base"]["epc [gCO2e]"] == pytest.approx(2e6) and rows["base"]["complete"]
    assert rows["ft"]["epc [gCO2e]"] == pytest.approx(1e6) and not rows["ft"]["complete"]
    shown = json.loads(cli("lineage", "show", book, "ft", "--json").stdout)
    assert shown["by_ancestor [gCO2e]"] == {"base": pytest.approx(1e6)}
    table = cli("product", "list", book).stdout
    assert "epc [gCO2e]" in table  # the unit in the header is not eaten as markup
    with Ledger(book) as ledger:
        assert ledger.load().epc("ft").total.m_as("tCO2e") == pytest.approx(1.0)
    assert cli("lineage", "validate", book).returncode == 0


@pytest.mark.parametrize(("args", "message"), [
    (["lineage", "derive", "{book}", "ft", "nope", "trained_on"], "nope"),
    (["job", "add", "{book}", "--product", "nope", "--phase", "training", "--carbon",
      "1 gCO2e", "--source", "x"], "--product"),
    (["job", "add", "{book}", "--product", "base", "--phase", "lunch", "--carbon",
      "1 gCO2e", "--source", "x"], "phase"),
    (["product", "list", "{missing}"], "existing ledger"),
    (["product", "add", "{book}", "base", "--kind", "model", "--name", "again"], "exists"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str,
                                          cli: Callable[..., Run]) -> None:
    book = str(tmp_path / "l.sqlite")
    cli("product", "add", book, "base", "--kind", "model", "--name", "Base")
    cli("product", "add", book, "ft", "--kind", "model", "--name", "FT")
    args = [a.format(book=book, missing=tmp_path / "missing.sqlite") for a in args]
    one_line_error(cli(*args), message)
    assert not (tmp_path / "missing.sqlite").exists()  # reading never creates a ledger


def _walkthrough() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text.split("## From a training script to its datasheet", 1)[1]
    body = re.search(r"```sh\n(.*?)```", block, re.S)
    assert body is not None
    return [c.strip() for c in body.group(1).replace("\\\n", " ").splitlines() if c.strip()]


@pytest.mark.slow
def test_the_readme_walkthrough_runs_as_written(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "import numpy as np\nx = np.random.default_rng(0).normal(size=(2000, 64))\n"
        "w = np.zeros(64)\nfor _ in range(200):\n    w -= 0.01 * x.T @ (x @ w - 1) / len(x)\n"
        "print('trained')\n")
    (tmp_path / "serve.py").write_text(
        "import numpy as np\nm = np.ones((64, 64))\n"
        "for _ in range(20000):\n    m @ np.ones(64)\nprint('served')\n")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    for command in _walkthrough():
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{command}: {done.stderr[-2000:]}"
        if "-- python train.py" in command:
            assert done.stdout == "trained\n"  # the command's output, untouched
    assert sorted(p.name for p in (tmp_path / "sheets").iterdir()) == [
        "mymodel.hf.yaml", "mymodel.html", "mymodel.json", "mymodel.md"]
    sheet = json.loads((tmp_path / "sheets" / "mymodel.json").read_text())
    assert sheet["identity"]["id"] == "mymodel"
    assert (tmp_path / "report" / "portfolio.csv").is_file()
    with Ledger(str(tmp_path / "ledger.sqlite")) as ledger:
        jobs = ledger.jobs()
    assert [j.phase for j in jobs] == ["training", None]
    assert jobs[1].record.meta["role"] == "inference"
    assert jobs[1].record.meta["requests"] == 1000
