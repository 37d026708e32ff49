"""Each technique as a measured job that extends the lineage.

A top-level function per technique (:func:`prune`, :func:`quantise`, :func:`distil_job`,
:func:`drop_batches`) does four things:

1. runs the technique inside a ``measure.Monitor`` window; the window becomes a
   ``carbon.Job`` (``Measurement.to_job``) charged to the ``system`` it ran on;
2. records the new model in a ``lineage.ProvenanceGraph``: a model node, a typed edge from
   its parent (``pruned_from``, ``quantised_from``, ``distilled_from``; ``trained_on`` the
   dataset for a training run) with the caller's ``share``/``policy`` (lineage's default
   policy when neither is given), and the job in phase ``compression``, ``distillation`` or
   ``training``;
3. compares parent and child on held-out data (:class:`Evaluation`): the metric and the
   serialised size of each, and energy and latency per request from repeated, interleaved
   trials (``measure.compare``, see ``compress._trials``): means over trials with their
   intervals, the ratio's interval and a verdict that is given only when conclusive;
4. returns a :class:`Compressed`: the child model, its :class:`CompressionResult` and its job.

Energy figures carry the monitor's labels: on a machine without NVML or RAPL the monitor's
CPU estimate, labelled ``estimated``, counts the CPU time of this process tree by default
(``attribution="process"``) or the whole host (``"host"``, other processes included); the
notes of each result say which.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from carbon import (
    InvalidValueError,
    Job,
    Provenance,
    System,
    UnknownKeyError,
    asc_e,
    magnitude,
    quantity,
)
from compress._checks import count, positive_number
from compress._evaluate import Inputs, accuracy, n_requests, predict
from compress._result import CompressionResult
from compress._serialise import serialised_size
from compress._torch import require_torch
from compress._train import TrainingRun
from compress._trials import Side, TrialProtocol, compare_models, measure_side, side_job

if TYPE_CHECKING:
    import torch

    from lineage import ProvenanceGraph
    from measure import Measurement, Monitor

__all__ = [
    "Compressed", "Evaluation", "Figures", "JobSetting", "energy_of", "measure_model",
    "measured_call",
    "run_technique",
]

Charge = Literal["dynamic", "total"]
_ORDER = ["measured", "sampled", "estimated", "reported"]


@dataclass(frozen=True)
class Evaluation:
    """How a model is judged: held-out requests, a metric, and the run conditions.

    ``inputs``: held-out requests (a tensor, or a mapping of tensors such as token ids);
    ``metric(model) -> float``; ``batch_size``: requests per forward pass for latency and
    energy; ``min_seconds`` [s]: :func:`measure_model` measures a model alone for at least
    this long in all; ``repeats``: timed batches for :func:`compress.latency_per_request`;
    ``protocol``: how trials are run and compared (``compress._trials.TrialProtocol``: CPU time
    per trial, target interval width, trial and time budget, level).
    """

    inputs: Inputs
    metric: Callable[[Any], float]
    metric_name: str
    batch_size: int = 64
    min_seconds: float = 1.0
    repeats: int = 30
    protocol: TrialProtocol = field(default_factory=TrialProtocol)

    def __post_init__(self) -> None:
        count(self.batch_size, "batch_size", "requests per batch")
        count(self.repeats, "repeats", "timed batches")
        positive_number(self.min_seconds, "min_seconds", "length of the measured inference run")
        if n_requests(self.inputs) < self.batch_size:
            raise InvalidValueError("inputs", n_requests(self.inputs),
                                    f"at least batch_size={self.batch_size} held-out requests")

    @classmethod
    def classification(cls, x: torch.Tensor, y: torch.Tensor, **kw: Any) -> Evaluation:
        """Held-out accuracy on ``(x, y)`` (``metric_name="accuracy"``)."""
        return cls(inputs=x, metric=lambda m: accuracy(m, x, y), metric_name="accuracy", **kw)

    @classmethod
    def embedding_agreement(cls, inputs: Inputs, reference: torch.Tensor,
                            **kw: Any) -> Evaluation:
        """Mean cosine similarity of a model's embeddings to ``reference`` (the teacher's)."""
        th = require_torch()

        def cosine(m: Any) -> float:
            out = predict(m, inputs, batch_size=64)
            return float(th.nn.functional.cosine_similarity(out, reference, dim=1).mean())

        return cls(inputs=inputs, metric=cosine, metric_name="cosine_to_teacher", **kw)


@dataclass(frozen=True)
class JobSetting:
    """Where jobs run and how they are measured: a monitor, the system it charges, the charge.

    ``charge="dynamic"`` books energy above idle (measure's default), ``"total"`` the whole
    draw. ``system`` carries the facility (PUE, electricity) and embodied carbon.
    """

    monitor: Monitor
    system: System
    charge: Charge = "dynamic"


@dataclass(frozen=True)
class Figures:
    """One model's measured figures under an :class:`Evaluation`: means over ``trials``
    trials, with the bootstrap intervals of the means (``energy_ci`` [J], ``latency_ci``
    [s]); ``uncertainty_per_request`` is the energy interval's half-width."""

    metric: float
    size: int
    latency: Any
    requests: int
    energy_per_request: Any
    uncertainty_per_request: Any | None
    provenance: Provenance
    carbon_per_request: Any
    job: Job
    energy_ci: tuple[Any, Any] | None = None
    latency_ci: tuple[Any, Any] | None = None
    trials: int | None = None


@dataclass(frozen=True)
class Compressed:
    """What a measured technique returns: the child model, its record, and its job."""

    model: torch.nn.Module
    result: CompressionResult
    job: Job
    training: TrainingRun | None = None
    before: Figures | None = None
    after: Figures | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)


