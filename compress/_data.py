"""Data reduction as techniques: fewer rows, fewer features, each a child dataset in lineage.

Two data-centric reductions, each run as a measured job (``compress.measured_call``) in
phase ``data`` on a new dataset product that is ``derived_from`` its parent
(``graph.add_dataset``):

- :func:`reduce_rows`: a stratified random sample of ``round(f * n)`` rows, ``f`` in (0, 1]
  [dimensionless] (every class keeps its share);
- :func:`select_features`: the ``k = max(1, round(f * d))`` features of highest chi-squared
  statistic against the labels (``sklearn.feature_selection.SelectKBest(chi2)``; Pearson's
  statistic ``chi2_j = sum_c (O_cj - E_cj)^2 / E_cj`` over the classes ``c``, for
  non-negative features such as pixel intensities).

The data-centric energy study (Verdecchia, Cruz, Sallou, Lin, Malley, Lago 2022,
"Data-Centric Green AI: An Exploratory Empirical Study", ICT4S,
doi:10.1109/ICT4S55073.2022.00015) measures what these reductions save in training energy
and cost in accuracy: :func:`compress.data_study`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carbon import InvalidValueError, UnknownKeyError
from compress._factorial import measured_retrying
from compress._measured import JobSetting

if TYPE_CHECKING:
    import numpy as np

    from carbon import Job
    from lineage import ProvenanceGraph

__all__ = ["Reduced", "reduce_rows", "select_features"]


@dataclass(frozen=True)
class Reduced:
    """A reduced dataset: its arrays, the rows or feature columns kept, and its job."""

    x: np.ndarray
    y: np.ndarray
    kept: np.ndarray
    dataset: str | None
    job: Job | None


def _fraction(f: Any, field: str) -> float:
    if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0.0 < f <= 1.0:
        raise InvalidValueError(field, f, "a fraction in (0, 1] of the data to keep")
    return float(f)


def _rows(x: np.ndarray, y: np.ndarray, f: float, seed: int) -> np.ndarray:
    import numpy as np
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(x))
    n_keep = round(f * len(x))
    if n_keep >= len(x):
        return idx
    n_classes = len(np.unique(y))
    if n_keep < n_classes:
        raise InvalidValueError("fraction", f, f"a fraction keeping at least one row per "
                                f"class ({n_classes} of {len(x)} rows)")
    kept, _ = train_test_split(idx, train_size=n_keep, stratify=y, random_state=seed)
    return np.sort(kept)


def _features(x: np.ndarray, y: np.ndarray, f: float) -> np.ndarray:
    import numpy as np
    from sklearn.feature_selection import SelectKBest, chi2

    if (x < 0).any():
        raise InvalidValueError("x", "negative values", "non-negative features (chi-squared)")
    k = max(1, round(f * x.shape[1]))
    usable = x.max(axis=0) > 0  # an all-zero column has no chi-squared statistic
    kept_of_usable = SelectKBest(chi2, k=min(k, int(usable.sum()))).fit(x[:, usable], y)
    return np.sort(np.flatnonzero(usable)[kept_of_usable.get_support(indices=True)])


def _record(kept_fn: Any, name: str, *, graph: ProvenanceGraph | None, parent: str | None,
            child: str | None, setting: JobSetting | None, min_seconds: float,
            meta: dict[str, Any]) -> tuple[Any, Job | None]:
    if (graph is None) != (parent is None) or (graph is None) != (child is None):
        raise InvalidValueError("graph", graph, "graph, parent and child together, or none")
    if graph is not None and setting is None:
        raise InvalidValueError("setting", None, "a JobSetting to measure the reduction with")
    if graph is not None:
        if parent not in graph:
            raise UnknownKeyError("parent", parent, "a dataset in the graph (add_dataset)")
        if child in graph:
            raise InvalidValueError("child", child, "a new product id")
    if setting is None:
        return kept_fn(), None
    job, kept = measured_retrying(kept_fn, name, setting, min_seconds, meta)
    if graph is not None and parent is not None and child is not None:
        graph.add_dataset(child, name=child, source=f"compress.{meta['technique']} of {parent}")
        graph.derive(child, parent, "derived_from")
        graph.add_job(child, job, phase="data")
    return kept, job


def reduce_rows(x: np.ndarray, y: np.ndarray, fraction: float, *, seed: int = 0,
                graph: ProvenanceGraph | None = None, parent: str | None = None,
                child: str | None = None, setting: JobSetting | None = None,
                min_seconds: float = 0.05) -> Reduced:
    """Keep a stratified ``fraction`` of the rows (module doc); measured and recorded as a
    child dataset when ``graph``, ``parent``, ``child`` and ``setting`` are given.

    >>> import numpy as np
    >>> x, y = np.arange(40.0).reshape(20, 2), np.array([0, 1] * 10)
    >>> r = reduce_rows(x, y, 0.5)
    >>> r.x.shape, int(r.y.sum())
    ((10, 2), 5)
    """
    f = _fraction(fraction, "fraction")
    kept, job = _record(lambda: _rows(x, y, f, seed), f"reduce_rows {f:g}", graph=graph,
                        parent=parent, child=child, setting=setting, min_seconds=min_seconds,
                        meta={"technique": "reduce_rows", "fraction": f, "seed": seed})
    return Reduced(x[kept], y[kept], kept, child, job)


def select_features(x: np.ndarray, y: np.ndarray, fraction: float, *,
                    graph: ProvenanceGraph | None = None, parent: str | None = None,
                    child: str | None = None, setting: JobSetting | None = None,
                    min_seconds: float = 0.05) -> Reduced:
    """Keep the ``fraction`` of feature columns of highest chi-squared score (module doc).

    ``kept`` holds the column indices, to apply the same selection to held-out data.

    >>> import numpy as np
    >>> y = np.array([0, 1] * 10)
    >>> x = np.stack([y * 5.0, np.ones(20), (1 - y) * 3.0], axis=1)
    >>> select_features(x, y, 0.34).kept.tolist()
    [0]
    """
    f = _fraction(fraction, "fraction")
    kept, job = _record(lambda: _features(x, y, f), f"select_features {f:g}", graph=graph,
                        parent=parent, child=child, setting=setting, min_seconds=min_seconds,
                        meta={"technique": "select_features", "fraction": f})
    return Reduced(x[:, kept], y, kept, child, job)
