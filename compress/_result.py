"""The before/after record of one compression, ready for ``assess`` (contracts: compress).

Derived figures::

    energy_reduction_pct   = 100 * (E_before - E_after) / E_before            [%]
    energy saved per 1e6   = (E_before - E_after) * 1e6                       [kWh]
    quality_change         = metric_after - metric_before
    break_even_requests    = C_job / (c_before - c_after)                     [requests]

``E`` is energy per request and ``c`` carbon per request (ASC of the inference trials over
their requests), ``C_job`` the carbon of the compression job itself. ``E`` is the mean over
repeated, interleaved trials of parent and child (``measure.compare``, see
``compress._trials``); ``energy_ratio_ci`` is the interval of ``E_after / E_before`` at
``ci_level``, and ``energy_reduction_ci_pct = (100 (1 - high), 100 (1 - low))`` [%]. A
saving is established only when ``conclusive`` (the interval excludes 1 and the test's
p-value is below ``1 - ci_level``); records made without trials have these fields None
(unknown).
The break-even is the number of requests served by the child after which the carbon spent
making it has been paid back by what each request saves; it is ``None`` when the child does not
save carbon per request (it never pays back), never zero or infinity silently.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, model_validator

from carbon import Carbon, Energy, Provenance, Record, Time, quantity

__all__ = ["CompressionResult"]


class CompressionResult(Record):
    """Quality, size, latency and energy of a model before and after one technique.

    >>> r = CompressionResult(
    ...     technique="prune_structured", parent="teacher", child="teacher-pruned",
    ...     metric_name="accuracy", metric_before=0.97, metric_after=0.95,
    ...     size_before=280_000, size_after=80_000,
    ...     latency_before="20 us", latency_after="8 us", batch_size=64,
    ...     energy_per_request_before="2 mJ", energy_per_request_after="1.5 mJ",
    ...     energy_provenance="estimated", energy_uncertainty="0.5 mJ",
    ...     carbon_per_request_before="0.0002 gCO2e", carbon_per_request_after="0.00015 gCO2e",
    ...     job_energy="2 kJ", job_carbon="0.2 gCO2e", job_provenance="estimated")
    >>> round(r.energy_reduction_pct, 6), round(r.quality_change, 6)
    (25.0, -0.02)
    >>> r.energy_saved_kwh_per_million_requests
    <Quantity(0.000138888889, 'kilowatt_hour')>
    >>> round(r.break_even_requests)
    4000
    >>> r.energy_reduction_ci_pct is None        # no trials: no interval
    True
    >>> r.model_copy(update={"energy_ratio_ci": (0.7, 0.8)}).energy_reduction_ci_pct
    (20.0, 30.0)
    """

    technique: str
    parent: str = Field(description="lineage product id of the input model")
    child: str = Field(description="lineage product id of the compressed model")
    metric_name: str
    metric_before: float = Field(allow_inf_nan=False)
    metric_after: float = Field(allow_inf_nan=False)
    size_before: int = Field(gt=0, description="serialised size [bytes]")
    size_after: int = Field(gt=0, description="serialised size [bytes]")
    latency_before: Time = Field(description="latency per request at batch_size")
    latency_after: Time = Field(description="latency per request at batch_size")
    latency_before_ci: tuple[Time, Time] | None = Field(
        default=None, description="interval of latency_before (mean of trials) at ci_level")
    latency_after_ci: tuple[Time, Time] | None = None
    batch_size: int = Field(ge=1, description="requests per batch in the latency/energy runs")
    energy_per_request_before: Energy
    energy_per_request_after: Energy
    energy_per_request_before_ci: tuple[Energy, Energy] | None = Field(
        default=None, description="bootstrap interval of the mean over trials at ci_level")
    energy_per_request_after_ci: tuple[Energy, Energy] | None = None
    energy_ratio_ci: tuple[float, float] | None = Field(
        default=None, description="interval of E_after / E_before (measure.compare) "
        "[dimensionless]")
    ci_level: float = Field(default=0.95, gt=0, lt=1, allow_inf_nan=False)
    trials: int | None = Field(default=None, ge=1, description="interleaved pairs of trials")
    conclusive: bool | None = Field(default=None, description="the interval excludes 1 and "
                                    "p < 1 - ci_level; None without trials")
    p_value: float | None = Field(default=None, ge=0, le=1)
    comparison: str | None = Field(default=None, description="the comparison in one line")
    energy_provenance: Provenance
    energy_uncertainty: Energy | None = Field(
        default=None, description="+- on each energy per request; None when unknown")
    carbon_per_request_before: Carbon = Field(description="ASC of one request (operational "
                                              "with PUE, plus embodied hardware)")
    carbon_per_request_after: Carbon
    job_energy: Energy = Field(description="energy of the compression job itself")
    job_carbon: Carbon = Field(description="ASC^e of the compression job itself")
    job_provenance: Provenance
    job_uncertainty: Energy | None = None
    baseline_job_energy: Energy | None = Field(
        default=None, description="energy of the job this one replaces, measured the same way "
        "(training without mini-batch dropping; the student trained on labels alone)")
    size_format: str = Field(default="torch.save state_dict; tensors >50 % zero as CSR",
                             description="how the sizes were measured")
    notes: tuple[str, ...] = Field(default=(), description="caveats, backends, honest remarks")

    @model_validator(mode="after")
    def _positive_before(self) -> Self:
        if self.energy_per_request_before.magnitude <= 0:
            raise ValueError("energy_per_request_before must be > 0 (a reduction needs it)")
        if self.latency_before.magnitude <= 0 or self.latency_after.magnitude <= 0:
            raise ValueError("latencies must be > 0 (a measured request takes some time)")
        return self

    @property
    def energy_reduction_pct(self) -> float:
        """``100 * (E_before - E_after) / E_before`` [%]; negative when the child uses more."""
        b = self.energy_per_request_before.magnitude
        a = self.energy_per_request_after.magnitude
        return float(100.0 * (b - a) / b)

    @property
    def energy_reduction_ci_pct(self) -> tuple[float, float] | None:
        """``(100 (1 - high), 100 (1 - low))`` [%] of ``energy_ratio_ci``; None without it."""
        if self.energy_ratio_ci is None:
            return None
        lo, hi = self.energy_ratio_ci
        return float(100.0 * (1.0 - hi)), float(100.0 * (1.0 - lo))

    @property
    def energy_saved_kwh_per_million_requests(self) -> Any:
        """``(E_before - E_after) * 1e6`` as a quantity in kWh (negative: the child uses more)."""
        b = self.energy_per_request_before.magnitude
        a = self.energy_per_request_after.magnitude
        return quantity((b - a) * 1e6, "kWh")

    @property
    def quality_change(self) -> float:
        """``metric_after - metric_before`` (for accuracy: negative is a loss)."""
        return self.metric_after - self.metric_before

    @property
    def carbon_saved_per_request(self) -> Any:
        """``c_before - c_after`` [gCO2e]; negative when the child costs more per request."""
        return quantity(self.carbon_per_request_before.magnitude
                        - self.carbon_per_request_after.magnitude, "gCO2e")

    @property
    def break_even_requests(self) -> float | None:
        """``C_job / (c_before - c_after)`` requests; None when nothing is saved per request."""
        saved = self.carbon_saved_per_request.magnitude
        if saved <= 0:
            return None
        return float(self.job_carbon.magnitude / saved)

    @property
    def size_reduction_pct(self) -> float:
        """``100 * (size_before - size_after) / size_before`` [%]."""
        return 100.0 * (self.size_before - self.size_after) / self.size_before

    @property
    def job_energy_saving_pct(self) -> float | None:
        """``100 * (E_baseline - E_job) / E_baseline`` [%]; None without a measured baseline."""
        if self.baseline_job_energy is None or self.baseline_job_energy.magnitude <= 0:
            return None
        b = self.baseline_job_energy.magnitude
        return float(100.0 * (b - self.job_energy.magnitude) / b)

    @property
    def speedup(self) -> float:
        """``latency_before / latency_after`` (below 1: the child is slower)."""
        return float(self.latency_before.magnitude / self.latency_after.magnitude)
