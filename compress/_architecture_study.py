"""The architecture study: a factorial design of layer type x activation x size on digits.

After the Green AI thesis design of measuring how architectural choices drive energy
(layer types, activation functions, sizes; each configuration repeated; Shapiro-Wilk for
normality, Kruskal-Wallis and eta squared for the factors' effects, CV for the spread), here
on scikit-learn's bundled digits (offline, CPU). Per run, two measured figures:

- energy per epoch ``E_epoch = E_train / epochs`` [J], the training job's energy (a training
  shorter than ``min_seconds`` is repeated in one window and divided:
  ``compress.measured_call``);
- energy per inference ``E_inf = E_window / N_served`` [J], from
  :func:`compress.measure_model` (a measured inference run of at least ``min_seconds``);

and the held-out accuracy [dimensionless]. Networks (input 64 = 8 x 8 pixels, 10 classes):

- ``linear``: ``Linear(64, w) -> act -> Linear(w, w) -> act -> Linear(w, 10)``;
- ``conv``: the image ``1 x 8 x 8`` through ``Conv2d(1, c, 3, pad 1) -> act ->
  Conv2d(c, c, 3, pad 1) -> act -> Flatten -> Linear(64 c, 10)``;

with widths ``w`` / channels ``c`` by :data:`SIZES`. Repeats are the outer loop, the
configurations interleaved inside each (drift in the machine's load spreads over all), after
one unmeasured warm-up training (the first run in a process pays torch's lazy set-up).

Energies [J] are the monitor's figures, each with its label: hardware counters where the
machine has them (NVML, RAPL), else the Green Algorithms estimate (TDP per logical CPU x
CPU time; Lannelongue, Grealey, Inouye 2021, Advanced Science, doi:10.1002/advs.202100707)
that ``measure`` makes and labels ``estimated``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carbon import UnknownKeyError
from compress._checks import count
from compress._factorial import (
    configuration_summary,
    factor_effect,
    measured_retrying,
    study_seed,
    torch_threads,
)
from compress._measured import Evaluation, JobSetting, energy_of, measure_model
from compress._torch import require_torch, seeded
from compress._train import train_classifier

if TYPE_CHECKING:
    import pandas as pd
    import torch

    from lineage import ProvenanceGraph
    from measure import GroupComparison

__all__ = ["ACTIVATIONS", "LAYERS", "SIZES", "ArchitectureStudy", "architecture_net",
           "architecture_study"]

LAYERS: tuple[str, ...] = ("linear", "conv")
ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "sigmoid", "gelu")
#: (linear width, conv channels) per size
SIZES: dict[str, tuple[int, int]] = {"small": (32, 4), "large": (256, 16)}
COLUMNS = ("energy_per_epoch [J]", "energy_per_inference [J]", "accuracy")


def architecture_net(layer: str, activation: str, size: str, *, seed: int = 0
                     ) -> torch.nn.Sequential:
    """The network of one configuration (module doc), with seeded initial weights.

    >>> import torch
    >>> architecture_net("conv", "tanh", "small")(torch.zeros(2, 64)).shape
    torch.Size([2, 10])
    """
    nn = require_torch().nn
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}
    for value, allowed, field in ((layer, LAYERS, "layer"), (activation, acts, "activation"),
                                  (size, SIZES, "size")):
        if value not in allowed:
            raise UnknownKeyError(field, value, f"one of {tuple(allowed)}")
    w, c = SIZES[size]
    act = acts[activation]
    with seeded(seed):
        if layer == "linear":
            net: torch.nn.Sequential = nn.Sequential(nn.Linear(64, w), act(), nn.Linear(w, w),
                                                     act(), nn.Linear(w, 10))
            return net
        net = nn.Sequential(nn.Unflatten(1, (1, 8, 8)), nn.Conv2d(1, c, 3, padding=1), act(),
                            nn.Conv2d(c, c, 3, padding=1), act(), nn.Flatten(),
                            nn.Linear(64 * c, 10))
        return net


@dataclass(frozen=True)
class ArchitectureStudy:
    """One row per run (layer, activation, size, repeat) and its measured figures."""

    table: pd.DataFrame
    factors: tuple[str, ...] = ("layer", "activation", "size")

    def summary(self) -> pd.DataFrame:
        """Mean and CV of every figure per configuration."""
        return configuration_summary(self.table, list(self.factors), list(COLUMNS))

    def effect(self, factor: str, column: str = "energy_per_epoch [J]") -> GroupComparison:
        """Kruskal-Wallis, eta squared, Shapiro-Wilk and CV over the levels of ``factor``."""
        return factor_effect(self.table, factor, column)

    def effects(self) -> pd.DataFrame:
        """Every factor's effect on both energies: H, p, eta squared, conclusive."""
        import pandas as pd

        rows = []
        for f in self.factors:
            if self.table[f].nunique() < 2:
                continue
            for col in COLUMNS[:2]:
                g = self.effect(f, col)
                rows.append({"factor": f, "figure": col, "H": g.h, "p": g.p_value,
                             "eta_squared": g.eta_squared, "conclusive": g.conclusive})
        return pd.DataFrame(rows)


