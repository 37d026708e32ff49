"""Measured numbers in: a before/after measurement sets ``energy_reduction`` and informs
``disruption`` (specs/adoption.md).

    saving [%]       = 100 * (E_before - E_after) / E_before       (per request or per run)
    quality loss [%] = 100 * (q_before - q_after) / |q_before|      (higher_is_better)
                     = 100 * (q_after - q_before) / |q_before|      (lower is better)

``energy_reduction`` = H when the saving >= ``energy_high_pct``, M when >= ``energy_medium_pct``,
else L. The measured quality loss gives a disruption level (H when the loss >=
``quality_high_loss_pct``, M when >= ``quality_medium_loss_pct``, else L); disruption also covers
process and tooling change, which no measurement sees, so the result is the *worse* of the
rated level and the measured one (a measurement can raise a rating, never hide a rated
process cost). Both derived levels are labelled ``measured`` with the numbers behind them.

A measured energy level is applied only when the measurement is **conclusive**: the interval
of the candidate/baseline energy ratio from repeated, interleaved trials (``ratio_ci``, from
:func:`measure.compare`) excludes 1, or, without trials, the stated uncertainty of the
energy figures is smaller than the difference. An inconclusive measurement (or one with no
interval at all: a single shot says nothing about noise) keeps the rated level and says so
("measured saving -2.0 % +- 9.0 %: not conclusive, rated level kept"). A technique that
conclusively *increases* the energy per unit of work is not an energy reduction: its
``energy_reduction`` is L (measured) and :attr:`Characteristics.energy_increase` carries the
finding, which makes the advice negative whatever the matrices score.

Default thresholds and why (an organisation sets its own with :class:`MeasuredThresholds`):

- ``energy_high_pct = 30``: the framework's catalogue claims savings of about a third and more
  (batch sampling 33 %, power limiting up to 33 %, pruning 24-73 %, energy-constrained
  compression 32-74 %); a measured saving in that range is what the literature calls high.
- ``energy_medium_pct = 10``: below 10 % a saving is of the order of the uncertainty of an
  estimated or sampled energy figure (specs/measure.md) and of run-to-run spread, so it is low.
- ``quality_medium_loss_pct = 0.5``: a relative loss under half a percent is within the
  seed-to-seed spread of a retrained model, "no or very minor change" for users.
- ``quality_high_loss_pct = 2``: a loss of 2 % or more is what the study's practitioners feared
  ("loss of quality", the most influential characteristic), so it is significant.
- ``level_rule = "interval"``: a conclusive saving's interval spans one or more levels
  (``level(low)`` to ``level(high)``); an interval within one level sets it (measured); over
  several, the rated level is kept when it is among them (the
  measurement does not contradict it) and is otherwise moved to the nearest level the
  interval supports: the rating clamped to the interval. A point estimate near a threshold
  flips the level between two runs of the same measurement (MiniLM int8 read 34 % then 21 %:
  H then M), and so does the lower end when an interval is wide (a between-run component
  makes CPU-estimated intervals wide: ``measure.compare``'s ``between_runs_sd``); a rating
  clamped to the interval only moves when a run's interval leaves it behind.
  ``"lower_bound"`` rates by the lower end of the interval (the level the whole measurement
  supports, whatever the rating), ``"point"`` by the point estimate.

>>> m = BeforeAfter(name="int8", energy_before="2.0 J", energy_after="1.1 J",
...                 energy_provenance="sampled", ratio_ci=(0.52, 0.58), trials=12,
...                 metric_name="accuracy", metric_before=0.962, metric_after=0.958)
>>> round(m.energy_saving_pct, 1), round(m.quality_loss_pct, 2), m.conclusive
(45.0, 0.42, True)
>>> rated = Characteristics(complexity="M", effort="M", disruption="L", energy_reduction="M")
>>> c = apply_measurement(rated, m)
>>> c.energy_reduction, c.basis["energy_reduction"].label
(<Level.H: 'H'>, 'measured')
>>> noisy = m.model_copy(update={"ratio_ci": (0.31, 1.07)})
>>> c = apply_measurement(rated, noisy)
>>> c.energy_reduction, c.basis["energy_reduction"].label
(<Level.M: 'M'>, 'rated')
>>> print(c.basis["energy_reduction"].detail)     # doctest: +NORMALIZE_WHITESPACE
energy per request: not conclusive, rated level kept (45.0 % saving measured,
interval -7.0 % to 69.0 %, 12 trials, sampled, int8)
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import Field, model_validator

from assess.adoption._framework import Basis, Characteristics, Level
from carbon import Carbon, Energy, InvalidValueError, Provenance, Record, Time

__all__ = [
    "BeforeAfter",
    "MeasuredThresholds",
    "apply_measurement",
    "disruption_level",
    "energy_reduction_level",
]


class MeasuredThresholds(Record):
    """Thresholds that turn measured numbers into levels (defaults and reasons: module doc)."""

    energy_medium_pct: float = Field(default=10.0, ge=0, le=100, allow_inf_nan=False)
    energy_high_pct: float = Field(default=30.0, ge=0, le=100, allow_inf_nan=False)
    quality_medium_loss_pct: float = Field(default=0.5, ge=0, allow_inf_nan=False)
    quality_high_loss_pct: float = Field(default=2.0, ge=0, allow_inf_nan=False)
    level_rule: Literal["interval", "lower_bound", "point"] = "interval"

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.energy_medium_pct > self.energy_high_pct:
            raise ValueError(f"energy_medium_pct ({self.energy_medium_pct}) must be <= "
                             f"energy_high_pct ({self.energy_high_pct})")
        if self.quality_medium_loss_pct > self.quality_high_loss_pct:
            raise ValueError(f"quality_medium_loss_pct ({self.quality_medium_loss_pct}) must be"
                             f" <= quality_high_loss_pct ({self.quality_high_loss_pct})")
        return self


class BeforeAfter(Record):
    """A plain before/after measurement of a technique (or a ``CompressionResult``, converted
    with :meth:`from_compression_result`).

    ``energy_before``/``energy_after`` are the energy of one unit of work (``unit_of_work``:
    one request, or one training run) [energy]; ``metric_*`` the quality before and after;
    ``job_energy``/``job_carbon`` what the adoption run itself cost once (None = unknown, never
    zero); ``latency_*`` the time of one batch of ``batch_size`` requests [time].
    """

    name: str
    unit_of_work: Literal["request", "training_run"] = "request"
    energy_before: Energy
    energy_after: Energy
    energy_provenance: Provenance
    energy_uncertainty: Energy | None = None
    ratio_ci: tuple[float, float] | None = Field(
        default=None, description="interval of energy_after / energy_before from repeated "
        "interleaved trials (measure.compare) [dimensionless]")
    ci_level: float = Field(default=0.95, gt=0, lt=1, allow_inf_nan=False)
    trials: int | None = Field(default=None, ge=1)
    test_conclusive: bool | None = Field(
        default=None, description="the comparison's verdict (interval and test, e.g. "
        "measure.compare's conclusive); None when no test was made")
    metric_name: str | None = None
    metric_before: float | None = Field(default=None, allow_inf_nan=False)
    metric_after: float | None = Field(default=None, allow_inf_nan=False)
    higher_is_better: bool = True
    latency_before: Time | None = None
    latency_after: Time | None = None
    batch_size: int = Field(default=1, ge=1)
    job_energy: Energy | None = None
    job_carbon: Carbon | None = None
    job_provenance: Provenance | None = None
    technique: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.energy_before.magnitude <= 0:
            raise ValueError("energy_before must be > 0 (a saving is a share of it)")
        if (self.metric_before is None) != (self.metric_after is None):
            raise ValueError("give both metric_before and metric_after, or neither")
        if self.metric_before is not None and self.metric_before == 0:
            raise ValueError("metric_before must be non-zero (a relative loss divides by it)")
        if self.ratio_ci is not None:
            lo, hi = self.ratio_ci
            if not (0 <= lo <= hi and hi < float("inf")):
                raise ValueError(f"ratio_ci must be (low, high) with 0 <= low <= high < inf, "
                                 f"got ({lo:g}, {hi:g})")
        return self

    @property
    def saving_interval_pct(self) -> tuple[float, float] | None:
        """The saving's interval [%]: from ``ratio_ci`` (100 * (1 - ratio)), else from the
        stated uncertainty (saving +- 100 * uncertainty / E_before); None when neither is
        known."""
        if self.ratio_ci is not None:
            lo, hi = self.ratio_ci
            return float(100.0 * (1.0 - hi)), float(100.0 * (1.0 - lo))
        if self.energy_uncertainty is not None:
            u = 100.0 * self.energy_uncertainty.magnitude / self.energy_before.magnitude
            return self.energy_saving_pct - u, self.energy_saving_pct + u
        return None

    @property
    def conclusive(self) -> bool:
        """True when the saving's interval excludes zero (the ratio's excludes 1) and the
        comparison's own test agreed (``test_conclusive``, when given); False otherwise, and
        when no interval is known (one shot says nothing about noise)."""
        iv = self.saving_interval_pct
        excludes = iv is not None and (iv[0] > 0.0 or iv[1] < 0.0)
        return excludes and self.test_conclusive is not False

    @property
    def energy_saving_pct(self) -> float:
        """100 * (E_before - E_after) / E_before [%]; negative when the technique costs more."""
        b, a = self.energy_before.magnitude, self.energy_after.magnitude
        return float(100.0 * (b - a) / b)

    @property
    def energy_saving_lower_pct(self) -> float | None:
        """The lower end of the saving's interval [%], None when no interval is known."""
        iv = self.saving_interval_pct
        return None if iv is None else iv[0]

    @property
    def quality_loss_pct(self) -> float | None:
        """Relative quality loss [%] (negative = gain); None when no metric was measured."""
        if self.metric_before is None or self.metric_after is None:
            return None
        diff = self.metric_before - self.metric_after
        if not self.higher_is_better:
            diff = -diff
        return float(100.0 * diff / abs(self.metric_before))

    @classmethod
    def from_compression_result(cls, result: Any, *, higher_is_better: bool = True
                                ) -> BeforeAfter:
        """Convert anything with the ``compress.CompressionResult`` fields (read by name).

        Missing optional fields stay None (unknown), never zero.
        """
        def get(name: str) -> Any:
            return getattr(result, name, None)

        try:
            before = result.energy_per_request_before
            after = result.energy_per_request_after
            provenance = result.energy_provenance
        except AttributeError as e:
            raise InvalidValueError(
                "result", type(result).__name__,
                "a CompressionResult (energy_per_request_before/after, energy_provenance)",
            ) from e
        technique = get("technique")
        name = f"{technique}: {get('parent')} -> {get('child')}" if technique else "measured"
        return cls(
            name=name, unit_of_work="request", energy_before=before, energy_after=after,
            energy_provenance=provenance, energy_uncertainty=get("energy_uncertainty"),
            ratio_ci=get("energy_ratio_ci"), ci_level=get("ci_level") or 0.95,
            trials=get("trials"), test_conclusive=get("conclusive"),
            metric_name=get("metric_name"), metric_before=get("metric_before"),
            metric_after=get("metric_after"), higher_is_better=higher_is_better,
            latency_before=get("latency_before"), latency_after=get("latency_after"),
            batch_size=get("batch_size") or 1, job_energy=get("job_energy"),
            job_carbon=get("job_carbon"), job_provenance=get("job_provenance"),
            technique=technique, source="compress.CompressionResult")