def _weakest(job: Job) -> Provenance:
    return Provenance(max((str(u.provenance) for u in job.energy), key=_ORDER.index))


def _uncertainty(job: Job) -> Any | None:
    us = [u.uncertainty for u in job.energy]
    if any(u is None for u in us):
        return None
    return quantity(sum(u.magnitude for u in us if u is not None), "kWh")


def _job_from(m: Measurement, name: str, setting: JobSetting, **kw: Any) -> Job:
    return m.to_job(name, setting.system, charge=setting.charge, **kw)


def measured_call(
    make: Callable[[], tuple[Any, TrainingRun | None]],
    name: str,
    setting: JobSetting,
    *,
    min_seconds: float = 0.5,
    meta: Mapping[str, Any] | None = None,
) -> tuple[Job, Any, TrainingRun | None]:
    """Run ``make()`` in a monitor window and return (job of one run, model, training run).

    A job shorter than ``min_seconds`` (pruning a small model takes milliseconds, shorter
    than the CPU accounting tick an estimate needs) is repeated ``k`` times in the same
    window until the window lasts ``min_seconds``; ``make`` is deterministic, so every run
    gives the same model, and the job of one run is the window's energy, uncertainty and
    duration divided by ``k`` (``job.meta["repeats"] = k``).
    """
    positive_number(min_seconds, "min_seconds", "shortest measured window for a job")
    k = 0
    with setting.monitor.window(f"job:{name}") as w:
        t0 = time.perf_counter_ns()
        while True:
            model, run = make()
            k += 1
            if (time.perf_counter_ns() - t0) * 1e-9 >= min_seconds:
                break
    assert w.measurement is not None
    job = _job_from(w.measurement, name, setting, meta={**(meta or {}), "repeats": k})
    return (job if k == 1 else _per_run(job, k)), model, run


