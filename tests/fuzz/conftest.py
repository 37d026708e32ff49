"""The fuzz suite reuses the command-line fixture (``cli``) of the CLI tests."""

from tests.assess.cli.conftest import cli

__all__ = ["cli"]