def energy_reduction_level(saving_pct: float, thresholds: MeasuredThresholds | None = None
                           ) -> Level:
    """The ``energy_reduction`` level of a saving [%]: H >= high, M >= medium, else L.

    >>> [energy_reduction_level(p).value for p in (-5.0, 9.9, 10.0, 29.9, 30.0, 80.0)]
    ['L', 'L', 'M', 'M', 'H', 'H']
    """
    t = thresholds or MeasuredThresholds()
    if saving_pct >= t.energy_high_pct:
        return Level.H
    if saving_pct >= t.energy_medium_pct:
        return Level.M
    return Level.L


def _level(rated: Level, saving: float, iv: tuple[float, float] | None,
           t: MeasuredThresholds) -> tuple[Level, str, Literal["rated", "measured"]]:
    """``(level, how, label)`` of a conclusive saving by ``t.level_rule`` (module doc)."""
    if t.level_rule == "point" or iv is None:
        return energy_reduction_level(saving, t), "point estimate", "measured"
    low = energy_reduction_level(iv[0], t)
    if t.level_rule == "lower_bound":
        return low, "lower end of the interval", "measured"
    high = energy_reduction_level(iv[1], t)
    if low == high:
        return low, f"the whole interval is {low.value}", "measured"
    if low.rank <= rated.rank <= high.rank:
        return rated, (f"the interval spans {low.value} to {high.value}: the rated level is "
                       "kept"), "rated"
    level = low if rated.rank < low.rank else high
    return level, "the rating clamped to the levels the interval spans", "measured"


