"""How hard the fuzz suite tries: quick by default, thorough with ``FUZZ_LONG=1``.

``n(100)`` is 100 generated examples normally and 20 times as many under ``FUZZ_LONG=1``
(the long profile, for a nightly run); the whole of tests/fuzz stays under about two minutes
on two cores by default.
"""

from __future__ import annotations

import os

LONG = os.environ.get("FUZZ_LONG") == "1"


def n(default: int) -> int:
    """The number of examples for a property whose quick budget is ``default``."""
    return default * 20 if LONG else default
