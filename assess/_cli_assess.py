"""Command-line commands of this group (registered by assess.cli)."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app (filled in by its issue)."""
