"""The techniques as measured lineage jobs: ``prune``, ``quantise``, ``distil``,
``drop_batches``, and ``run_all`` over the digits teacher (used by the demo).

Every function takes the parent model and its product id in ``graph``, a new ``child`` id, an
:class:`Evaluation` (held-out data and metric) and a :class:`JobSetting` (monitor, system,
charge), and returns a :class:`Compressed`. See ``compress._measured`` for what is measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from carbon import InvalidValueError
from compress._checks import half_open_fraction
from compress._distil import check_student, distil_classifier
from compress._measured import (
    Compressed,
    Evaluation,
    Figures,
    JobSetting,
    energy_of,
    measure_model,
    run_technique,
)
from compress._prune import prune_magnitude, prune_structured, sparsity
from compress._quantise import cast, int8_backend, quantise_int8
from compress._torch import seed_all
from compress._train import TrainingRun, train_classifier
from compress._trials import TrialProtocol

if TYPE_CHECKING:
    import pandas as pd
    import torch

    from lineage import ProvenanceGraph

__all__ = [
    "Suite", "distil", "drop_batches", "prune", "quantise", "results_table", "run_all",
]

PruneMethod = Literal["magnitude", "global", "structured"]
Scheme = Literal["int8", "fp16", "bf16"]


def prune(
    model: torch.nn.Module, *, graph: ProvenanceGraph, parent: str, child: str,
    evaluation: Evaluation, setting: JobSetting, sparsity_: float = 0.5,
    method: PruneMethod = "magnitude", share: Any = None, policy: str | None = None,
    before: Figures | None = None,
) -> Compressed:
    """Prune ``model`` as a measured ``compression`` job; child edge ``pruned_from``.

    ``method``: ``magnitude`` (L1 unstructured per layer), ``global`` (L1 unstructured across
    layers) or ``structured`` (whole neurons/channels removed, the model shrinks);
    ``sparsity_`` in [0, 1): the fraction of weights (or hidden units) removed.
    """
    amount = half_open_fraction(sparsity_, "sparsity", "of weights to remove")
    if method not in ("magnitude", "global", "structured"):
        raise InvalidValueError("method", method, "'magnitude', 'global' or 'structured'")

    def make() -> tuple[Any, TrainingRun | None]:
        if method == "structured":
            return prune_structured(model, amount), None
        scope: Literal["layer", "global"] = "global" if method == "global" else "layer"
        return prune_magnitude(model, amount, scope=scope), None

    out = run_technique(f"prune_{method}", make, model, graph=graph, parent=parent,
                        child=child, edge="pruned_from", phase="compression",
                        evaluation=evaluation, setting=setting, share=share, policy=policy,
                        before=before, notes=_prune_notes(method, amount))
    if method != "structured":
        note = f"measured sparsity {sparsity(out.model):.3f}"
        return _with_note(out, note)
    return out


def _prune_notes(method: str, amount: float) -> tuple[str, ...]:
    if method == "structured":
        return (f"{amount:.0%} of hidden units removed: a smaller dense model",)
    return ("unstructured zeros: size counted with sparse (CSR) storage of tensors over 50 % "
            "zero; dense CPU kernels do not skip zeros, so latency and energy do not drop",)


def _with_note(out: Compressed, note: str) -> Compressed:
    result = out.result.model_copy(update={"notes": (*out.result.notes, note)})
    return Compressed(out.model, result, out.job, out.training, out.before, out.after,
                      out.extras)


def quantise(
    model: torch.nn.Module, *, graph: ProvenanceGraph, parent: str, child: str,
    evaluation: Evaluation, setting: JobSetting, scheme: Scheme = "int8",
    backend: Literal["auto", "torchao", "torch.ao"] = "auto", share: Any = None,
    policy: str | None = None, before: Figures | None = None,
) -> Compressed:
    """Quantise ``model`` as a measured ``compression`` job; child edge ``quantised_from``.

    ``scheme``: ``int8`` (dynamic int8 Linear layers, torchao preferred) or ``fp16``/``bf16``
    (weights cast; inputs cast in and outputs back to float32).
    """
    if scheme not in ("int8", "fp16", "bf16"):
        raise InvalidValueError("scheme", scheme, "'int8', 'fp16' or 'bf16'")
    notes: tuple[str, ...]
    if scheme == "int8":
        chosen = int8_backend(backend)
        notes = (f"dynamic int8 Linear layers via {chosen}",)

        def make() -> tuple[Any, TrainingRun | None]:
            return quantise_int8(model, backend=backend), None
    else:
        notes = (f"weights cast to {scheme}; CPU kernels for half precision may be slower",)

        def make() -> tuple[Any, TrainingRun | None]:
            return cast(model, scheme), None

    return run_technique(f"quantise_{scheme}", make, model, graph=graph, parent=parent,
                         child=child, edge="quantised_from", phase="compression",
                         evaluation=evaluation, setting=setting, share=share, policy=policy,
                         before=before, notes=notes)


def distil(
    teacher: torch.nn.Module, student: torch.nn.Module, *, graph: ProvenanceGraph,
    parent: str, child: str, evaluation: Evaluation, setting: JobSetting,
    x: torch.Tensor, y: torch.Tensor | None = None, unlabelled: torch.Tensor | None = None,
    temperature: float = 4.0, alpha: float = 0.9, epochs: int = 30, seed: int = 0,
    dataset: str | None = None, compare_alone: bool = True, share: Any = None,
    policy: str | None = None, before: Figures | None = None,
) -> Compressed:
    """Distil ``teacher`` into ``student`` as a measured ``distillation`` job
    (child edge ``distilled_from`` the teacher, and ``trained_on`` ``dataset`` if given).

    ``x, y``: labelled inputs (``y=None``: unlabelled); ``unlabelled``: more inputs used with
    the teacher's soft targets only (transfer mode). With ``compare_alone`` and labels, the
    same student is also trained on the labels alone (measured in its own window, not recorded
    in the graph): its metric and energy go into the notes and ``baseline_job_energy``, so the
    result says whether distillation paid.
    """
    check_student(teacher, student, x)
    notes: list[str] = []
    baseline_energy = None
    if compare_alone and y is not None:
        with setting.monitor.window(f"baseline-alone:{child}") as w:
            alone = train_classifier(student, x, y, epochs=epochs, seed=seed)
        assert w.measurement is not None
        alone_job = w.measurement.to_job("student alone", setting.system,
                                         charge=setting.charge)
        baseline_energy = energy_of(alone_job)
        alone_metric = evaluation.metric(alone.model)
        notes.append(f"same student trained on the {len(y)} labels alone: "
                     f"{evaluation.metric_name} {alone_metric:.4f}")

    def make() -> tuple[Any, TrainingRun | None]:
        run = distil_classifier(teacher, student, x, y, unlabelled=unlabelled,
                                temperature=temperature, alpha=alpha, epochs=epochs, seed=seed)
        return run.model, run

    mode = "transfer" if (unlabelled is not None or y is None) else "labelled"
    n_unlabelled = (0 if unlabelled is None else len(unlabelled)) + (len(x) if y is None else 0)
    notes.insert(0, f"{mode} distillation, T={temperature:g}, alpha={alpha:g}, "
                    f"{0 if y is None else len(x)} labelled and {n_unlabelled} unlabelled inputs")
    out = run_technique(f"distil_{mode}", make, teacher, graph=graph, parent=parent,
                        child=child, edge="distilled_from", phase="distillation",
                        evaluation=evaluation, setting=setting, share=share, policy=policy,
                        before=before, notes=tuple(notes), baseline_job_energy=baseline_energy,
                        extra_edges=((dataset, "trained_on"),) if dataset else ())
    return out


def drop_batches(
    model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, *, graph: ProvenanceGraph,
    dataset: str, baseline: str, child: str, evaluation: Evaluation, setting: JobSetting,
    p: float = 0.5, epochs: int = 30, seed: int = 0,
) -> Compressed:
    """Train ``model`` with stochastic mini-batch dropping (each batch skipped with
    probability ``p``) as a measured ``training`` job, against the same training without
    dropping (``baseline``, also measured and recorded).

    Both models are ``trained_on`` ``dataset``. The result compares the child with the
    baseline: same architecture, so energy per request barely moves; the saving is in the
    training job (``job_energy`` against ``baseline_job_energy``).
    """
    q = half_open_fraction(p, "p", "of mini-batches to skip")
    if dataset not in graph:
        from carbon import UnknownKeyError

        raise UnknownKeyError("dataset", dataset, "a dataset in the graph (graph.add_dataset)")
    with setting.monitor.window(f"train:{baseline}") as w:
        base_run = train_classifier(model, x, y, epochs=epochs, seed=seed)
    assert w.measurement is not None
    base_job = w.measurement.to_job(f"train {baseline}", setting.system, charge=setting.charge)
    graph.add_model(baseline, name=baseline, source="compress.drop_batches baseline (p=0)")
    graph.derive(baseline, dataset, "trained_on")
    graph.add_job(baseline, base_job, phase="training")

    def make() -> tuple[Any, TrainingRun | None]:
        run = train_classifier(model, x, y, epochs=epochs, seed=seed, drop_probability=q)
        return run.model, run

    out = run_technique(
        "drop_batches", make, base_run.model, graph=graph, parent=baseline, child=child,
        edge=None, phase="training", evaluation=evaluation, setting=setting,
        baseline_job_energy=energy_of(base_job), extra_edges=((dataset, "trained_on"),),
        notes=(f"p={q:g}: catalogue claims a 33 % training-energy saving at p=0.5",),
    )
    assert out.training is not None
    return _with_note(out, f"{out.training.batches_skipped} of "
                           f"{out.training.batches_run + out.training.batches_skipped} "
                           "mini-batches skipped")


@dataclass
class Suite:
    """What :func:`run_all` returns: the graph, the teacher and one Compressed per technique."""

    graph: ProvenanceGraph
    teacher: torch.nn.Module
    split: Any  # DigitsSplit (run_all) or MiniLMData (run_minilm)
    teacher_figures: Figures
    results: list[Compressed] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """One row per technique (see :func:`results_table`)."""
        return results_table(self.results)


def results_table(results: list[Compressed]) -> pd.DataFrame:
    """One row per technique: metric, size, latency, energy per request, job, break-even."""
    import pandas as pd

    rows = []
    for c in results:
        r = c.result
        rows.append({
            "technique": r.technique, "child": r.child, "metric": r.metric_name,
            "before": r.metric_before, "after": r.metric_after,
            "size before [B]": r.size_before, "size after [B]": r.size_after,
            "latency before [us]": r.latency_before.m_as("us"),
            "latency after [us]": r.latency_after.m_as("us"),
            "E/req before [mJ]": r.energy_per_request_before.m_as("mJ"),
            "E/req after [mJ]": r.energy_per_request_after.m_as("mJ"),
            "E reduction [%]": r.energy_reduction_pct,
            "job energy [J]": r.job_energy.m_as("J"),
            "baseline job [J]": None if r.baseline_job_energy is None
            else r.baseline_job_energy.m_as("J"),
            "job carbon [gCO2e]": r.job_carbon.m_as("gCO2e"),
            "break-even [requests]": r.break_even_requests,
            "provenance": str(r.energy_provenance),
        })
    return pd.DataFrame(rows)


def run_all(
    setting: JobSetting, *, graph: ProvenanceGraph | None = None, seed: int = 0,
    epochs: int = 30, batch_size: int = 64, min_seconds: float = 1.0,
    techniques: tuple[str, ...] | None = None, protocol: TrialProtocol | None = None,
) -> Suite:
    """Train the digits teacher as a measured job and run every technique on it.

    Products: dataset ``digits``, model ``digits-mlp`` (the teacher, ``trained_on`` digits),
    then one child per technique (``digits-mlp-pruned-l1`` ...). ``techniques`` picks a
    subset of: prune_magnitude, prune_global, prune_structured, quantise_int8,
    quantise_fp16, quantise_bf16, distil_labelled, distil_transfer, drop_batches.
    ``protocol``: how parent and child are compared (``compress._trials.TrialProtocol``).
    """
    from compress._digits import digits_split, mlp
    from lineage import ProvenanceGraph

    seed_all(seed)
    graph = graph if graph is not None else ProvenanceGraph()
    split = digits_split(seed)
    if "digits" not in graph:
        graph.add_dataset("digits", name="scikit-learn digits (UCI optdigits test set)",
                          source="sklearn.datasets.load_digits (bundled)")
    with setting.monitor.window("train:digits-mlp") as w:
        run = train_classifier(mlp((64, 256, 256, 10), seed=seed), split.x_train,
                               split.y_train, epochs=epochs, seed=seed)
    assert w.measurement is not None
    teacher = run.model
    graph.add_model("digits-mlp", name="digits MLP teacher 64-256-256-10", task="classification")
    graph.derive("digits-mlp", "digits", "trained_on")
    graph.add_job("digits-mlp", w.measurement.to_job("train digits-mlp", setting.system,
                                                      charge=setting.charge), phase="training")
    ev = Evaluation.classification(split.x_test, split.y_test, batch_size=batch_size,
                                   min_seconds=min_seconds, protocol=protocol or TrialProtocol())
    before = measure_model(teacher, ev, setting, name="digits-mlp")
    suite = Suite(graph, teacher, split, before)
    common: dict[str, Any] = {"graph": graph, "parent": "digits-mlp", "evaluation": ev,
                              "setting": setting, "before": before}
    wanted = set(techniques) if techniques is not None else None

    def want(name: str) -> bool:
        return wanted is None or name in wanted

    base = "digits-mlp"
    if want("prune_magnitude"):
        suite.results.append(prune(teacher, child=f"{base}-pruned-l1", sparsity_=0.5,
                                   method="magnitude", **common))
    if want("prune_global"):
        suite.results.append(prune(teacher, child=f"{base}-pruned-global", sparsity_=0.8,
                                   method="global", **common))
    if want("prune_structured"):
        suite.results.append(prune(teacher, child=f"{base}-pruned-structured", sparsity_=0.75,
                                   method="structured", **common))
    for scheme in ("int8", "fp16", "bf16"):
        if want(f"quantise_{scheme}"):
            suite.results.append(quantise(teacher, child=f"{base}-{scheme}", scheme=scheme,
                                          **common))
    student = mlp((64, 32, 10), seed=seed + 1)
    if want("distil_labelled"):
        suite.results.append(distil(teacher, student, child=f"{base}-student",
                                    x=split.x_train, y=split.y_train, epochs=epochs,
                                    seed=seed, dataset="digits", **common))
    if want("distil_transfer"):
        n = len(split.x_train) // 10
        suite.results.append(distil(teacher, student, child=f"{base}-student-transfer",
                                    x=split.x_train[:n], y=split.y_train[:n],
                                    unlabelled=split.x_train[n:], epochs=epochs, seed=seed,
                                    dataset="digits", **common))
    if want("drop_batches"):
        suite.results.append(drop_batches(
            mlp((64, 256, 256, 10), seed=seed), split.x_train, split.y_train, graph=graph,
            dataset="digits", baseline=f"{base}-p0", child=f"{base}-dropped-p0.5",
            evaluation=ev, setting=setting, p=0.5, epochs=epochs, seed=seed))
    return suite
