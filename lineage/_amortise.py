"""EPC carried into each inference request, and the break-even between two strategies.

Per request (METRICS.md, ASC^e of an inference request on model m)::

    ASC^e(j) = JSC^e(j) + ec(j) + EPC(m) * t / (LT_m * n_par)      (shared by time)
                                + EPC(platform) * t / (LT_p * n_par_p)
                                + cf_rt / n_rt                      (re-training of an interval)

or with ``EPC(m) / N_lifetime`` when the model's share is set by expected request count.
The inference-only figure (operational + facility overhead + embodied hardware: ASC) is always
given beside it, because SCI and most published per-inference figures stop there: ours is an
extended boundary, labelled so.

Strategies: a strategy's per-request cost over a lifetime of N requests is
``c(N) = r + E / N`` (``r``: per-request carbon, ``E``: up-front EPC). Two strategies cost the
same at ``N* = (E_a - E_b) / (r_b - r_a)`` when that is positive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from carbon import (
    InvalidValueError,
    Job,
    RetrainingUse,
    asc_e,
    magnitude,
    product_share,
    product_share_by_requests,
    quantity,
    retraining_share,
)
from lineage._graph import ProvenanceGraph
from lineage._kinds import Phase

__all__ = ["BOUNDARY", "PerRequest", "Strategy", "StrategyComparison", "compare_strategies",
           "per_request"]

#: The label every extended per-request figure carries.
BOUNDARY = (
    "extended boundary (ASC^e): includes the making of the model and its data (EPC), the "
    "serving platform's EPC and re-training; SCI and most published per-inference figures "
    "cover operational + hardware only (the inference-only figure)"
)


@dataclass(frozen=True)
class PerRequest:
    """One inference request's carbon: inference-only and extended, with every part [gCO2e]."""

    model: str
    basis: str  # "time" or "requests": how the model's EPC is shared
    inference_g: float  # operational + overhead + embodied hardware (ASC)
    platform_tax_g: float  # the always-on platform's operations (JSC^e - JSC)
    model_epc_g: float
    platform_epc_g: float
    retraining_g: float
    epc_label: str  # how to read the model's EPC (complete? conserving?)
    notes: tuple[str, ...] = ()

    @property
    def inference_only(self) -> Any:
        """Operational + hardware [gCO2e quantity]: the boundary of SCI and most papers."""
        return quantity(self.inference_g, "gCO2e")

    @property
    def extended_g(self) -> float:
        return (self.inference_g + self.platform_tax_g + self.model_epc_g + self.platform_epc_g
                + self.retraining_g)

    @property
    def extended(self) -> Any:
        """ASC^e of the request [gCO2e quantity], the extended boundary (see ``label``)."""
        return quantity(self.extended_g, "gCO2e")

    total = extended

    @property
    def label(self) -> str:
        return BOUNDARY

    def parts(self) -> dict[str, Any]:
        """Every part [gCO2e quantities]; they sum to ``extended``."""
        return {k: quantity(getattr(self, f"{k}_g"), "gCO2e") for k in
                ("inference", "platform_tax", "model_epc", "platform_epc", "retraining")}


def _inference(inference: Any) -> tuple[float, float, float | None]:
    """(ASC, platform tax, duration s or None) of one request given as a Job or a carbon."""
    if isinstance(inference, Job):
        if inference.products or inference.retraining is not None:
            raise InvalidValueError(
                "inference", inference.name,
                "a Job without products or retraining (per_request adds those shares itself; "
                "giving them on the job too would count them twice)")
        b = asc_e(inference)
        return b.asc_g, b.platform_g, float(inference.duration.m_as("s"))  # type: ignore[union-attr]
    return magnitude(inference, "gCO2e", "inference"), 0.0, None


