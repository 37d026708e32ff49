"""assess.demo: the main job on embedded defaults (``modelcarbon demo``, ``make demo``).

:func:`run_demo` builds a ledger with the published BERT-family lineage and a lineage
measured on this machine (a digits teacher trained, pruned, quantised and distilled; MiniLM
when its extra is installed), gives the adoption advice for each technique and writes a
datasheet per model and the portfolio report. :func:`example_jobs` are the two example jobs
whose ASC^e breakdown the command prints first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assess.demo._examples import breakdown_rows, example_jobs
    from assess.demo._pipeline import DemoResult, run_demo

#: Each public name's module, imported on first use (PEP 562): importing the package stays cheap
_EXPORTS: dict[str, tuple[str, ...]] = {
    "assess.demo._examples": ("breakdown_rows", "example_jobs"),
    "assess.demo._pipeline": ("DemoResult", "run_demo"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "DemoResult",
    "breakdown_rows",
    "example_jobs",
    "run_demo",
]


def __getattr__(name: str) -> Any:
    """Import the module of a public name on first use (PEP 562), then keep the name here."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
