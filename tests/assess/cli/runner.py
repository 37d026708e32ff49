"""Run ``modelcarbon`` as a user would: in a fresh interpreter (:func:`mc`) or in this process
through the same ``main`` (the ``cli`` fixture of conftest.py), and check one-line errors."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


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


def one_line_error(run: Run, *needles: str) -> None:
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lines = [x for x in run.stderr.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr
    for n in needles:
        assert n in lines[0]
