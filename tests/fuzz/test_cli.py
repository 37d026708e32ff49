"""Fuzzing the command line: every command, generated arguments, hostile files.

Each run must end as a user expects from a careful tool: exit 0, or one ``error:`` line on
stderr and exit 2 (127 for a measured command that is not found), never a traceback and
never a hang (every case has a time budget through the in-process runner).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.assess.cli.runner import Run

_WORDS = st.sampled_from([
    "", " ", "-", "--", "-1", "0", "1e-9", "nan", "inf", "1e309", "abc", "'", '"', "[s]",
    "250 gCO2e/kWh", "-5 kWh", "1 year", "FRA", "XYZ", "model", "dataset", "all", "json",
    "training", "lunch", "\x00", "é", "a/b", "../../etc/passwd", "x" * 300, "--json",
])
_OPTIONS = {
    "product add": ["--kind", "--name", "--lifetime", "--source", "--revision"],
    "product list": ["--json"],
    "lineage derive": ["--share", "--policy"],
    "lineage show": ["--json"],
    "lineage validate": ["--json"],
    "job add": ["--product", "--phase", "--carbon", "--source", "--provenance", "--name"],
    "job list": ["--product", "--json"],
    "datasheet": ["--out", "--formats", "--product"],
    "report": ["--out", "--formats"],
    "assess": ["--org", "--techniques", "--json"],
    "check-calibration": [],
    "requests": ["--devices", "--hourly", "--out", "--scheduler"],
}


def _files(tmp: Path) -> dict[str, str]:
    garbage = tmp / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 8)
    text = tmp / "notes.txt"
    text.write_text("name,value\n=cmd|' /C calc'!A0,1\n")
    yaml_bad = tmp / "bad.yaml"
    yaml_bad.write_text("barriers: [1, 2\n  - : :\n")
    empty = tmp / "empty.txt"
    empty.write_bytes(b"")
    return {"garbage": str(garbage), "text": str(text), "yaml": str(yaml_bad),
            "empty": str(empty), "missing": str(tmp / "missing.sqlite"), "dir": str(tmp)}


def _ledger(tmp: Path) -> str:
    """A small real ledger: two models, an edge, a reported job."""
    from lineage import Ledger, ReportedCarbon

    path = tmp / "real.sqlite"
    with Ledger(str(path)) as book:
        book.add_product("base", kind="model", name="Base", lifetime="1 year")
        book.add_product("ft", kind="model", name="FT")
        book.derive("ft", "base", "fine_tuned_from", share=0.5)
        book.add_job(ReportedCarbon(carbon="2 tCO2e", source="card"), product="base",
                     phase="training")
    return str(path)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command=st.sampled_from(sorted(_OPTIONS)), data=st.data())
def test_every_command_ends_cleanly(command: str, data: st.DataObject, tmp_path: Path,
                                    cli: Callable[..., Run]) -> None:
    tmp_path = Path(tempfile.mkdtemp(dir=tmp_path))  # one folder per generated example
    files = _files(tmp_path)
    before = {p: Path(p).read_bytes() for k, p in files.items() if k not in ("missing", "dir")}
    real = _ledger(tmp_path)
    places = st.sampled_from(sorted({*files.values(), real, real, real}))
    args = command.split()
    n_pos = data.draw(st.integers(0, 3), label="positionals")
    for k in range(n_pos):
        args.append(data.draw(places if k == 0 else st.one_of(
            _WORDS, places, st.sampled_from(["base", "ft", "fine_tuned_from", "trained_on"]))))
    for _ in range(data.draw(st.integers(0, 4), label="options")):
        if not _OPTIONS[command]:
            break
        opt = data.draw(st.sampled_from(_OPTIONS[command]))
        args.append(opt)
        if opt != "--json":
            args.append(data.draw(st.one_of(_WORDS, places, st.sampled_from(
                ["base", "ft", "model", "training", "0.5", "1 year", "2 kgCO2e", "html,md",
                 str(tmp_path / "out")]))))
    cwd = os.getcwd()
    os.chdir(tmp_path)  # a command that writes by default writes here, never in the repo
    try:
        run = cli(*args)
    finally:
        os.chdir(cwd)
    assert "Traceback" not in run.stderr, (args, run.stderr[-3000:])
    assert run.returncode in (0, 2), (args, run.returncode, run.stderr[-1000:])
    if run.returncode == 2:
        lines = [x for x in run.stderr.splitlines() if x.strip()]
        assert (lines and lines[-1].startswith(("error:", "Error:", "Usage:", "Try "))) or \
            any(x.startswith(("error:", "Error")) for x in lines), (args, run.stderr)
    for path, content in before.items():  # a command that only reads never writes a file
        assert Path(path).read_bytes() == content, (args, path)
    assert not Path(files["missing"]).exists(), args
