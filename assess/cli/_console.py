"""One way to make the CLI's Rich console: full width when piped, colour as the user asks.

Rich sizes a console that is not a terminal at 80 columns and cuts table cells to fit
(``tdp-es…``), so piped or captured output lost values. :func:`pipe_console` keeps the
terminal's width on a terminal and gives a console writing to a pipe or file room for every
value (:data:`PIPE_WIDTH` columns: long lines are left to the reader, never cut). ``NO_COLOR``
and ``FORCE_COLOR`` are honoured by Rich itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["PIPE_WIDTH", "pipe_console"]

#: Columns of a console that writes to a pipe or a file.
PIPE_WIDTH = 400


def pipe_console(*, stderr: bool = False, **kw: Any) -> Console:
    """A :class:`rich.console.Console` on stdout (or ``stderr``) that never cuts a value.

    >>> import io
    >>> c = pipe_console(file=io.StringIO())
    >>> c.width
    400
    """
    from rich.console import Console

    console = Console(stderr=stderr, **kw)
    if not console.is_terminal and "width" not in kw:
        console = Console(stderr=stderr, width=PIPE_WIDTH, **kw)
    return console
