"""The ``modelcarbon`` entry point: its commands, and an error as one clear line on stderr
with exit code 2 (a traceback only with --debug, wherever it is given)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from assess.cli import main
from carbon import InvalidValueError
from tests.assess.cli.runner import Run, mc, one_line_error

EXAMPLES = Path(__file__).resolve().parents[3] / "assess" / "adoption" / "_data" / "examples"


def test_top_level_help_lists_the_commands() -> None:
    run = mc("--help")  # the real entry point, in a fresh interpreter
    assert run.returncode == 0
    for command in ("demo", "datasheet", "report"):
        assert command in run.stdout


def test_a_real_process_prints_one_line(tmp_path: Path) -> None:
    one_line_error(mc("datasheet", str(tmp_path / "missing.sqlite")), "existing ledger file")


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    run = mc("--debug", "datasheet", str(tmp_path / "missing.sqlite"))
    assert run.returncode != 0 and "Traceback" in run.stderr and "DataError" in run.stderr


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


def test_every_command_is_registered(cli: Callable[..., Run]) -> None:
    run = cli("--help")
    assert run.returncode == 0
    commands = run.stdout.split("Commands:", 1)[1]
    listed = {line.split()[0] for line in commands.splitlines() if line.startswith("  ")
              and not line.startswith("   ")}
    assert {"demo", "assess", "check-calibration", "measure", "datasheet", "report",
            "requests", "product", "lineage", "job"} <= listed


def test_conventions_version_short_help_and_brackets(cli: Callable[..., Run]) -> None:
    v = cli("--version")
    assert v.returncode == 0 and v.stdout.startswith("modelcarbon ")
    h = cli("-h")
    assert h.returncode == 0 and "--debug" in h.stdout
    # bug: rich markup ate every bracketed unit ("Sampler period  for power readings")
    m = cli("measure", "-h")
    assert "Sampler period [s] for power readings" in " ".join(m.stdout.split())


def test_debug_after_the_double_dash_belongs_to_the_command(tmp_path: Path) -> None:
    # bug: `measure -- prog --debug` stripped the measured command's own --debug
    from tests.assess.cli.runner import mc

    r = mc("measure", "--idle-seconds", "0", "--journal", str(tmp_path / "j.jsonl"), "--",
           sys.executable, "-c", "import sys; print(sys.argv[1:])", "--debug")
    assert r.returncode == 0 and r.stdout == "['--debug']\n"  # stdout is the command's alone
    assert "measured:" in r.stderr


def test_a_command_that_is_not_found_exits_127(tmp_path: Path) -> None:
    from tests.assess.cli.runner import mc

    r = mc("measure", "--journal", str(tmp_path / "j.jsonl"), "--", "no-such-program-x1")
    assert r.returncode == 127 and r.stderr.strip() == "error: command not found: " \
        "no-such-program-x1"


@pytest.mark.parametrize("where", ["first", "last"])
def test_debug_anywhere_lets_the_error_through(where: str, tmp_path: Path) -> None:
    args = ["datasheet", str(tmp_path / "missing.sqlite")]
    args = ["--debug", *args] if where == "first" else [*args, "--debug"]
    with pytest.raises(Exception, match="existing ledger file") as info:
        main(args)
    assert type(info.value).__name__ == "DataError"
    assert not (tmp_path / "missing.sqlite").exists()


def test_main_reads_sys_argv_when_given_nothing(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.argv", ["modelcarbon", "check-calibration"])
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 0
    assert "[warning]" in capsys.readouterr().out


def test_an_error_outside_the_tree_is_one_line_and_exit_70(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # a bug elsewhere is not hidden: it says "internal error" (exit 70, sysexits' EX_SOFTWARE)
    # in one line, and --debug shows its traceback
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("assess.cli._app.app", broken)
    with pytest.raises(SystemExit) as info:
        main(["check-calibration"])
    assert info.value.code == 70
    err = capsys.readouterr().err
    assert err == ("error: internal error (RuntimeError: a bug); run with --debug for the "
                   "traceback\n"), err
    with pytest.raises(RuntimeError, match="a bug"):
        main(["--debug", "check-calibration"])


def test_a_modelcarbon_error_is_exit_2_on_stderr_only(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    def refuses(*args: object, **kwargs: object) -> None:
        raise InvalidValueError("pue", 0.9, "a number >= 1")

    monkeypatch.setattr("assess.cli._app.app", refuses)
    with pytest.raises(SystemExit) as e:
        main(["anything"])
    assert e.value.code == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err == "error: pue=0.9 is invalid: expected a number >= 1\n"


def test_no_arguments_prints_the_help(cli: Callable[..., Run]) -> None:
    run = cli()
    assert "Usage" in run.stdout + run.stderr and "datasheet" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
