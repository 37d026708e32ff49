"""The journal never loses a reading: torn lines, recovery once, SIGKILL mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from measure import Journal, Monitor, recover, run_command

REPO = Path(__file__).resolve().parents[2]


def _cpu_monitor() -> Monitor:
    return Monitor(gpus=None, cpu="estimate", memory=None)


# the command waits until the journal holds two checkpoints (not a fixed sleep, which a
# monitor slowed down by a busy machine could outlast)
_WAIT_FOR_CHECKPOINTS = (
    "import json, pathlib, sys, time\n"
    "path, deadline = pathlib.Path(sys.argv[1]), time.monotonic() + 60\n"
    "while time.monotonic() < deadline and sum('\"checkpoint\"' in x for x in\n"
    "        (path.read_text().splitlines() if path.exists() else [])) < 2:\n"
    "    time.sleep(0.02)\n")


def test_run_command_journals_begin_checkpoints_end(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    seen = []
    m = run_command([sys.executable, "-c", _WAIT_FOR_CHECKPOINTS, str(path)],
                    journal_path=path, checkpoint_interval=0.1, monitor=_cpu_monitor(),
                    name="sleep", on_checkpoint=seen.append)
    types = [r["type"] for r in Journal(path).records()]
    assert types[0] == "begin" and types[-1] == "end" and types.count("checkpoint") >= 2
    assert len(seen) == types.count("checkpoint")
    assert m.name == "sleep" and m.meta["exit_code"] == 0 and m.duration.m_as("s") >= 0.2
    assert Journal(path).completed()[0].to_dict() == m.to_dict()
    assert recover(path) == []


def test_failing_command_is_recorded_with_its_code(tmp_path: Path) -> None:
    m = run_command([sys.executable, "-c", "raise SystemExit(3)"], journal_path=tmp_path / "j",
                    checkpoint_interval=5.0, monitor=_cpu_monitor())
    assert m.meta["exit_code"] == 3 and any("code 3" in n for n in m.notes)


def test_missing_command_raises_and_leaves_nothing_open(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        run_command(["/nonexistent/cmd"], journal_path=tmp_path / "j", monitor=_cpu_monitor())
    assert recover(tmp_path / "j") == []


def test_torn_line_is_skipped_and_fenced(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    j = Journal(path)
    j.begin("a", "first", devices=[])
    with path.open("a") as f:
        f.write('{"type": "checkpoint", "job": "a", "measu')  # a crash mid-write
    j.begin("b", "second", devices=[])
    assert [r["job"] for r in j.records()] == ["a", "b"]
    assert sorted(m.name for m in j.recover()) == ["first", "second"]
    assert j.recover() == []


def test_recovered_job_has_energy_of_last_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    mon = _cpu_monitor()
    j = Journal(path)
    j.begin("x", "train", devices=mon.devices)
    mon.begin_window("train")
    time.sleep(0.05)
    first = mon.peek("train")
    j.checkpoint("x", first)
    time.sleep(0.05)
    last = mon.peek("train")
    j.checkpoint("x", last)
    [m] = j.recover()
    assert m.incomplete and not m.complete and m.meta["job_id"] == "x"
    assert m.duration == last.duration
    assert m.device("cpu").energy == last.device("cpu").energy
    assert "partial" in m.device("cpu").flags and "open" not in m.device("cpu").flags


def test_crash_before_first_checkpoint_is_unknown_not_zero(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j")
    j.begin("x", "train", devices=_cpu_monitor().devices)
    [m] = j.recover()
    assert m.total_energy is None and "first checkpoint" in (m.devices[0].reason or "")


@pytest.mark.slow
def test_sigkill_mid_run_is_recovered_as_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "journal.jsonl"
    # the command burns 0.1 s of CPU (ten ticks) before it sleeps: its start-up alone may use
    # no whole tick, and a window with no tick has an unknown energy, so no checkpoint could
    # ever show a known one (bug: failed once in a fresh-clone run beside a busy loop)
    busy = ("import time\nt = time.process_time()\nwhile time.process_time() - t < 0.1: pass\n"
            "time.sleep(60)\n")
    code = (
        "import sys\n"
        f"BUSY_THEN_SLEEP = {busy!r}\n"
        "from measure import Monitor, run_command\n"
        "run_command([sys.executable, '-c', BUSY_THEN_SLEEP],\n"
        f"            journal_path={str(path)!r}, checkpoint_interval=0.1, name='long job',\n"
        "            monitor=Monitor(gpus=None, cpu='estimate', memory=None))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        # three checkpoints, the last with the command's CPU energy known: on a busy machine
        # the command may not have used a CPU tick by the third (not a fixed count to race)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            marks = [r for r in (json.loads(x) for x in (
                path.read_text().splitlines() if path.exists() else []) if x.endswith("}"))
                if r.get("type") == "checkpoint"]
            if len(marks) >= 3 and marks[-1]["measurement"]["devices"][0]["energy_j"]:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the measured process wrote no checkpoint with a known CPU energy")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the monitor and its command, no clean-up
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    [m] = recover(path)
    assert m.name == "long job" and m.incomplete
    assert m.duration.m_as("s") >= 0.2
    cpu = m.device("cpu")
    assert cpu.energy is not None and "partial" in cpu.flags and not cpu.complete
    assert recover(path) == []  # found once
