"""EPC carried into each inference request, and the break-even between two strategies.

Per request (specs/metrics.md, ASC^e of an inference request on model m)::

    ASC^e(j) = JSC^e(j) + ec(j) + EPC(m) * t / (LT_m * n_par)      (shared by time)
                                + EPC(platform) * t / (LT_p * n_par_p)
                                + cf_rt / n_rt                      (re-training of an interval)

or with ``EPC(m) / N_lifetime`` when the model's share is set by expected request count.
The inference-only figure (operational + facility overhead + embodied hardware: ASC) is always
given beside it, because SCI and most published per-inference figures stop there: ours is an
extended boundary, labelled so.

Uncertainty (specs/lineage.md, "Uncertainty"): each part is linear in one input, so its
uncertainty is the part's share applied to that input's (``u(EPC(m)) * t / (LT_m * n_par)``,
``u(EPC(m)) / N``, ``u(cf_rt) / n_rt``), and the request's is their root-sum-square
(first-order propagation, independent errors: :func:`carbon.combine`). A part whose input has
no stated uncertainty makes ``extended_uncertainty`` unknown (None with reasons), never zero.

Strategies: a strategy's per-request cost over a lifetime of N requests is
``c(N) = r + E / N`` (``r``: per-request carbon, ``E``: up-front EPC; :func:`cost_curve`). Two
strategies cost the same at ``N* = (E_a - E_b) / (r_b - r_a)`` when that is positive
(:func:`break_even`). These two functions are the one home of that arithmetic: the strategy
comparison here and the datasheet's cost curve (``assess.datasheet``) both call them.

References
----------
[1] modelcarbon, ``specs/lineage.md``: "Per request (extended boundary)" and "Strategies
    and break-even"; ``specs/metrics.md``: the ASC^e of an inference request.
[2] Green Software Foundation (2024), "Software Carbon Intensity (SCI) Specification",
    ISO/IEC 21031:2024: the inference-only boundary (operational + embodied per functional
    unit) that the extended figure is reported beside.
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
    Uncertainty,
    asc_e,
    combine,
    magnitude,
    product_share,
    product_share_by_requests,
    quantity,
    retraining_share,
)
from lineage._graph import ProvenanceGraph
from lineage._kinds import Phase

__all__ = ["BOUNDARY", "PerRequest", "Strategy", "StrategyComparison", "break_even",
           "compare_strategies", "cost_curve", "per_request"]

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
    #: Uncertainty of each part [gCO2e], in the order of ``parts()`` (module docstring).
    parts_u: tuple[Uncertainty, ...] = ()

    @property
    def uncertainty(self) -> Any | None:
        """+- on ``extended`` [gCO2e quantity], root-sum-square of the parts'; None when
        one is unknown (``uncertainty_unknown`` says why)."""
        return self.uncertainty_of().quantity

    @property
    def uncertainty_unknown(self) -> tuple[str, ...]:
        return self.uncertainty_of().unknown

    def uncertainty_of(self, part: str | None = None) -> Uncertainty:
        """One part's uncertainty (``inference``, ``model_epc``...), or the extended total's."""
        if not self.parts_u:
            return Uncertainty.missing("uncertainty not computed")
        named = dict(zip(_PER_REQUEST_PARTS, self.parts_u, strict=True))
        return combine(named.values()) if part is None else named[part]

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
        return {k: quantity(getattr(self, f"{k}_g"), "gCO2e") for k in _PER_REQUEST_PARTS}


_PER_REQUEST_PARTS = ("inference", "platform_tax", "model_epc", "platform_epc", "retraining")


def _inference(inference: Any, uncertainty: Any = None
               ) -> tuple[float, float, float | None, Uncertainty, Uncertainty]:
    """(ASC, platform tax, duration s or None, u(ASC), u(tax)) of one request given as a Job
    or a carbon (with its ``uncertainty`` [gCO2e], unknown when not given)."""
    if isinstance(inference, Job):
        if inference.products or inference.retraining is not None:
            raise InvalidValueError(
                "inference", inference.name,
                "a Job without products or retraining (per_request adds those shares itself; "
                "giving them on the job too would count them twice)")
        b = asc_e(inference)
        return (b.asc_g, b.platform_g, float(inference.duration.m_as("s")),  # type: ignore[union-attr]
                b.uncertainty_of("asc"), b.platform_u)
    u = (Uncertainty.missing("inference carbon: no stated uncertainty") if uncertainty is None
         else Uncertainty.known(magnitude(uncertainty, "gCO2e", "inference_uncertainty")))
    return magnitude(inference, "gCO2e", "inference"), 0.0, None, u, Uncertainty.known(0.0)


def _retraining_g(graph: ProvenanceGraph, model: str, retraining: RetrainingUse | None,
                  retraining_requests: Any) -> tuple[float, str | None, Uncertainty]:
    """(re-training share of one request [gCO2e], a note when none is recorded, its u).

    ``retraining`` when given; else the model's ``retraining`` jobs in the graph over
    ``retraining_requests``, which must then be given (unknown is never zero).
    """
    def share(g: float, n: Any) -> float:
        return float(retraining_share(quantity(g, "gCO2e"), requests=n).m_as("gCO2e"))

    if retraining is not None:
        n = retraining.requests
        u = (Uncertainty.missing("re-training carbon: no stated uncertainty")
             if retraining.uncertainty is None
             else Uncertainty.known(share(retraining.uncertainty.m_as("gCO2e"), n)))
        return share(retraining.carbon.m_as("gCO2e"), n), None, u
    rt_jobs = [j for j in graph.jobs(model) if j.phase == Phase.RETRAINING.value]
    if not rt_jobs:
        return 0.0, "no re-training recorded", Uncertainty.known(0.0)
    if retraining_requests is None:
        raise InvalidValueError(
            "retraining_requests", None,
            f"the requests served in the interval of {model}'s re-training jobs "
            "(retraining_requests=..., or retraining=RetrainingUse(...))")
    ru = combine(j.uncertainty for j in rt_jobs)
    u = ru if ru.g is None else Uncertainty.known(share(ru.g, retraining_requests))
    return (share(sum(j.carbon_g for j in rt_jobs), retraining_requests), None, u)


def per_request(graph: ProvenanceGraph, model: str, inference: Any, *,
                requests: Any = None, duration: Any = None, lifetime: Any = None,
                parallel: Any = 1.0, platform: str | None = None,
                platform_parallel: Any = 1.0, retraining: RetrainingUse | None = None,
                retraining_requests: Any = None,
                inference_uncertainty: Any = None) -> PerRequest:
    """ASC^e of one inference request on ``model``, beside its inference-only figure.

    Parameters
    ----------
    inference : one request: a ``carbon.Job`` (its ASC and platform tax are used) or its
        carbon [gCO2e quantity].
    inference_uncertainty : +- on ``inference`` when it is a carbon [gCO2e] (a Job's comes
        from its breakdown); left out, unknown.
    requests : expected lifetime requests N: share the model's EPC as ``EPC / N``.
    duration : time one request holds the model, t [time] (default: the job's duration);
        with ``lifetime`` (default: the model's), shares EPC by time:
        ``EPC * t / (LT * parallel)``; ``parallel``: requests served at once [dimensionless].
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
    >>> r.uncertainty is None, r.uncertainty_unknown[0]
    (True, 'inference carbon: no stated uncertainty')
    """
    epc = graph.epc(model)
    inf_g, tax_g, job_t, inf_u, tax_u = _inference(inference, inference_uncertainty)
    t = job_t if duration is None else magnitude(duration, "s", "duration")
    notes: list[str] = []
    if requests is not None:
        basis = "requests"

        def model_share(c: Any) -> float:
            return float(product_share_by_requests(c, requests=requests).m_as("gCO2e"))
    else:
        basis = "time"
        lt = lifetime if lifetime is not None else graph.product(model)["lifetime"]
        if lt is None or t is None:
            raise InvalidValueError(
                "requests", None,
                "an expected request count, or a request duration and a lifetime (the model "
                "has none: add_model(..., lifetime=...) or lifetime=) to share the EPC by time")
        def model_share(c: Any) -> float:
            return float(product_share(c, duration=quantity(t, "s"), lifetime=lt,
                                       parallel_jobs=parallel).m_as("gCO2e"))
    model_g = model_share(epc.total)
    model_u = _shared(epc.total_u, model_share)
    plat_g = 0.0
    plat_u = Uncertainty.known(0.0)
    if platform is not None:
        if t is None:
            raise InvalidValueError("duration", None, "a request duration to share the "
                                    "platform's EPC by time")
        p_epc = graph.epc(platform)
        def plat_share(c: Any) -> float:
            return float(product_share(c, duration=quantity(t, "s"),
                                       lifetime=graph.product(platform)["lifetime"],
                                       parallel_jobs=platform_parallel).m_as("gCO2e"))
        plat_g = plat_share(p_epc.total)
        plat_u = _shared(p_epc.total_u, plat_share)
    rt_g, note, rt_u = _retraining_g(graph, model, retraining, retraining_requests)
    if note is not None:
        notes.append(note)
    return PerRequest(model, basis, inf_g, tax_g, model_g, plat_g, rt_g, epc.label,
                      tuple(notes), (inf_u, tax_u, model_u, plat_u, rt_u))


def _shared(u: Uncertainty, share: Any) -> Uncertainty:
    """The uncertainty of an EPC's share: the same (linear) share of the EPC's uncertainty."""
    return u if u.g is None else Uncertainty.known(share(quantity(u.g, "gCO2e")))


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
                   name: str | None = None, retraining: RetrainingUse | None = None,
                   retraining_requests: Any = None) -> Strategy:
        """Model ``model``'s EPC up front; per request its inference (+ platform tax and
        re-training share).

        The re-training share is found as :func:`per_request` finds it: ``retraining`` when
        given, else the model's ``retraining`` jobs in the graph over ``retraining_requests``
        (an error when the graph has such jobs and no request count is given: unknown is
        never zero); 0 only when no re-training is recorded.
        """
        epc = graph.epc(model)
        inf_g, tax_g, *_ = _inference(inference)
        rt, *_ = _retraining_g(graph, model, retraining, retraining_requests)
        return cls(name or model, epc.total_g, inf_g + tax_g + rt, epc.label)

    def cost_per_request_g(self, volume: Any) -> Any:
        """``r + E / N`` [gCO2e per request, magnitudes] for lifetime volume(s) N > 0
        (:func:`cost_curve`)."""
        return cost_curve(quantity(self.epc_g, "gCO2e"), quantity(self.per_request_g, "gCO2e"),
                          volume).m_as("gCO2e")


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


def cost_curve(epc: Any, per_request: Any, requests: Any) -> Any:
    """Per-request ASC^e of a strategy over N lifetime requests, its EPC shared by count::

        c(N) = r + E / N

    The model's EPC share by expected request count (``EPC(m) / N_lifetime``,
    :func:`carbon.product_share_by_requests`) added to what one request costs besides it.

    Parameters
    ----------
    epc : E, the up-front EPC of the strategy (its model and data) [gCO2e].
    per_request : r, the carbon of one request but its EPC share (inference, platform tax,
        re-training share) [gCO2e].
    requests : N, lifetime request volume(s) > 0 [dimensionless], a number or an array.

    Returns
    -------
    c(N) [gCO2e] per request, an array quantity when ``requests`` is an array.

    References
    ----------
    [1] modelcarbon, ``specs/lineage.md``, "Strategies and break-even".

    >>> cost_curve(quantity(1, "tCO2e"), quantity(5, "gCO2e"), [1e5, 1e6])
    <Quantity([15.  6.], 'gram_CO2e')>
    """
    r = magnitude(per_request, "gCO2e", "per_request")
    n = np.asarray(requests, dtype=np.float64)
    share = product_share_by_requests(epc, requests=float(n) if n.ndim == 0 else n)
    return quantity(r + share.m_as("gCO2e"), "gCO2e")


def _break_even_g(epc_a_g: float, rate_a_g: float, epc_b_g: float,
                  rate_b_g: float) -> float | None:
    """:func:`break_even` on magnitudes [gCO2e] (the fast path)."""
    d_rate = rate_b_g - rate_a_g
    if d_rate == 0:
        return None
    n = (epc_a_g - epc_b_g) / d_rate
    return n if n > 0 and math.isfinite(n) else None


def break_even(epc_a: Any, per_request_a: Any, epc_b: Any, per_request_b: Any) -> float | None:
    """Lifetime request volume at which two strategies cost the same per request.

    With ``c(N) = r + E / N`` (:func:`cost_curve`), strategies ``a`` and ``b`` meet where
    ``r_a + E_a / N = r_b + E_b / N``, that is where their lifetime totals
    ``E + N * r`` are equal::

        N* = (E_a - E_b) / (r_b - r_a)

    Below ``N*`` the strategy with less EPC costs less per request; above it, the one with
    less carbon per request.

    Parameters
    ----------
    epc_a, epc_b : E, the up-front EPC of each strategy [gCO2e].
    per_request_a, per_request_b : r, the carbon of one request of each, all but its EPC
        share [gCO2e].

    Returns
    -------
    N* [dimensionless: a count of lifetime requests], or None when the two never cross at a
    finite N > 0: one strategy costs no more at every volume (equal EPC, equal carbon per
    request, or less of both). None is "no break-even", never zero.

    References
    ----------
    [1] modelcarbon, ``specs/lineage.md``, "Strategies and break-even": the share
        EPC(m) / N_lifetime; reuse a foundation model or train a small one from scratch,
        compared at an expected request volume.

    >>> break_even(quantity(10, "tCO2e"), quantity(2, "gCO2e"),
    ...            quantity(1, "tCO2e"), quantity(5, "gCO2e"))
    3000000.0
    >>> print(break_even(quantity(1, "tCO2e"), quantity(2, "gCO2e"),
    ...                  quantity(10, "tCO2e"), quantity(5, "gCO2e")))
    None
    """
    return _break_even_g(magnitude(epc_a, "gCO2e", "epc_a"),
                         magnitude(per_request_a, "gCO2e", "per_request_a"),
                         magnitude(epc_b, "gCO2e", "epc_b"),
                         magnitude(per_request_b, "gCO2e", "per_request_b"))


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
    n_star = break_even(quantity(a.epc_g, "gCO2e"), quantity(a.per_request_g, "gCO2e"),
                        quantity(b.epc_g, "gCO2e"), quantity(b.per_request_g, "gCO2e"))
    if n_star is None:
        # the costs never cross at N > 0: the one cheaper at any volume is cheaper at all
        better = a.name if a.cost_per_request_g(1.0) <= b.cost_per_request_g(1.0) else b.name
        reason = f"{better} is never more costly per request: no break-even"
    else:
        low, high = (a.name, b.name) if a.epc_g < b.epc_g else (b.name, a.name)
        reason = (f"below {n_star:.6g} lifetime requests {low} is cheaper per request; "
                  f"above, {high}")
    if volumes is None:
        centre = n_star if n_star is not None else 1e6
        volumes = np.logspace(math.log10(centre) - 3, math.log10(centre) + 3, 25)
    v = np.asarray(volumes, dtype=np.float64)
    if not np.all(v > 0):
        raise InvalidValueError("volumes", volumes, "request volumes > 0")
    curve = pd.DataFrame(
        {f"{a.name} [gCO2e/request]": a.cost_per_request_g(v),
         f"{b.name} [gCO2e/request]": b.cost_per_request_g(v)},
        index=pd.Index(v, name="lifetime requests"))
    return StrategyComparison(a, b, curve, n_star, reason)