def disruption_level(quality_loss_pct: float, thresholds: MeasuredThresholds | None = None
                     ) -> Level:
    """The disruption a relative quality loss [%] implies: H >= high, M >= medium, else L.

    >>> [disruption_level(p).value for p in (-1.0, 0.49, 0.5, 1.99, 2.0)]
    ['L', 'L', 'M', 'M', 'H']
    """
    t = thresholds or MeasuredThresholds()
    if quality_loss_pct >= t.quality_high_loss_pct:
        return Level.H
    if quality_loss_pct >= t.quality_medium_loss_pct:
        return Level.M
    return Level.L


def apply_measurement(rated: Characteristics, measurement: BeforeAfter | Any,
                      thresholds: MeasuredThresholds | None = None) -> Characteristics:
    """Characteristics with ``energy_reduction`` set and ``disruption`` informed by a
    measurement (a :class:`BeforeAfter` or a ``CompressionResult``); see the module doc.

    ``complexity`` and ``effort`` keep their rated levels. The basis of each derived level is
    ``measured`` and its detail gives the numbers and thresholds used.
    """
    t = thresholds or MeasuredThresholds()
    m = measurement if isinstance(measurement, BeforeAfter) else \
        BeforeAfter.from_compression_result(measurement)
    saving = m.energy_saving_pct
    iv = m.saving_interval_pct
    per = m.unit_of_work.replace("_", " ")
    if iv is None:
        spread = "one measurement, no interval"
    elif m.ratio_ci is not None:
        spread = (f"interval {iv[0]:.1f} % to {iv[1]:.1f} %"
                  + (f", {m.trials} trials" if m.trials else ""))
    else:
        spread = f"+- {(iv[1] - iv[0]) / 2:.1f} % stated uncertainty"
    facts = f"{saving:.1f} % saving measured, {spread}, {m.energy_provenance.value}, {m.name}"
    if not m.conclusive:
        detail = f"energy per {per}: not conclusive, rated level kept ({facts})"
        out = rated.replace("energy_reduction", rated.energy_reduction,
                            Basis(label="rated", detail=detail))
    elif saving < 0:
        detail = (f"energy per {per} conclusively up {-saving:.1f} % ({facts}): not an "
                  "energy reduction")
        out = rated.replace("energy_reduction", Level.L,
                            Basis(label="measured", detail=detail))
        out = out.model_copy(update={"energy_increase": detail})
    else:
        er, how, er_label = _level(rated.energy_reduction, saving, iv, t)
        detail = (f"{facts}; conclusive; {how}; thresholds M >= {t.energy_medium_pct:g} %, "
                  f"H >= {t.energy_high_pct:g} %")
        out = rated.replace("energy_reduction", er, Basis(label=er_label, detail=detail))
    loss = m.quality_loss_pct
    if loss is not None:
        measured = disruption_level(loss, t)
        kept = max(rated.disruption, measured, key=lambda lv: lv.rank)
        metric = m.metric_name or "quality"
        d = (f"{metric} {m.metric_before:g} -> {m.metric_after:g}: {loss:.2f} % relative "
             f"loss -> {measured.value} (M >= {t.quality_medium_loss_pct:g} %, H >= "
             f"{t.quality_high_loss_pct:g} %); rated {rated.disruption.value}; the worse is kept")
        label: Literal["rated", "measured"] = "measured" if measured.rank >= \
            rated.disruption.rank else "rated"
        out = out.replace("disruption", kept, Basis(label=label, detail=d))
    return out
