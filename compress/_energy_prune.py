"""Energy-aware structured pruning: remove the hidden units that cost most energy per unit of
importance, using a per-layer energy model calibrated on a measured inference run.

After Yang, Chen, Sze 2017, "Designing Energy-Efficient Convolutional Neural Networks using
Energy-Aware Pruning", CVPR, arXiv:1611.05128: pruning is guided by each layer's estimated
energy, not by weight magnitude alone. Their energy model counts computation and data movement
per memory level; here the per-layer energy is *measured* energy per request, apportioned:

    E_l = E_req * s_l / sum_k s_k                                            [J]

with ``E_req`` [J] the measured energy per request of the model (``compress.measure_model``)
and ``s_l`` the layer's measured forward time (``allocation="time"``, forward hooks) or its
multiply-add count ``F_l = in_l * out_l`` (``"flops"``) [dimensionless share]. Removing hidden
unit ``j`` between producer ``P`` and consumer ``C`` saves (energy linear in width)

    dE_j = E_P / out_P + E_C / in_C                                           [J]

and loses the importance ``I_j = |W_P[j, :]|_1 * |W_C[:, j]|_1`` (the L1 flow through it).
Units are removed in increasing order of ``I_j / dE_j`` until the modelled saving reaches
``energy_reduction * sum_l E_l``; every layer keeps at least one unit. The costs are those of
the unpruned model (one pass; a layer that is both consumer and producer is not re-costed).
Only Linear chains (:func:`compress.shrinkable_pairs` of two ``nn.Linear``) are handled.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from carbon import InvalidValueError, magnitude, quantity
from compress._checks import count, half_open_fraction
from compress._errors import MissingLayersError
from compress._evaluate import Inputs, run_batch, take
from compress._measured import (
    Compressed,
    Evaluation,
    Figures,
    JobSetting,
    measure_model,
    run_technique,
)
from compress._prune import _replace, _sliced, shrinkable_pairs
from compress._torch import clone, require_torch
from compress._train import TrainingRun

if TYPE_CHECKING:
    import torch

    from lineage import ProvenanceGraph

__all__ = ["layer_energy", "linear_pairs", "prune_energy", "prune_energy_aware"]

Allocation = Literal["time", "flops"]


def linear_pairs(model: torch.nn.Module) -> list[tuple[str, str]]:
    """The :func:`compress.shrinkable_pairs` whose producer and consumer are both Linear."""
    nn = require_torch().nn
    return [(p, c) for p, c in shrinkable_pairs(model)
            if isinstance(model.get_submodule(p), nn.Linear)
            and isinstance(model.get_submodule(c), nn.Linear)]


def _linear_layers(model: Any) -> dict[str, Any]:
    nn = require_torch().nn
    return {n: m for n, m in model.named_modules() if isinstance(m, nn.Linear)}


def _layer_times(model: Any, inputs: Inputs, batch_size: int, repeats: int) -> dict[str, float]:
    th = require_torch()
    layers = _linear_layers(model)
    spent = dict.fromkeys(layers, 0)
    started: dict[str, int] = {}
    hooks = []
    for name, mod in layers.items():
        def pre(_m: Any, _a: Any, name: str = name) -> None:
            started[name] = time.perf_counter_ns()

        def post(_m: Any, _a: Any, _o: Any, name: str = name) -> None:
            spent[name] += time.perf_counter_ns() - started[name]

        hooks += [mod.register_forward_pre_hook(pre), mod.register_forward_hook(post)]
    try:
        batch = take(inputs, 0, batch_size)
        with th.inference_mode():
            for _ in range(repeats):
                run_batch(model.eval(), batch)
    finally:
        for h in hooks:
            h.remove()
    return {n: float(t) for n, t in spent.items()}


def layer_energy(model: torch.nn.Module, inputs: Inputs, energy_per_request: Any, *,
                 allocation: Allocation = "time", batch_size: int = 64,
                 repeats: int = 20) -> dict[str, Any]:
    """``E_l = E_req * s_l / sum_k s_k`` [J] per request for every Linear layer (module doc).

    ``energy_per_request`` [energy]: measured for the whole model; ``allocation``: share by
    measured forward time (``repeats`` batches of ``batch_size`` from ``inputs``) or by
    multiply-adds ``in * out``.

    >>> from compress import mlp
    >>> e = layer_energy(mlp((64, 32, 10)), None, "3 mJ", allocation="flops")
    >>> {k: round(v.m_as("mJ"), 4) for k, v in e.items()}
    {'0': 2.5946, '2': 0.4054}
    """
    e_req = magnitude(energy_per_request, "J", "energy_per_request")
    layers = _linear_layers(model)
    if not layers:
        raise MissingLayersError("model", type(model).__name__, "a model with Linear layers")
    if allocation == "flops":
        share = {n: float(m.in_features * m.out_features) for n, m in layers.items()}
    elif allocation == "time":
        count(repeats, "repeats", "timed batches")
        share = _layer_times(model, inputs, batch_size, repeats)
    else:
        raise InvalidValueError("allocation", allocation, "'time' or 'flops'")
    total = sum(share.values())
    if total <= 0:
        raise InvalidValueError("allocation", allocation, "layers that took some time")
    return {n: quantity(e_req * s / total, "J") for n, s in share.items()}


def _width(layer: Any) -> int:
    return int(layer.out_features)


def prune_energy_aware(model: torch.nn.Module, energies: Mapping[str, Any],
                       energy_reduction: float) -> torch.nn.Module:
    """A copy of ``model`` with the hidden units of least importance per joule removed until
    the modelled energy drops by ``energy_reduction`` in [0, 1) (module doc).

    >>> from compress import mlp
    >>> m = mlp((64, 40, 40, 10))
    >>> pruned = prune_energy_aware(m, layer_energy(m, None, "1 mJ", allocation="flops"), 0.5)
    >>> sum(p.numel() for p in pruned.parameters()) < sum(p.numel() for p in m.parameters())
    True
    """
    th = require_torch()
    r = half_open_fraction(energy_reduction, "energy_reduction", "of modelled energy to save")
    pairs = linear_pairs(model)
    if not pairs:
        raise MissingLayersError("model", type(model).__name__,
                                 "Linear -> activation -> Linear chains in nn.Sequential")
    e = {n: magnitude(v, "J", f"energies[{n!r}]") for n, v in energies.items()}
    missing = {n for pair in pairs for n in pair} - set(e)
    if missing:
        raise InvalidValueError("energies", sorted(missing), "an energy for every Linear layer")
    candidates: list[tuple[float, float, int, int]] = []  # (score, dE, pair index, unit)
    for i, (p, c) in enumerate(pairs):
        prod: Any = model.get_submodule(p)
        cons: Any = model.get_submodule(c)
        d_e = e[p] / prod.out_features + e[c] / cons.in_features
        imp = (prod.weight.detach().abs().sum(1) * cons.weight.detach().abs().sum(0)).tolist()
        candidates += [(v / d_e if d_e > 0 else float("inf"), d_e, i, j)
                       for j, v in enumerate(imp)]
    goal = r * sum(e.values())
    widths: list[int] = [_width(model.get_submodule(p)) for p, _ in pairs]
    removed: list[set[int]] = [set() for _ in pairs]
    saved = 0.0
    for _score, d_e, i, j in sorted(candidates):
        if saved >= goal:
            break
        if widths[i] - len(removed[i]) <= 1:
            continue
        removed[i].add(j)
        saved += d_e
    out = clone(model)
    for i, (p, c) in enumerate(pairs):
        keep = th.tensor(sorted(set(range(widths[i])) - removed[i]), dtype=th.long)
        _replace(out, p, _sliced(out.get_submodule(p), keep, 0))
        _replace(out, c, _sliced(out.get_submodule(c), keep, 1))
    return out


def prune_energy(model: torch.nn.Module, *, graph: ProvenanceGraph, parent: str, child: str,
                 evaluation: Evaluation, setting: JobSetting, energy_reduction: float = 0.5,
                 allocation: Allocation = "time", share: Any = None, policy: str | None = None,
                 before: Figures | None = None) -> Compressed:
    """Energy-aware pruning as a measured ``compression`` job, edge ``pruned_from``.

    The parent's measured energy per request (``before``, measured here when not given)
    calibrates the per-layer energies; the pruning itself is the job.
    """
    before = before or measure_model(model, evaluation, setting, name=parent)
    energies = layer_energy(model, evaluation.inputs, before.energy_per_request,
                            allocation=allocation, batch_size=evaluation.batch_size)
    r = half_open_fraction(energy_reduction, "energy_reduction", "of modelled energy to save")

    def make() -> tuple[Any, TrainingRun | None]:
        return prune_energy_aware(model, energies, r), None

    shares = ", ".join(f"{n}: {v.m_as('uJ'):.3g} uJ" for n, v in energies.items())
    notes = (f"energy-aware pruning to {r:.0%} less modelled energy; per-layer energy per "
             f"request by {allocation} share of the measured total ({shares})",)
    return run_technique("prune_energy_aware", make, model, graph=graph, parent=parent,
                         child=child, edge="pruned_from", phase="compression",
                         evaluation=evaluation, setting=setting, share=share, policy=policy,
                         before=before, notes=notes)