def architecture_study(*, setting: JobSetting, layers: Sequence[str] = LAYERS,
                       activations: Sequence[str] = ACTIVATIONS,
                       sizes: Sequence[str] = tuple(SIZES), repeats: int = 3,
                       epochs: int = 3, seed: int = 0, min_seconds: float = 0.3,
                       graph: ProvenanceGraph | None = None, dataset: str = "digits",
                       threads: int | None = 1) -> ArchitectureStudy:
    """Run the factorial study (module doc). With ``graph``, every trained network is a model
    ``trained_on`` ``dataset`` (which must be in it) with its training job. ``threads``:
    torch threads while training (:func:`compress.torch_threads`)."""
    import pandas as pd

    from compress._digits import digits_split

    count(repeats, "repeats", "repetitions of every configuration")
    count(epochs, "epochs", "training epochs per run")
    configs = list(itertools.product(layers, activations, sizes))
    for cfg in configs:
        architecture_net(*cfg)
    if graph is not None and dataset not in graph:
        raise UnknownKeyError("dataset", dataset, "a dataset in the graph (add_dataset)")
    s = digits_split(seed)
    evaluation = Evaluation.classification(s.x_test, s.y_test, batch_size=64,
                                           min_seconds=min_seconds, repeats=3)
    rows: list[dict[str, Any]] = []
    with torch_threads(threads):  # warm-up, not measured: the first run pays torch's set-up
        train_classifier(architecture_net(*configs[0], seed=seed), s.x_train[:64],
                         s.y_train[:64], epochs=1, seed=seed)
    for r in range(repeats):
        for i, (layer, act, size) in enumerate(configs):
            run_seed = study_seed(seed, r, i)
            net = architecture_net(layer, act, size, seed=run_seed)
            name = f"{layer}-{act}-{size}#{r}"
            with torch_threads(threads):
                job, run = measured_retrying(
                    lambda net=net, run_seed=run_seed: train_classifier(
                        net, s.x_train, s.y_train, epochs=epochs, seed=run_seed),
                    f"train {name}", setting, min_seconds,
                    meta={"layer": layer, "activation": act, "size": size, "repeat": r,
                          "epochs": epochs})
            fig = measure_model(run.model, evaluation, setting, name=name)
            if graph is not None:
                graph.add_model(name, name=name, source="compress.architecture_study")
                graph.derive(name, dataset, "trained_on")
                graph.add_job(name, job, phase="training")
            rows.append({"layer": layer, "activation": act, "size": size, "repeat": r,
                         "parameters": sum(p.numel() for p in net.parameters()),
                         "energy_per_epoch [J]": energy_of(job).m_as("J") / epochs,
                         "energy_per_inference [J]": fig.energy_per_request.m_as("J"),
                         "accuracy": fig.metric, "provenance": str(fig.provenance)})
    return ArchitectureStudy(pd.DataFrame(rows))