def per_request(graph: ProvenanceGraph, model: str, inference: Any, *,
                requests: Any = None, duration: Any = None, lifetime: Any = None,
                parallel: Any = 1.0, platform: str | None = None,
                platform_parallel: Any = 1.0, retraining: RetrainingUse | None = None,
                retraining_requests: Any = None) -> PerRequest:
    """ASC^e of one inference request on ``model``, beside its inference-only figure.

    Parameters
    ----------
    inference : one request: a ``carbon.Job`` (its ASC and platform tax are used) or its
        carbon [gCO2e quantity].
    requests : expected lifetime requests N: share the model's EPC as ``EPC / N``.
    duration : time one request holds the model, t [time] (default: the job's duration);
        with ``lifetime`` (default: the model's), shares EPC by time:
        ``EPC * t / (LT * parallel)``; ``parallel``: requests served at once [1].
    platform : id of the serving platform product: its EPC shared by time over its lifetime
        (``platform_parallel`` requests at once).
    retraining : re-training carbon of an interval and the requests of that interval; when
        None, the model's ``retraining`` jobs in the graph over ``retraining_requests``.

    A share that cannot be computed (no request count and no lifetime, re-training jobs but
    no request count) is an error, never zero.

    >>> from lineage import ProvenanceGraph, ReportedCarbon
    >>> g = ProvenanceGraph(); g.add_model("m", name="m", lifetime="1 year")
    >>> _ = g.add_job("m", ReportedCarbon(carbon="1 tCO2e", source="ex"), phase="training")
    >>> r = per_request(g, "m", quantity(0.5, "gCO2e"), requests=1e6)
    >>> r.inference_only, r.extended
    (<Quantity(0.5, 'gram_CO2e')>, <Quantity(1.5, 'gram_CO2e')>)
    """
    epc = graph.epc(model)
    inf_g, tax_g, job_t = _inference(inference)
    t = job_t if duration is None else magnitude(duration, "s", "duration")
    notes: list[str] = []
    if requests is not None:
        basis = "requests"
        model_g = product_share_by_requests(epc.total, requests=requests).m_as("gCO2e")
    else:
        basis = "time"
        lt = lifetime if lifetime is not None else graph.product(model)["lifetime"]
        if lt is None or t is None:
            raise InvalidValueError(
                "requests", None,
                "an expected request count, or a request duration and a lifetime (the model "
                "has none: add_model(..., lifetime=...) or lifetime=) to share the EPC by time")
        model_g = product_share(epc.total, duration=quantity(t, "s"), lifetime=lt,
                                parallel_jobs=parallel).m_as("gCO2e")
    plat_g = 0.0
    if platform is not None:
        if t is None:
            raise InvalidValueError("duration", None, "a request duration to share the "
                                    "platform's EPC by time")
        p_epc = graph.epc(platform)
        plat_g = product_share(p_epc.total, duration=quantity(t, "s"),
                               lifetime=graph.product(platform)["lifetime"],
                               parallel_jobs=platform_parallel).m_as("gCO2e")
    if retraining is not None:
        rt_g = retraining_share(retraining.carbon, requests=retraining.requests).m_as("gCO2e")
    else:
        rt_jobs = [j for j in graph.jobs(model) if j.phase == Phase.RETRAINING.value]
        if rt_jobs and retraining_requests is None:
            raise InvalidValueError(
                "retraining_requests", None,
                f"the requests served in the interval of {model}'s re-training jobs")
        if rt_jobs:
            rt_g = retraining_share(quantity(sum(j.carbon_g for j in rt_jobs), "gCO2e"),
                                    requests=retraining_requests).m_as("gCO2e")
        else:
            rt_g = 0.0
            notes.append("no re-training recorded")
    return PerRequest(model, basis, inf_g, tax_g, model_g, plat_g, rt_g, epc.label,
                      tuple(notes))


