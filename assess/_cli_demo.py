"""``modelcarbon demo``: the main job on embedded defaults."""

from __future__ import annotations

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add the demo command."""
