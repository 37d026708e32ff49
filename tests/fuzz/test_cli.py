"""Fuzzing the command line: every command, generated arguments, hostile files.

Each run must end as a user expects from a careful tool: exit 0, or one ``error:`` line on
stderr and exit 2 (127 for a measured command that is not found), never a traceback and
never a hang (every case has a time budget through the in-process runner). An exception
that is not the project's is a bug: one line ``error: internal error (...)`` and exit 70.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.assess.cli.runner import Run
from tests.fuzz.budget import n

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


@settings(max_examples=n(120), deadline=None,
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


# --- malformed files of every accepted format -------------------------------------------------

_ORG = ("name: ACME\nbarriers: {perceived_benefits: H, environmental_awareness: M, "
        "information: M, resources: L}\n")
_TECH = ("techniques:\n  - id: {id}\n    rated: {{complexity: L, effort: L, disruption: L, "
         "energy_reduction: H}}\n")
_CONTENTS = st.one_of(
    st.binary(max_size=200),
    st.sampled_from([
        b"", bytes(range(256)), "caf\xe9: 1\n".encode("latin-1"), "a: 1\n".encode("utf-16"),
        b"a: [1, 2\n", b"- 1\n- 2\n", b"5\n", b"null\n", b'{"nodes": []}', b"[1, 2]",
        b"SQLite format 3\x00" + bytes(100), _ORG.encode(), b"barriers: [1]\n",
        b"techniques: [5]\n", b"techniques: [{name: '[bold]x', rated: {}}]\n",
        ("name: '" + "x" * 300 + "'\n").encode(), ("name: '[/]'\n" + _ORG[11:]).encode(),
        b"thresholds: {positive_above: 1e400, negative_below: -1}\n",
        ("thresholds: {positive_above: " + "9" * 5000 + "}\n").encode(),
    ]),
)
_NAMES = st.sampled_from(["f.yaml", "f.yml", "f.json", "f.sqlite", "f.csv", "f.txt",
                          "x" * 200 + ".yaml", "[bold].yaml", "é.yaml"])


@settings(max_examples=n(60), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(command=st.sampled_from(["assess-org", "assess-tech", "check-calibration",
                                "datasheet", "report"]),
       content=_CONTENTS, name=_NAMES, extra=st.lists(_WORDS, max_size=2))
def test_malformed_files(command: str, content: bytes, name: str, extra: list[str],
                         tmp_path: Path, cli: Callable[..., Run]) -> None:
    tmp = Path(tempfile.mkdtemp(dir=tmp_path))
    bad = tmp / name
    bad.write_bytes(content)
    org, tech = tmp / "org.yaml", tmp / "tech.yaml"
    org.write_text(_ORG, encoding="utf-8")
    tech.write_text(_TECH.format(id="quantisation"), encoding="utf-8")
    args = {
        "assess-org": ["assess", "--org", str(bad), "--techniques", str(tech)],
        "assess-tech": ["assess", "--org", str(org), "--techniques", str(bad)],
        "check-calibration": ["check-calibration", str(bad)],
        "datasheet": ["datasheet", str(bad), "--out", str(tmp / "out"), *extra],
        "report": ["report", str(bad), "--out", str(tmp / "out")],
    }[command]
    cwd = os.getcwd()
    os.chdir(tmp)
    try:
        run = cli(*args)
    finally:
        os.chdir(cwd)
    assert "Traceback" not in run.stderr, (args, run.stderr[-3000:])
    assert run.returncode in (0, 2), (args, run.returncode, run.stderr[-1000:])
    if run.returncode == 2:
        lines = [x for x in run.stderr.splitlines() if x.strip()]
        assert lines and (lines[-1].startswith("error: ") or any(
            x.startswith(("Usage:", "Error")) for x in lines)), (args, run.stderr)
        errors = [x for x in lines if x.startswith("error: ")]
        assert len(errors) <= 1, run.stderr
    assert bad.read_bytes() == content, "a command that only reads wrote its input"


@pytest.mark.parametrize("option", ["--lifetime-requests", "--requests-per-year"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_report_refuses_nan_and_inf(option: str, value: str, tmp_path: Path,
                                    cli: Callable[..., Run]) -> None:
    run = cli("report", _ledger(tmp_path), "--out", str(tmp_path / "out"), option, value)
    assert run.returncode == 2 and option in run.stderr and "Traceback" not in run.stderr


def test_a_bug_is_one_line_and_exit_70(monkeypatch: pytest.MonkeyPatch,
                                       cli: Callable[..., Run]) -> None:
    """An exception that is not the project's (a bug) is one line, exit 70, no traceback;
    --debug shows the traceback."""
    import assess.adoption as mod  # the command imports load_calibration from it when it runs

    def broken(path: object) -> object:
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'\nsecond line")

    monkeypatch.setattr(mod, "load_calibration", broken)
    run = cli("check-calibration", "whatever.yaml")
    assert run.returncode == 70, run
    lines = [x for x in run.stderr.splitlines() if x.strip()]
    assert lines == ["error: internal error (TypeError: unsupported operand type(s) for +: "
                     "'int' and 'str' second line); run with --debug for the traceback"], lines
    from assess.cli import main

    with pytest.raises(TypeError):
        main(["--debug", "check-calibration", "whatever.yaml"])


def test_a_project_error_is_one_line(cli: Callable[..., Run], tmp_path: Path) -> None:
    bad = tmp_path / "cal.yaml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    run = cli("check-calibration", str(bad))
    lines = [x for x in run.stderr.splitlines() if x.strip()]
    assert run.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "line 2, column 1" in lines[0]
