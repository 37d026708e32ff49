"""What the empirical studies share: a table of repeated, measured runs and its statistics.

A study's table has one row per run (a configuration of its factors, one repeat) and numeric
columns named ``name [unit]``. :func:`configuration_summary` gives, per configuration, the
mean and the coefficient of variation ``CV = s / mean`` [dimensionless] (:func:`measure.cv`)
of each column; :func:`factor_effect` compares the levels of one factor by
:func:`measure.groups` (Kruskal-Wallis H and p, eta squared ``(H - k + 1) / (n - k)``
[dimensionless], Shapiro-Wilk and CV per level).

>>> import pandas as pd
>>> t = pd.DataFrame({"size": ["s", "s", "s", "l", "l", "l"],
...                   "energy [J]": [1.0, 1.1, 0.9, 3.0, 3.2, 2.9]})
>>> g = factor_effect(t, "size", "energy [J]")
>>> [x.name for x in g.groups], round(g.eta_squared, 3)
(['s', 'l'], 0.8)
>>> configuration_summary(t, ["size"], ["energy [J]"])["energy [J] CV"].round(3).tolist()
[0.1, 0.05]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from carbon import InvalidValueError, parse_header
from compress._measured import JobSetting, measured_call

if TYPE_CHECKING:
    import pandas as pd

    from measure import GroupComparison

__all__ = ["configuration_summary", "factor_effect", "measured_retrying", "study_seed",
           "torch_threads"]


def _unit(column: str) -> str:
    _name, unit = parse_header(column)
    return unit or "dimensionless"


def factor_effect(table: pd.DataFrame, factor: str, column: str) -> GroupComparison:
    """The levels of ``factor`` compared on ``column`` by :func:`measure.groups`."""
    from measure import groups

    for c in (factor, column):
        if c not in table.columns:
            raise InvalidValueError("column", c, f"one of {list(table.columns)}")
    data = table[[factor, column]].dropna()
    samples = {str(level): [float(v) for v in g[column]]
               for level, g in data.groupby(factor, sort=False)}
    return groups(samples, unit=_unit(column))


def configuration_summary(table: pd.DataFrame, factors: Sequence[str],
                          columns: Sequence[str]) -> pd.DataFrame:
    """Per configuration of ``factors``: runs, and the mean and CV of every column (CV is
    NaN for a single run or a mean of 0: undefined, not zero)."""
    import numpy as np
    import pandas as pd

    from measure import cv

    rows = []
    for key, g in table.groupby(list(factors), sort=False):
        keys = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(factors, keys, strict=True))
        row["runs"] = len(g)
        for c in columns:
            x = g[c].dropna().to_numpy(dtype=float)
            row[f"{c} mean"] = float(x.mean()) if x.size else np.nan
            row[f"{c} CV"] = cv(x) if x.size >= 2 and x.mean() > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def measured_retrying(make: Any, name: str, setting: JobSetting, min_seconds: float,
                      meta: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """``measured_call`` of ``make``, retried with a 4x longer window while the estimate is
    below its resolution (a figure under one CPU accounting tick is unknown, not zero)."""
    for attempt in range(3):
        try:
            job, out, _ = measured_call(lambda: (make(), None), name, setting,
                                        min_seconds=min_seconds * 4**attempt, meta=meta)
            return job, out
        except InvalidValueError:
            if attempt == 2:
                raise
    raise AssertionError  # unreachable


def study_seed(seed: int, repeat: int, configuration: int) -> int:
    """The seed of one run: ``seed * 10007 + repeat * 101 + configuration`` (distinct for
    fewer than 101 configurations and 99 repeats, and fixed, so a study is reproducible).

    >>> study_seed(0, 2, 3)
    205
    """
    return seed * 10007 + repeat * 101 + configuration


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run a block with torch's intra-op threads set to ``n`` (None: leave them), restored.

    The studies train with one thread by default: on a shared machine an OpenMP thread that
    waits for a descheduled peer spins, and that CPU time, which is not work, enters a CPU-time
    energy estimate (the same reason as ``compress``'s comparison trials).

    >>> with torch_threads(1):
    ...     import torch; torch.get_num_threads()
    1
    """
    if n is None:
        yield
        return
    from compress._torch import require_torch

    th = require_torch()
    before = th.get_num_threads()
    th.set_num_threads(n)
    try:
        yield
    finally:
        th.set_num_threads(before)
