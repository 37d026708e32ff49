"""assess.demo: the main job on embedded defaults (``modelcarbon demo``, ``make demo``).

:func:`run_demo` builds a ledger with the published BERT-family lineage and a lineage
measured on this machine (a digits teacher trained, pruned, quantised and distilled; MiniLM
when its extra is installed), gives the adoption advice for each technique and writes a
datasheet per model and the portfolio report. :func:`example_jobs` are the two example jobs
whose ASC^e breakdown the command prints first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from carbon import lazy_exports

if TYPE_CHECKING:
    from assess.demo._examples import breakdown_rows, example_jobs
    from assess.demo._pipeline import DemoResult, run_demo

#: Each public name's module, imported on first use (PEP 562): importing the package stays cheap
_EXPORTS: dict[str, tuple[str, ...]] = {
    "assess.demo._examples": ("breakdown_rows", "example_jobs"),
    "assess.demo._pipeline": ("DemoResult", "run_demo"),
}
__all__ = [
    "DemoResult",
    "breakdown_rows",
    "example_jobs",
    "run_demo",
]


#: each public name imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
