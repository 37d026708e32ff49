"""Benchmark of start-up: the command line's help, ``import carbon``, and what ``measure`` adds.

Prints, as medians over ``--repeats`` fresh subprocesses (the commands interleaved, one warm-up
round first, so that pint's definition cache and the OS's file cache are warm), the wall time
and the CPU time (user + system of the child) of:

- ``python -c "import typer, rich"``: the floor any typer + rich command line starts from;
- ``modelcarbon --help`` and ``modelcarbon measure --help``: target <= 2x that floor;
- ``python -c "import carbon"``, and ``from carbon import Q_, jsc, Job`` (what a user's first
  line does): target < 0.5 s;
- ``modelcarbon measure -- true`` minus a bare ``true``: target < 1 s added, also with
  ``--idle-seconds 0`` (``Monitor.auto`` measures idle power for 1 s first by default).

Each line ends with its ratio to the target (<= 1 meets it). On a shared machine the CPU
column is the steadier one; the ratios are of wall times, as a user waits them.

    .venv/bin/python benchmarks/bench_cli.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _modelcarbon() -> list[str]:
    script = Path(sys.executable).with_name("modelcarbon")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from assess.cli import main; main()"]


def commands(folder: Path) -> dict[str, list[str]]:
    """Name -> argv; a ``{i}`` in an argument is the repeat's number (a fresh journal)."""
    mc = _modelcarbon()
    py = sys.executable
    true = shutil.which("true") or "true"
    return {
        "import typer, rich": [py, "-c", "import typer, rich"],
        "modelcarbon --help": [*mc, "--help"],
        "modelcarbon measure --help": [*mc, "measure", "--help"],
        "import carbon": [py, "-c", "import carbon"],
        "from carbon import Q_, jsc, Job": [py, "-c", "from carbon import Q_, jsc, Job"],
        "true": [true],
        "modelcarbon measure -- true": [*mc, "measure", "--journal",
                                        str(folder / "j{i}.jsonl"), "--", true],
        "measure --idle-seconds 0 -- true": [*mc, "measure", "--idle-seconds", "0",
                                             "--journal", str(folder / "k{i}.jsonl"), "--",
                                             true],
    }


def run_once(argv: list[str], i: int, cwd: Path) -> tuple[float, float]:
    """(wall [s], child CPU [s]) of one fresh process."""
    args = [a.replace("{i}", str(i)) for a in argv]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, timeout=300)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cmds = commands(folder)
        walls: dict[str, list[float]] = {k: [] for k in cmds}
        cpus: dict[str, list[float]] = {k: [] for k in cmds}
        for argv in cmds.values():  # warm-up round, not counted
            run_once(argv, -1, folder)
        for i in range(args.repeats):  # interleaved: a busy spell hits every command alike
            for name, argv in cmds.items():
                wall, cpu = run_once(argv, i, folder)
                walls[name].append(wall)
                cpus[name].append(cpu)
    wall = {k: statistics.median(v) for k, v in walls.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    floor = wall["import typer, rich"]
    print(f"start-up, medians of {args.repeats} fresh processes "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'command':44s} {'wall [s]':>9s} {'CPU [s]':>8s}  target        ratio")

    def line(name: str, target: str, ratio: float | None, *, added: bool = False) -> None:
        w, c = wall[name], cpu[name]
        if added:  # what measuring adds to the bare command
            w, c, name = w - wall["true"], c - cpu["true"], f"{name} (added)"
        r = "" if ratio is None else f"{ratio:5.2f}"
        print(f"{name:44s} {w:9.3f} {c:8.3f}  {target:12s} {r}")

    line("import typer, rich", "(the floor)", None)
    line("modelcarbon --help", "<= 2x floor", wall["modelcarbon --help"] / (2 * floor))
    line("modelcarbon measure --help", "<= 2x floor",
         wall["modelcarbon measure --help"] / (2 * floor))
    line("import carbon", "< 0.5 s", wall["import carbon"] / 0.5)
    line("from carbon import Q_, jsc, Job", "< 0.5 s",
         wall["from carbon import Q_, jsc, Job"] / 0.5)
    for name in ("modelcarbon measure -- true", "measure --idle-seconds 0 -- true"):
        line(name, "< 1 s added", (wall[name] - wall["true"]) / 1.0, added=True)


if __name__ == "__main__":
    main()
