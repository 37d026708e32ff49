"""Hyperparameter search strategies as measured experiments, and their comparison by energy.

Optuna (Akiba, Sano, Yanase, Ohta, Koyama 2019, "Optuna: A Next-generation Hyperparameter
Optimization Framework", KDD, doi:10.1145/3292500.3330701) drives a search over a small MLP
on scikit-learn's digits with one of its samplers: ``grid``, ``random``, ``tpe`` (tree-
structured Parzen estimator) or ``gp`` (Gaussian process, where the installed Optuna has it).
Every trial (train, then score on the validation split) runs in its own ``measure.Monitor``
window (``compress.measured_call``); it becomes a ``carbon.Job`` (``Measurement.to_job``) on the
searched model's lineage in phase ``experiment``, so the model's EPC includes its search.

A strategy is judged over repeated seeds by two figures of one search run:

- energy to reach a target ``E_target = sum_{i <= i*} E_i`` [J], with ``i*`` the first trial
  whose validation accuracy is at least the target (None, never zero, when none reaches it);
- accuracy within an energy budget ``A_B = max {a_i : sum_{j <= i} E_j <= B}``
  [dimensionless] (None when the first trial alone exceeds the budget);

and the strategies are compared by :func:`measure.groups` (Kruskal-Wallis H, eta squared,
Shapiro-Wilk and CV per strategy).

Energies [J] are the monitor's figures, each with its label: hardware counters where the
machine has them (NVML, RAPL), else the Green Algorithms estimate (TDP per logical CPU x
CPU time; Lannelongue, Grealey, Inouye 2021, Advanced Science, doi:10.1002/advs.202100707)
that ``measure`` makes and labels ``estimated``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from carbon import InvalidValueError, UnknownKeyError, magnitude, quantity
from compress._checks import count, fraction
from compress._digits import DigitsSplit, digits_split, mlp
from compress._factorial import measured_retrying, torch_threads
from compress._measured import JobSetting, energy_of
from compress._train import train_classifier

if TYPE_CHECKING:
    from lineage import ProvenanceGraph
    from measure import GroupComparison

__all__ = ["GRID", "SearchRun", "SearchTrial", "StrategyComparison", "compare_strategies",
           "search", "strategies"]

#: the search space, as the grid sampler enumerates it (the others sample the same ranges)
GRID: Mapping[str, tuple[Any, ...]] = {
    "hidden": (16, 32, 64), "lr": (1e-3, 3e-3, 1e-2), "epochs": (2, 4, 8)}


def _optuna() -> Any:
    try:
        import optuna
    except ImportError as e:  # pragma: no cover - optuna is in the torch extra
        from compress._errors import MissingExtraError

        raise MissingExtraError("optuna", None,
                                "Optuna installed: pip install 'modelcarbon[torch]'") from e
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return optuna


def strategies() -> tuple[str, ...]:
    """The sampler names available here (``gp`` only with an Optuna that has GPSampler).

    >>> strategies()[:3]
    ('grid', 'random', 'tpe')
    """
    names = ["grid", "random", "tpe"]
    if hasattr(_optuna().samplers, "GPSampler"):
        names.append("gp")
    return tuple(names)


def _sampler(name: str, seed: int) -> Any:
    s = _optuna().samplers
    if name not in strategies():
        raise UnknownKeyError("strategy", name, f"one of {strategies()}")
    if name == "grid":
        return s.GridSampler({k: list(v) for k, v in GRID.items()}, seed=seed)
    if name == "random":
        return s.RandomSampler(seed=seed)
    if name == "tpe":
        return s.TPESampler(seed=seed, n_startup_trials=3)
    logging.getLogger("optuna").setLevel(logging.ERROR)
    return s.GPSampler(seed=seed, n_startup_trials=3)


@dataclass(frozen=True)
class SearchTrial:
    """One measured trial: its parameters, validation accuracy [dimensionless], energy [J]."""

    number: int
    params: Mapping[str, Any]
    accuracy: float
    energy: Any
    job_id: str


@dataclass(frozen=True)
class SearchRun:
    """One search: the strategy, its seed, and its trials in the order they ran."""

    strategy: str
    seed: int
    trials: tuple[SearchTrial, ...]
    jobs: tuple[Any, ...] = field(repr=False, default=())

    @property
    def best(self) -> SearchTrial:
        """The trial with the highest validation accuracy (the first of ties)."""
        return max(self.trials, key=lambda t: t.accuracy)

    @property
    def energy(self) -> Any:
        """Energy of the whole search ``sum_i E_i`` [J]."""
        return quantity(sum(t.energy.m_as("J") for t in self.trials), "J")

    def energy_to_reach(self, target: float) -> Any | None:
        """``sum_{i <= i*} E_i`` [J] up to the first trial with accuracy >= ``target``; None
        when no trial reaches it."""
        total = 0.0
        for t in self.trials:
            total += t.energy.m_as("J")
            if t.accuracy >= target:
                return quantity(total, "J")
        return None

    def accuracy_within(self, budget: Any) -> float | None:
        """Best accuracy of the trials that finish within ``budget`` [J] of search energy;
        None when the first trial alone exceeds it."""
        b = magnitude(budget, "J", "budget")
        total, best = 0.0, None
        for t in self.trials:
            total += t.energy.m_as("J")
            if total > b:
                break
            best = t.accuracy if best is None else max(best, t.accuracy)
        return best


def search(strategy: str, *, setting: JobSetting, n_trials: int = 8, seed: int = 0,
           split: DigitsSplit | None = None, graph: ProvenanceGraph | None = None,
           model: str | None = None, threads: int | None = 1,
           min_seconds: float = 0.1) -> SearchRun:
    """Run one Optuna search with ``strategy`` over :data:`GRID`'s ranges, every trial a
    measured job (attached to ``model`` in ``graph`` in phase ``experiment`` when given).

    Trial ``i`` trains ``mlp((64, hidden, 10), seed=seed)`` for ``epochs`` with Adam at ``lr``
    and scores accuracy on the validation split; the study maximises it. ``threads``: torch
    threads in every trial (:func:`compress.torch_threads`); a trial shorter than
    ``min_seconds`` [s] is repeated in its window and its energy divided
    (``compress.measured_call``; training is seeded, so every repeat is the same trial).
    """
    count(n_trials, "n_trials", "trials of the search")
    if (graph is None) != (model is None):
        raise InvalidValueError("model", model, "both graph and model, or neither")
    if graph is not None and model not in graph:
        raise UnknownKeyError("model", model, "a product of the graph (graph.add_model first)")
    optuna = _optuna()
    data = split or digits_split(seed)
    trials: list[SearchTrial] = []
    jobs: list[Any] = []

    def objective(trial: Any) -> float:
        hidden = trial.suggest_categorical("hidden", list(GRID["hidden"]))
        lr = trial.suggest_float("lr", min(GRID["lr"]), max(GRID["lr"]), log=True)
        epochs = trial.suggest_int("epochs", min(GRID["epochs"]), max(GRID["epochs"]))
        name = f"search {strategy} seed {seed} trial {trial.number}"
        params = {"hidden": hidden, "lr": lr, "epochs": epochs}

        def run_trial() -> float:
            run = train_classifier(mlp((data.n_features, hidden, data.n_classes), seed=seed),
                                   data.x_train, data.y_train, epochs=epochs, lr=lr, seed=seed)
            return float((run.model(data.x_val).argmax(1) == data.y_val).float().mean())

        with torch_threads(threads):
            job, out = measured_retrying(run_trial, name, setting, min_seconds,
                                         meta={"strategy": strategy, "seed": seed,
                                               "trial": trial.number, "params": params})
        acc = float(out)
        if graph is not None and model is not None:
            graph.add_job(model, job, phase="experiment")
        jobs.append(job)
        trials.append(SearchTrial(trial.number, params, acc, energy_of(job).to("J"), job.id))
        return acc

    study = optuna.create_study(direction="maximize", sampler=_sampler(strategy, seed))
    study.optimize(objective, n_trials=n_trials)
    return SearchRun(strategy, seed, tuple(trials), tuple(jobs))


@dataclass(frozen=True)
class StrategyComparison:
    """Search runs per strategy, the target and budget, and the group statistics of
    energy to target [J] and accuracy within budget [dimensionless] (None where fewer than
    two strategies have values, or all values tie)."""

    runs: Mapping[str, tuple[SearchRun, ...]]
    target: float
    budget: Any
    energy_to_target: GroupComparison | None
    accuracy_in_budget: GroupComparison | None
    notes: tuple[str, ...] = ()

    def table(self) -> Any:
        """One row per search run (pandas DataFrame)."""
        import pandas as pd

        rows = []
        for name, runs in self.runs.items():
            for r in runs:
                e = r.energy_to_reach(self.target)
                rows.append({"strategy": name, "seed": r.seed, "trials": len(r.trials),
                             "best_accuracy": r.best.accuracy,
                             "search_energy [J]": r.energy.m_as("J"),
                             "energy_to_target [J]": None if e is None else e.m_as("J"),
                             "accuracy_in_budget": r.accuracy_within(self.budget)})
        return pd.DataFrame(rows)


def _groups(values: Mapping[str, list[float]], unit: str, what: str,
            notes: list[str]) -> GroupComparison | None:
    from measure import groups

    present = {k: v for k, v in values.items() if v}
    try:
        return groups(present, unit=unit)
    except InvalidValueError as e:
        notes.append(f"{what}: no group test ({e})")
        return None


def compare_strategies(names: Sequence[str] | None = None, *, setting: JobSetting,
                       seeds: Sequence[int] = (0, 1, 2), n_trials: int = 8,
                       target: float = 0.9, budget: Any = None,
                       split: DigitsSplit | None = None) -> StrategyComparison:
    """Run every strategy once per seed and compare them (see the module docstring).

    ``target`` in [0, 1]: the validation accuracy to reach; ``budget`` [J]: the search energy
    allowed (default: half the median energy of all the searches, so that it binds).
    Strategies are interleaved seed by seed, so that drift in the machine's load spreads
    over all of them.
    """
    names = tuple(names or strategies())
    tgt = fraction(target, "target", "validation accuracy to reach")
    if not seeds:
        raise InvalidValueError("seeds", seeds, "at least one seed")
    data = split or digits_split(0)
    runs: dict[str, list[SearchRun]] = {n: [] for n in names}
    for seed in seeds:
        for n in names:
            runs[n].append(search(n, setting=setting, n_trials=n_trials, seed=seed,
                                  split=data))
    if budget is None:
        import statistics

        budget = quantity(statistics.median(r.energy.m_as("J") for rs in runs.values()
                                            for r in rs) / 2.0, "J")
    notes: list[str] = []
    e_vals: dict[str, list[float]] = {}
    a_vals: dict[str, list[float]] = {}
    for n, rs in runs.items():
        e = [r.energy_to_reach(tgt) for r in rs]
        a = [r.accuracy_within(budget) for r in rs]
        if any(x is None for x in e):
            notes.append(f"{n}: {sum(x is None for x in e)} of {len(e)} searches never "
                         f"reached accuracy {tgt:g} (left out, not counted as zero)")
        if any(x is None for x in a):
            notes.append(f"{n}: {sum(x is None for x in a)} of {len(a)} searches had no "
                         f"trial within the budget")
        e_vals[n] = [x.m_as("J") for x in e if x is not None]
        a_vals[n] = [x for x in a if x is not None]
    return StrategyComparison(
        {n: tuple(rs) for n, rs in runs.items()}, tgt, budget,
        _groups(e_vals, "J", "energy to target", notes),
        _groups(a_vals, "dimensionless", "accuracy within budget", notes), tuple(notes))