def _per_run(job: Job, k: int) -> Job:
    """The job of one of ``k`` identical runs measured together: energies and time / k."""
    from datetime import timedelta

    from carbon import EnergyUse

    uses = [EnergyUse(system=u.system, energy=u.energy / k, provenance=u.provenance,
                      uncertainty=None if u.uncertainty is None else u.uncertainty / k,
                      source=f"{u.source}; one of {k} identical runs measured together",
                      fraction=u.fraction,
                      duration=None if u.duration is None else u.duration / k)
            for u in job.energy]
    assert job.duration is not None and job.start is not None
    seconds = job.duration.magnitude / k
    return Job(name=job.name, energy=uses, start=job.start,
               end=job.start + timedelta(seconds=seconds), duration=quantity(seconds, "s"),
               platform=job.platform, products=job.products, retraining=job.retraining,
               meta=job.meta)


def _figures(metric: float, size: int, side: Side, provenance: str, setting: JobSetting,
             name: str, batch_size: int, source: str) -> Figures:
    job = side_job(side, f"inference {name} x{side.requests}", setting.system, provenance,
                   batch_size=batch_size, source=source)
    lo, hi = side.energy_ci_j
    return Figures(
        metric=metric, size=size, latency=quantity(side.latency_mean_s, "s"),
        requests=side.requests, energy_per_request=quantity(side.energy_mean_j, "J"),
        uncertainty_per_request=quantity((hi - lo) / 2.0, "J"),
        provenance=Provenance(provenance),
        carbon_per_request=quantity(asc_e(job).asc_g / side.requests, "gCO2e"), job=job,
        energy_ci=(quantity(lo, "J"), quantity(hi, "J")),
        latency_ci=(quantity(side.latency_ci_s[0], "s"), quantity(side.latency_ci_s[1], "s")),
        trials=side.trials)


def measure_model(model: torch.nn.Module, evaluation: Evaluation, setting: JobSetting, *,
                  name: str = "model") -> Figures:
    """Metric, size, latency and energy per request of ``model`` alone, from repeated trials.

    Trials as in ``compress._trials`` (:func:`compress._trials.measure_side`): energy per
    request = mean over trials of the charged energy of a trial / its requests, with its
    interval; carbon per request = ASC of the trials' inference job / requests served.
    """
    metric = float(evaluation.metric(model))
    size = serialised_size(model)
    side, prov = measure_side(model, evaluation.inputs, batch_size=evaluation.batch_size,
                              monitor=setting.monitor, protocol=evaluation.protocol,
                              energy=setting.charge, label=name,
                              min_seconds=evaluation.min_seconds)
    return _figures(metric, size, side, prov, setting, name, evaluation.batch_size,
                    f"{side.trials} trials of {side.requests_per_trial} requests "
                    f"({setting.charge} energy, mean per request x requests)")