@dataclass(frozen=True)
class Strategy:
    """A way to serve a task: up-front EPC ``E`` and carbon per request ``r`` [gCO2e]."""

    name: str
    epc_g: float
    per_request_g: float
    label: str = ""

    @classmethod
    def of(cls, name: str, *, epc: Any, per_request: Any, label: str = "") -> Strategy:
        """From quantities: ``epc`` [gCO2e], ``per_request`` [gCO2e]."""
        return cls(name, magnitude(epc, "gCO2e", "epc"),
                   magnitude(per_request, "gCO2e", "per_request"), label)

    @classmethod
    def from_graph(cls, graph: ProvenanceGraph, model: str, inference: Any, *,
                   name: str | None = None, retraining: RetrainingUse | None = None
                   ) -> Strategy:
        """Model ``model``'s EPC up front; per request its inference (+ platform tax and
        re-training share)."""
        epc = graph.epc(model)
        inf_g, tax_g, _ = _inference(inference)
        rt = 0.0 if retraining is None else retraining_share(
            retraining.carbon, requests=retraining.requests).m_as("gCO2e")
        return cls(name or model, epc.total_g, inf_g + tax_g + rt, epc.label)

    def cost_per_request_g(self, volume: Any) -> Any:
        """``r + E / N`` [gCO2e per request] for lifetime volume(s) N."""
        return self.per_request_g + self.epc_g / np.asarray(volume, dtype=np.float64)


@dataclass(frozen=True)
class StrategyComparison:
    """Per-request ASC^e of two strategies over lifetime volumes, and their break-even."""

    a: Strategy
    b: Strategy
    curve: pd.DataFrame
    break_even_requests: float | None
    reason: str

    @property
    def cheaper_at_low_volume(self) -> str:
        return self.a.name if self.a.epc_g <= self.b.epc_g else self.b.name

    def cheaper_at(self, volume: float) -> str:
        ca = float(self.a.cost_per_request_g(volume))
        cb = float(self.b.cost_per_request_g(volume))
        return self.a.name if ca <= cb else self.b.name


def compare_strategies(a: Strategy, b: Strategy, volumes: Any = None) -> StrategyComparison:
    """Per-request ASC^e ``c(N) = r + E / N`` of two strategies, and the break-even volume.

    ``N* = (E_a - E_b) / (r_b - r_a)``: below it the strategy with less EPC is cheaper per
    request, above it the one with less carbon per request. None (with ``reason``) when one
    strategy is never worse.

    >>> big = Strategy.of("fine-tune foundation", epc="10 tCO2e", per_request="2 gCO2e")
    >>> small = Strategy.of("small from scratch", epc="1 tCO2e", per_request="5 gCO2e")
    >>> c = compare_strategies(big, small)
    >>> c.break_even_requests
    3000000.0
    >>> c.cheaper_at(1e5), c.cheaper_at(1e8)
    ('small from scratch', 'fine-tune foundation')
    """
    d_epc = a.epc_g - b.epc_g
    d_rate = b.per_request_g - a.per_request_g
    if d_rate == 0 or (d_epc == 0) or (d_epc > 0) != (d_rate > 0):
        n_star = None
        better = a.name if (d_epc <= 0 and d_rate >= 0) else b.name
        reason = f"{better} is never more costly per request: no break-even"
    else:
        n_star = d_epc / d_rate
        reason = (f"below {n_star:.6g} lifetime requests {a.name if d_epc < 0 else b.name} is "
                  f"cheaper per request; above, {b.name if d_epc < 0 else a.name}")
    if volumes is None:
        centre = n_star if n_star is not None and math.isfinite(n_star) else 1e6
        volumes = np.logspace(math.log10(centre) - 3, math.log10(centre) + 3, 25)
    v = np.asarray(volumes, dtype=np.float64)
    if not np.all(v > 0):
        raise InvalidValueError("volumes", volumes, "request volumes > 0")
    curve = pd.DataFrame(
        {f"{a.name} [gCO2e/request]": a.cost_per_request_g(v),
         f"{b.name} [gCO2e/request]": b.cost_per_request_g(v)},
        index=pd.Index(v, name="lifetime requests"))
    return StrategyComparison(a, b, curve, n_star, reason)
