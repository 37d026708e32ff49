"""Log a measured job to the active MLflow run: energy and carbon as metrics, provenance as tags.

``log_to_mlflow(job_or_measurement, systems)`` writes, under the ``prefix`` (``modelcarbon``):

- metrics: ``energy_kwh`` (the job's IT energy), ``energy_kwh.<system>`` per system, the seven
  parts of ASC^e in ``carbon_g.<part>`` (``operational``, ``overhead``, ``idle``, ``embodied``,
  ``platform``, ``products``, ``retraining``; specs/metrics.md) and the views
  ``carbon_g.jsc``, ``carbon_g.asc``, ``carbon_g.jsc_e``, ``carbon_g.asc_e``; for a
  :class:`measure.Measurement`, ``energy_j.<device>`` per device and ``duration_s`` too;
- tags: ``provenance`` (the weakest of the job's figures: measured < sampled < estimated <
  reported), ``provenance.<system>``, ``source.<system>``, ``facility.<system>`` (PUE and
  grid), ``complete`` and, when something is unknown, ``unknown`` (the reasons);
- artifacts: the datasheet, when given (a file path, a text, a mapping written as JSON, or
  an object with ``model_dump_json`` such as :class:`assess.datasheet.Datasheet`), and
  ``modelcarbon/job.json`` (the job record).

Unknown is never zero: an unknown device energy or an unknown embodied carbon logs no metric
(and the totals that would contain it are left out), the reason goes to the ``unknown`` tag.
MLflow is imported only here (``pip install mlflow``); the caller starts the run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from carbon import Job, System, asc_e, magnitude
from measure._errors import MeasureError
from measure._measurement import Measurement

__all__ = ["log_to_mlflow"]

_ORDER = ("measured", "sampled", "estimated", "reported")
_TAG_LIMIT = 5000  # MLflow's tag values are bounded (8,000 characters in 3.x); stay below


def _mlflow() -> Any:
    try:
        import mlflow
    except ImportError as e:
        raise MeasureError("mlflow", None, "the mlflow package (pip install mlflow)") from e
    return mlflow


def _key(text: str) -> str:
    """An MLflow-safe key part (letters, digits, ``_ - . /`` and spaces are allowed)."""
    return re.sub(r"[^\w\-./ ]", "_", text)


def _tag(text: str) -> str:
    return text if len(text) <= _TAG_LIMIT else text[: _TAG_LIMIT - 1] + "…"


def _plain(value: Any) -> Any:
    """JSON for what pydantic cannot serialise (an hourly intensity's pandas Series)."""
    if hasattr(value, "to_dict"):
        return {str(k): v for k, v in value.to_dict().items()}
    return str(value)


def _datasheet(mlflow: Any, datasheet: Any) -> None:
    if isinstance(datasheet, Path):
        if not datasheet.is_file():
            raise MeasureError("datasheet", str(datasheet), "an existing file")
        mlflow.log_artifact(str(datasheet), artifact_path="modelcarbon")
    elif isinstance(datasheet, str):
        name = "datasheet.html" if datasheet.lstrip().startswith("<") else "datasheet.md"
        mlflow.log_text(datasheet, f"modelcarbon/{name}")
    elif isinstance(datasheet, Mapping):
        mlflow.log_dict(dict(datasheet), "modelcarbon/datasheet.json")
    elif hasattr(datasheet, "model_dump_json"):
        mlflow.log_text(datasheet.model_dump_json(indent=2), "modelcarbon/datasheet.json")
    else:
        raise MeasureError("datasheet", type(datasheet).__name__,
                           "a file path, a text, a mapping or a pydantic model")


def log_to_mlflow(job_or_measurement: Job | Measurement,
                  systems: System | Mapping[str, System] | None = None, *,
                  name: str | None = None, datasheet: Any | None = None,
                  prefix: str = "modelcarbon", step: int | None = None) -> dict[str, float]:
    """Log a job (or a measurement, made a job on ``systems``) to the active MLflow run.

    A :class:`measure.Measurement` needs ``systems`` for its carbon (as in
    :meth:`measure.Measurement.to_job`, named ``name`` or the window's name); without them
    only its energy is logged and the ``unknown`` tag says why. Returns the metrics logged.
    Raises :class:`measure.MeasureError` when no run is active (``mlflow.start_run()``).
    """
    mlflow = _mlflow()
    if mlflow.active_run() is None:
        raise MeasureError("mlflow run", None, "an active run (with mlflow.start_run(): ...)")
    p = prefix.rstrip(".") + "." if prefix else ""
    metrics: dict[str, float] = {}
    tags: dict[str, str] = {}
    unknown: list[str] = []
    job: Job | None
    if isinstance(job_or_measurement, Measurement):
        m = job_or_measurement
        metrics[f"{p}duration_s"] = float(magnitude(m.duration, "s", "duration"))
        for d in m.devices:
            if d.energy is None:
                unknown.append(f"energy of {d.key}: {d.reason}")
            else:
                metrics[f"{p}energy_j.{_key(d.key)}"] = float(magnitude(d.energy, "J", d.key))
            tags[f"{p}provenance.{_key(d.key)}"] = d.provenance or "unknown"
            tags[f"{p}source.{_key(d.key)}"] = _tag(d.source)
        if systems is None:
            job = None
            unknown.append("carbon: no system given (log_to_mlflow(measurement, systems))")
        else:
            job = m.to_job(name or m.name, systems, skip_unknown=True)
    else:
        job = job_or_measurement
    if job is not None:
        metrics.update(_job_metrics(job, p, tags, unknown))
    tags[f"{p}complete"] = "false" if unknown else "true"
    if unknown:
        tags[f"{p}unknown"] = _tag("; ".join(unknown))
    mlflow.log_metrics(metrics, step=step)
    mlflow.set_tags(tags)
    if job is not None:
        record = json.loads(job.model_dump_json(fallback=_plain))
        mlflow.log_dict(record, f"{prefix or 'modelcarbon'}/job.json")
    if datasheet is not None:
        _datasheet(mlflow, datasheet)
    return metrics


def _job_metrics(job: Job, p: str, tags: dict[str, str],
                 unknown: list[str]) -> dict[str, float]:
    b = asc_e(job)
    metrics = {f"{p}energy_kwh": sum(line.energy_kwh for line in b.systems)}
    for use, line in zip(job.energy, b.systems, strict=True):
        s = _key(line.system)
        metrics[f"{p}energy_kwh.{s}"] = metrics.get(f"{p}energy_kwh.{s}", 0.0) + line.energy_kwh
        tags[f"{p}provenance.{s}"] = line.provenance
        tags[f"{p}facility.{s}"] = (f"{use.system.facility.name}: PUE {line.pue:g}, "
                                    f"{line.intensity_gco2e_per_kwh:.4g} gCO2e/kWh")
        if use.source:
            tags[f"{p}source.{s}"] = _tag(use.source)
    tags[f"{p}provenance"] = max((line.provenance for line in b.systems), key=_ORDER.index)
    unknown.extend(b.unknown)
    embodied_known = all(line.embodied_g is not None for line in b.systems)
    for part, q in b.parts().items():
        if part != "embodied" or embodied_known:
            metrics[f"{p}carbon_g.{part}"] = float(q.magnitude)
    metrics[f"{p}carbon_g.jsc"] = b.jsc_g
    metrics[f"{p}carbon_g.jsc_e"] = b.jsc_e_g
    if embodied_known:
        metrics[f"{p}carbon_g.asc"] = b.asc_g
        metrics[f"{p}carbon_g.asc_e"] = b.asc_e_g
    return metrics
