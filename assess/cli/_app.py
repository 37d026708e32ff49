"""The ``modelcarbon`` command line (typer + rich).

Each command group lives in its own module and registers itself here; errors print as one
clear line (no traceback unless ``--debug``).
"""

from __future__ import annotations

import sys

import typer

from assess.cli import _assess, _datasheet, _demo, _measure, _requests
from carbon import ModelCarbonError

__all__ = ["app", "main"]

app = typer.Typer(
    name="modelcarbon",
    help="Carbon accounting for AI: jobs, embodied hardware, platforms and model lineage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)



@app.callback()
def _root() -> None:
    """Carbon accounting for AI: jobs, embodied hardware, platforms and model lineage.

    Add --debug anywhere to see a full traceback on error.
    """


for _module in (_demo, _assess, _measure, _datasheet, _requests):
    _module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app; a modelcarbon error is one line on stderr, exit code 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    try:
        app(args, standalone_mode=True)
    except ModelCarbonError as e:
        if debug:
            raise
        typer.echo(f"error: {e}", err=True)
        raise SystemExit(2) from None