def run_technique(
    technique: str,
    make: Callable[[], tuple[torch.nn.Module, TrainingRun | None]],
    parent_model: torch.nn.Module,
    *,
    graph: ProvenanceGraph,
    parent: str,
    child: str,
    edge: str | None,
    phase: str,
    evaluation: Evaluation,
    setting: JobSetting,
    share: Any = None,
    policy: str | None = None,
    before: Figures | None = None,
    child_name: str | None = None,
    notes: tuple[str, ...] = (),
    baseline_job_energy: Any = None,
    extra_edges: tuple[tuple[str, str], ...] = (),
    min_job_seconds: float = 0.5,
) -> Compressed:
    """Run ``make()`` as a measured job and record its child in ``graph`` (see module doc).

    ``parent`` must already be a product of ``graph``; ``child`` must not (a technique makes
    a new product). ``edge``: the kind of the edge ``parent -> child`` (None: the parent is
    only the comparison, e.g. the model trained without mini-batch dropping).
    ``extra_edges``: more ``(product_id, kind)`` edges of the child with lineage's default
    policy, e.g. the dataset a student was trained on. A job shorter than
    ``min_job_seconds`` is repeated (see :func:`measured_call`).
    """
    for pid, what in ((parent, "parent"), *((o, "extra_edges") for o, _ in extra_edges)):
        if pid not in graph:
            raise UnknownKeyError(what, pid, "a product already in the graph "
                                  "(graph.add_model / add_dataset first)")
    if child in graph:
        raise InvalidValueError("child", child, "a new product id (this one is in the graph)")
    job, model, run = measured_call(make, f"{technique}: {parent} -> {child}", setting,
                                    min_seconds=min_job_seconds,
                                    meta={"technique": technique, "parent": parent,
                                          "child": child})
    graph.add_model(child, name=child_name or child,
                    source=f"compress.{technique} of {parent}")
    if edge is not None:
        graph.derive(child, parent, edge, share=share, policy=policy)
    for other, kind in extra_edges:
        graph.derive(child, other, kind)
    graph.add_job(child, job, phase=phase)
    cmp = compare_models(parent_model, model, evaluation.inputs,
                         batch_size=evaluation.batch_size, monitor=setting.monitor,
                         protocol=evaluation.protocol, energy=setting.charge,
                         labels=(parent, child))
    src = (f"{cmp.trials} interleaved trials (measure.compare, {setting.charge} energy): "
           "mean per request x requests")
    metric_b = before.metric if before is not None else float(evaluation.metric(parent_model))
    size_b = before.size if before is not None else serialised_size(parent_model)
    before = _figures(metric_b, size_b, cmp.before, cmp.provenance, setting, parent,
                      evaluation.batch_size, src)
    after = _figures(float(evaluation.metric(model)), serialised_size(model), cmp.after,
                     cmp.provenance, setting, child, evaluation.batch_size, src)
    job_kwh = sum(u.energy.magnitude for u in job.energy)
    unc = quantity(max((cmp.before.energy_ci_j[1] - cmp.before.energy_ci_j[0]) / 2.0,
                       (cmp.after.energy_ci_j[1] - cmp.after.energy_ci_j[0]) / 2.0), "J")
    result = CompressionResult(
        technique=technique, parent=parent, child=child, metric_name=evaluation.metric_name,
        metric_before=before.metric, metric_after=after.metric,
        size_before=before.size, size_after=after.size,
        latency_before=before.latency, latency_after=after.latency,
        latency_before_ci=before.latency_ci, latency_after_ci=after.latency_ci,
        batch_size=evaluation.batch_size,
        energy_per_request_before=before.energy_per_request,
        energy_per_request_after=after.energy_per_request,
        energy_per_request_before_ci=before.energy_ci,
        energy_per_request_after_ci=after.energy_ci,
        energy_ratio_ci=cmp.ci, ci_level=cmp.level, trials=cmp.trials,
        conclusive=cmp.conclusive, p_value=cmp.p_value, comparison=cmp.summary(),
        energy_provenance=Provenance(cmp.provenance), energy_uncertainty=unc,
        carbon_per_request_before=before.carbon_per_request,
        carbon_per_request_after=after.carbon_per_request,
        job_energy=quantity(job_kwh, "kWh"), job_carbon=asc_e(job).asc_e,
        job_provenance=_weakest(job), job_uncertainty=_uncertainty(job),
        baseline_job_energy=baseline_job_energy,
        notes=(*notes, *_monitor_notes(job)),
    )
    return Compressed(model, result, job, run, before, after)


def _monitor_notes(job: Job) -> tuple[str, ...]:
    m = job.meta.get("measurement", {})
    out = []
    for d in m.get("devices", []):
        if d.get("method") != "tdp-estimate":
            continue
        details = d.get("details") or {}
        if details.get("attribution") == "host":
            out.append("CPU energy estimated from TDP x whole-host utilisation: other "
                       "processes on the host are included")
        else:
            counted = details.get("counted", "this process tree")
            out.append(f"CPU energy estimated from TDP per logical CPU x CPU-seconds of "
                       f"{counted}")
    return tuple(dict.fromkeys(out))


def energy_of(job: Job) -> Any:
    """Total energy [kWh] of a job's EnergyUse rows."""
    return quantity(sum(magnitude(u.energy, "kWh", "energy") for u in job.energy), "kWh")
