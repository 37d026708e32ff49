"""The data-centric study: six scikit-learn algorithms x row fractions x feature fractions.

After Verdecchia et al. 2022 ("Data-Centric Green AI: An Exploratory Empirical Study", ICT4S,
doi:10.1109/ICT4S55073.2022.00015), on scikit-learn's bundled digits (offline). Every run
reduces the training rows (:func:`compress.reduce_rows`) and then the features
(:func:`compress.select_features`, chi-squared), trains one algorithm and predicts the held-out
split, each step a measured job. Columns of :attr:`DataStudy.table`:

- ``training_energy [J]``: the fit's window energy (``compress.measured_call``: a fit shorter
  than ``min_seconds`` is repeated in one window and divided, so the estimate sees ticks);
- ``inference_energy [J]``: energy per prediction ``E_predict / N_test``;
- ``reduction_energy [J]``: energy of the two reductions (0 rows removed: not run, NaN);
- ``accuracy``: held-out accuracy [dimensionless].

Repeats are the outer loop (configurations interleaved within each repeat, so that drift in
the machine's load spreads over all of them); seeds are :func:`compress.study_seed`.

Energies [J] are the monitor's figures, each with its label: hardware counters where the
machine has them (NVML, RAPL), else the Green Algorithms estimate (TDP per logical CPU x
CPU time; Lannelongue, Grealey, Inouye 2021, Advanced Science, doi:10.1002/advs.202100707)
that ``measure`` makes and labels ``estimated``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carbon import UnknownKeyError
from compress._checks import count
from compress._data import reduce_rows, select_features
from compress._factorial import (
    configuration_summary,
    factor_effect,
    measured_retrying,
    study_seed,
)
from compress._measured import JobSetting, energy_of

if TYPE_CHECKING:
    import pandas as pd

    from lineage import ProvenanceGraph
    from measure import GroupComparison

__all__ = ["ALGORITHMS", "DataStudy", "data_study", "make_algorithm"]

ALGORITHMS: tuple[str, ...] = ("logistic_regression", "decision_tree", "random_forest",
                               "knn", "naive_bayes", "svm")
COLUMNS = ("training_energy [J]", "inference_energy [J]", "reduction_energy [J]", "accuracy")


def make_algorithm(name: str, seed: int) -> Any:
    """A fresh scikit-learn classifier by name (seeded where it is random).

    >>> type(make_algorithm("knn", 0)).__name__
    'KNeighborsClassifier'
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    makers: dict[str, Any] = {
        "logistic_regression": lambda: LogisticRegression(max_iter=2000),
        "decision_tree": lambda: DecisionTreeClassifier(random_state=seed),
        "random_forest": lambda: RandomForestClassifier(n_estimators=50, random_state=seed,
                                                        n_jobs=1),
        "knn": lambda: KNeighborsClassifier(n_neighbors=5),
        "naive_bayes": GaussianNB,
        "svm": lambda: SVC(kernel="rbf"),
    }
    if name not in makers:
        raise UnknownKeyError("algorithm", name, f"one of {ALGORITHMS}")
    return makers[name]()


@dataclass(frozen=True)
class DataStudy:
    """One row per run (algorithm, rows, features, repeat) and its measured figures."""

    table: pd.DataFrame
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """Mean and CV of every figure per configuration."""
        return configuration_summary(self.table, ["algorithm", "rows", "features"],
                                     list(COLUMNS))

    def effect(self, factor: str, column: str = "training_energy [J]", *,
               algorithm: str | None = None) -> GroupComparison:
        """Kruskal-Wallis, eta squared, Shapiro-Wilk and CV over the levels of ``factor``
        (for one ``algorithm`` only when given: the algorithms' spread dwarfs the rest)."""
        t = self.table
        return factor_effect(t if algorithm is None else t[t["algorithm"] == algorithm],
                             factor, column)


def _fit(model: Any) -> Any:
    from sklearn.exceptions import ConvergenceWarning

    def fit(x: Any, y: Any) -> tuple[Any, bool]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(x, y)
        return model, not any(issubclass(w.category, ConvergenceWarning) for w in caught)

    return fit


