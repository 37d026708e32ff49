"""assess.cli: the ``modelcarbon`` command line (typer + rich), one module per command.

``main`` runs the app: a modelcarbon error is one ``error:`` line on stderr and exit code 2,
never a traceback (``--debug`` shows it).
"""

from __future__ import annotations

from assess.cli._app import app, main

__all__ = [
    "app",
    "main",
]
