"""The ``modelcarbon`` command line (typer + rich).

Each command group lives in its own module and registers itself here; errors print as one
clear line (no traceback unless ``--debug``).
"""

from __future__ import annotations

import sys

import typer

from assess.cli import _assess, _datasheet, _demo, _lineage, _measure, _requests, _study
from carbon import ModelCarbonError  # carbon._errors only: carbon's exports load lazily

__all__ = ["app", "main"]

app = typer.Typer(
    name="modelcarbon",
    help="Carbon accounting for AI: jobs, embodied hardware, platforms and model lineage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help text keeps its brackets: "[s]", "[kWh]" are units
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"modelcarbon {version('modelcarbon')}")
        except PackageNotFoundError:  # pragma: no cover - run from a source tree
            typer.echo("modelcarbon (not installed)")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug",
                               help="Show the full traceback of an error (also accepted "
                                    "after the command name, before `--`)."),
) -> None:
    """Carbon accounting for AI: jobs, embodied hardware, platforms and model lineage."""


for _module in (_demo, _assess, _measure, _lineage, _datasheet, _requests, _study):
    _module.register(app)


#: Exit code of an internal error (a bug): EX_SOFTWARE of BSD's sysexits.h.
EXIT_INTERNAL = 70


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\r" in text else text


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app.

    A modelcarbon error is one line on stderr (``error: ...``) and exit code 2; any other
    exception escaping a command is a bug: one line ``error: internal error (TypeError: ...);
    run with --debug for the traceback`` and exit code 70. ``--debug`` shows the traceback.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    # --debug is ours only before `--`: what follows belongs to a measured command
    end = args.index("--") if "--" in args else len(args)
    debug = "--debug" in args[:end]
    if debug:
        args.remove("--debug")
    try:
        app(args, standalone_mode=True)
    except ModelCarbonError as e:
        if debug:
            raise
        typer.echo(f"error: {_one_line(str(e))}", err=True)
        raise SystemExit(2) from None
    except Exception as e:  # a bug: say so in one line, the traceback only with --debug
        if debug:
            raise
        detail = _one_line(str(e))
        detail = detail if len(detail) <= 200 else detail[:199] + "…"
        typer.echo(f"error: internal error ({type(e).__name__}: {detail}); run with --debug "
                   "for the traceback", err=True)
        raise SystemExit(EXIT_INTERNAL) from None