def data_study(*, setting: JobSetting, algorithms: Sequence[str] = ALGORITHMS,
               row_fractions: Sequence[float] = (0.1, 0.25, 0.5, 1.0),
               feature_fractions: Sequence[float] = (0.25, 0.5, 1.0), repeats: int = 3,
               seed: int = 0, graph: ProvenanceGraph | None = None, dataset: str = "digits",
               min_seconds: float = 0.05) -> DataStudy:
    """Run the study (module doc). With ``graph``, ``dataset`` must be in it: every reduced
    dataset is its ``derived_from`` child, and every trained model a product ``trained_on``
    its data with its training job."""
    import pandas as pd

    from compress._digits import digits_split

    count(repeats, "repeats", "repetitions of every configuration")
    for a in algorithms:
        make_algorithm(a, 0)
    if graph is not None and dataset not in graph:
        raise UnknownKeyError("dataset", dataset, "a dataset in the graph (add_dataset)")
    s = digits_split(seed)
    x, y = s.x_train.numpy(), s.y_train.numpy()
    x_test, y_test = s.x_test.numpy(), s.y_test.numpy()
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    configs = [(a, rf, ff) for rf in row_fractions for ff in feature_fractions
               for a in algorithms]
    for r in range(repeats):
        reduced: dict[tuple[float, float], tuple[Any, Any, Any, float, str]] = {}
        for i, (algo, rf, ff) in enumerate(configs):
            run_seed = study_seed(seed, r, i)
            if (rf, ff) not in reduced:
                reduced[(rf, ff)] = _reduce(x, y, rf, ff, seed=study_seed(seed, r, 0),
                                            setting=setting, graph=graph, dataset=dataset,
                                            repeat=r, min_seconds=min_seconds)
            xr, yr, cols, e_red, data_id = reduced[(rf, ff)]
            fit = _fit(make_algorithm(algo, run_seed))
            name = f"{algo} rows={rf:g} features={ff:g} repeat {r}"
            job, (model, converged) = measured_retrying(
                lambda fit=fit, xr=xr, yr=yr: fit(xr, yr), f"train {name}", setting,
                min_seconds, meta={"algorithm": algo, "rows": rf, "features": ff, "repeat": r})
            if not converged:
                notes.append(f"{name}: did not converge (ConvergenceWarning)")
            xt = x_test[:, cols]
            pjob, pred = measured_retrying(lambda m=model, xt=xt: m.predict(xt),
                                          f"predict {name}", setting, min_seconds)
            if graph is not None:
                mid = f"{algo}@{data_id}#{r}"
                graph.add_model(mid, name=name, source="compress.data_study")
                graph.derive(mid, data_id, "trained_on")
                graph.add_job(mid, job, phase="training")
            rows.append({"algorithm": algo, "rows": rf, "features": ff, "repeat": r,
                         "n_train": len(xr), "n_features": len(cols),
                         "training_energy [J]": energy_of(job).m_as("J"),
                         "inference_energy [J]": energy_of(pjob).m_as("J") / len(xt),
                         "reduction_energy [J]": e_red,
                         "accuracy": float((pred == y_test).mean())})
    return DataStudy(pd.DataFrame(rows), tuple(dict.fromkeys(notes)))


def _reduce(x: Any, y: Any, rf: float, ff: float, *, seed: int, setting: JobSetting,
            graph: ProvenanceGraph | None, dataset: str, repeat: int,
            min_seconds: float) -> tuple[Any, Any, Any, float, str]:
    import numpy as np

    energy = 0.0
    parent = dataset
    xr, yr = x, y
    if rf < 1.0:
        child = f"{dataset}/rows={rf:g}#{repeat}"
        red = reduce_rows(x, y, rf, seed=seed, setting=setting, min_seconds=min_seconds,
                          **_lineage(graph, parent, child))
        xr, yr = red.x, red.y
        energy += energy_of(red.job).m_as("J") if red.job is not None else 0.0
        parent = child
    cols = np.arange(x.shape[1])
    if ff < 1.0:
        child = f"{parent}/features={ff:g}" + ("" if rf < 1.0 else f"#{repeat}")
        sel = select_features(xr, yr, ff, setting=setting, min_seconds=min_seconds,
                              **_lineage(graph, parent, child))
        xr, cols = sel.x, sel.kept
        energy += energy_of(sel.job).m_as("J") if sel.job is not None else 0.0
        parent = child
    return xr, yr, cols, (energy if (rf < 1.0 or ff < 1.0) else math.nan), parent


def _lineage(graph: ProvenanceGraph | None, parent: str, child: str) -> dict[str, Any]:
    if graph is None or child in graph:
        return {}
    return {"graph": graph, "parent": parent, "child": child}
