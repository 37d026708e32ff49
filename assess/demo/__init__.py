"""assess.demo: the main job on embedded defaults (``modelcarbon demo``, ``make demo``).

:func:`run_demo` builds a ledger with the published BERT-family lineage and a lineage
measured on this machine (a digits teacher trained, pruned, quantised and distilled; MiniLM
when its extra is installed), gives the adoption advice for each technique and writes a
datasheet per model and the portfolio report. :func:`example_jobs` are the two example jobs
whose ASC^e breakdown the command prints first.
"""

from __future__ import annotations

from assess.demo._examples import breakdown_rows, example_jobs
from assess.demo._pipeline import DemoResult, run_demo

__all__ = [
    "DemoResult",
    "breakdown_rows",
    "example_jobs",
    "run_demo",
]
