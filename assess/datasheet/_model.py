"""The model carbon datasheet as data: validated, frozen pydantic records.

A :class:`Datasheet` holds every number a datasheet shows, each as a figure that knows how it
was obtained (:class:`CarbonFigure`: value, provenance label, source, uncertainty), so that
every renderer (Markdown, HTML, JSON, Hugging Face YAML) shows the same, computed numbers.
Amounts are pint quantities (serialised as strings such as ``"12.5 gCO2e"``); the published
JSON Schema (``specs/datasheet.schema.json``) is generated from these classes.

>>> f = CarbonFigure(value="12.5 gCO2e", provenance="measured", source="NVML counter",
...                  uncertainty="0.5 gCO2e")
>>> f.value, f.uncertainty
(<Quantity(12.5, 'gram_CO2e')>, <Quantity(0.5, 'gram_CO2e')>)
>>> total = CarbonFigure.sum([f, CarbonFigure(value="7.5 gCO2e", provenance="reported")])
>>> total.value, total.provenance, total.uncertainty is None
(<Quantity(20.0, 'gram_CO2e')>, 'mixed', True)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import Field

from assess.datasheet._serving import GenerationSection
from carbon import Carbon, Energy, Record, Uncertainty, combine, quantity

__all__ = [
    "SCHEMA_VERSION",
    "SOURCE_SEP",
    "AdviceLine",
    "AncestorShare",
    "Assumption",
    "BreakEven",
    "CarbonFigure",
    "CompressionLine",
    "Conservation",
    "CostCurve",
    "CurvePoint",
    "Datasheet",
    "EpcSection",
    "Identity",
    "JobLine",
    "LineageEdge",
    "LineageNode",
    "LineageSection",
    "PerRequestFigure",
    "PhaseShare",
    "ProvenanceLabel",
]

#: Version of the datasheet JSON format (``specs/datasheet.schema.json``).
SCHEMA_VERSION = "1.0"

#: How a figure was obtained; ``mixed`` for a sum of figures obtained in different ways;
#: ``unknown`` for a figure with nothing recorded behind it (its value is not a zero).
ProvenanceLabel = Literal["measured", "sampled", "estimated", "reported", "mixed", "unknown"]

#: Separates several sources in one ``source`` field (a source may itself contain "; ").
SOURCE_SEP = "\n"

#: The statement every datasheet carries (specs/metrics.md: gross emissions only).
NO_OFFSETS = ("No offsets, renewable-energy certificates or avoided emissions are applied: "
              "every figure is a gross emission.")


class CarbonFigure(Record):
    """One carbon amount with its provenance label, source and absolute uncertainty.

    ``uncertainty`` is the +- on ``value`` [gCO2e]; ``None`` means unknown (never zero), and
    ``uncertainty_unknown`` then says why when known. ``by_provenance`` splits a sum by how
    its parts were obtained.
    """

    value: Carbon
    provenance: ProvenanceLabel
    source: str | None = None
    uncertainty: Carbon | None = None
    uncertainty_unknown: str | None = Field(
        default=None, description="why the uncertainty is unknown (with uncertainty=None)")
    by_provenance: dict[str, Carbon] = Field(default_factory=dict)

    @property
    def g(self) -> float:
        """The value's magnitude in gCO2e (for tables and charts, at the edge)."""
        return float(self.value.m_as("gCO2e"))

    @property
    def spread(self) -> Uncertainty:
        """The uncertainty as a ``carbon.Uncertainty`` (unknown with its reason)."""
        if self.uncertainty is not None:
            return Uncertainty.known(float(self.uncertainty.m_as("gCO2e")))
        return Uncertainty.missing(self.uncertainty_unknown or "no stated uncertainty")

    def with_uncertainty(self, u: Uncertainty) -> CarbonFigure:
        """This figure with uncertainty ``u`` (its reason kept when unknown)."""
        return self.model_copy(update={"uncertainty": u.quantity,
                                       "uncertainty_unknown": u.reason})

    @classmethod
    def sum(cls, figures: Iterable[CarbonFigure], *, source: str | None = None) -> CarbonFigure:
        """Sum figures: values add, uncertainties by root-sum-square (independent errors,
        ``carbon.combine``; unknown if one is unknown).

        The label is the common label, or ``mixed``; an empty sum is refused (unknown is
        never zero: the caller says why there is nothing).
        """
        figs = list(figures)
        if not figs:
            from carbon import InvalidValueError

            raise InvalidValueError("figures", figs, "at least one figure to sum")
        total_g = sum(f.g for f in figs)
        unc = combine(f.spread for f in figs)
        split: dict[str, float] = {}
        for f in figs:
            parts = f.by_provenance or {f.provenance: f.value}
            for key, v in parts.items():
                split[key] = split.get(key, 0.0) + float(v.m_as("gCO2e"))
        labels = {f.provenance for f in figs} | set(split)
        label: ProvenanceLabel = labels.pop() if len(labels) == 1 else "mixed"  # type: ignore[assignment]
        if source is None:
            sources = sorted({part for f in figs if f.source
                              for part in f.source.split(SOURCE_SEP)})
            source = SOURCE_SEP.join(sources) if len(sources) <= 3 else (
                f"{len(sources)} sources (see the jobs table)")
        return cls(
            value=quantity(total_g, "gCO2e"), provenance=label, source=source or None,
            uncertainty=unc.quantity, uncertainty_unknown=unc.reason,
            by_provenance={k: quantity(v, "gCO2e") for k, v in sorted(split.items())}
            if len(split) > 1 else {},
        )

    def scaled(self, factor: float) -> CarbonFigure:
        """This figure times a share ``factor`` in [0, inf) (value, uncertainty, split)."""
        return CarbonFigure(
            value=self.value * factor, provenance=self.provenance, source=self.source,
            uncertainty=None if self.uncertainty is None else self.uncertainty * factor,
            uncertainty_unknown=self.uncertainty_unknown,
            by_provenance={k: v * factor for k, v in self.by_provenance.items()},
        )


class Identity(Record):
    """Who the product is, and the functional units the datasheet reports."""

    id: str
    name: str
    kind: Literal["model", "dataset", "platform"]
    revision: str | None = None
    licence: str | None = None
    task: str | None = None
    lifetime: str | None = Field(default=None, description="deployment lifetime, e.g. '2 year'")
    functional_units: list[str] = Field(min_length=1)


class LineageNode(Record):
    """One product in the lineage (the subject has depth 0; parents 1; ...)."""

    id: str
    name: str
    kind: str
    depth: int = Field(ge=0)
    hub_id: str | None = Field(default=None, description="the product's Hugging Face Hub "
                               "repository id, when it has one")


class LineageEdge(Record):
    """A typed edge child -> parent with the share of the parent's EPC the child carries."""

    child: str
    parent: str
    kind: str
    share: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)
    policy: str | None = None


class Conservation(Record):
    """Result of the conservation check: out-shares of every parent sum to at most 1."""

    conserving: bool
    message: str
    violations: list[str] = Field(default_factory=list)


class LineageSection(Record):
    """The subject's ancestors with typed edges and shares, the policy and the check."""

    nodes: list[LineageNode]
    edges: list[LineageEdge]
    policy: str | None = None
    conservation: Conservation


class JobLine(Record):
    """One job of the making of a product (own or an ancestor's), with its ASC^e."""

    product: str
    name: str
    phase: str
    carbon: CarbonFigure
    energy: Energy | None = None
    energy_uncertainty: Energy | None = None
    duration: str | None = None
    systems: list[str] = Field(default_factory=list)


class PhaseShare(Record):
    """EPC carried from one phase of making (data, training, distillation, ...)."""

    phase: str
    carbon: CarbonFigure


class AncestorShare(Record):
    """EPC carried from one ancestor (or the product itself), with the share applied."""

    id: str
    name: str
    share: float = Field(ge=0.0, allow_inf_nan=False)
    carbon: CarbonFigure


class EpcSection(Record):
    """Embodied product cost: the total, by phase, by ancestor, and the jobs behind it."""

    total: CarbonFigure
    own: CarbonFigure | None = Field(description="the product's own jobs only; None when none")
    complete: bool = Field(description="every product in the boundary has a job recorded; "
                           "otherwise the total is a lower bound")
    bound: str | None = Field(default=None, description="how to read the total when it is not "
                              "complete or not conserving (lower / upper bound and why)")
    by_phase: list[PhaseShare]
    by_ancestor: list[AncestorShare]
    jobs: list[JobLine]


class CurvePoint(Record):
    """Per-request ASC^e at one lifetime request volume."""

    requests: float = Field(gt=0, allow_inf_nan=False)
    per_request: Carbon
    epc_share: Carbon
    operational: Carbon


class BreakEven(Record):
    """Where this lineage and an alternative cost the same over their lifetime."""

    alternative: str
    alternative_epc: Carbon
    alternative_per_request: Carbon
    requests: float | None = Field(description="break-even lifetime requests; None when none")
    explanation: str


class CostCurve(Record):
    """Per-request cost over lifetime request volume (EPC share falls, operational stays)."""

    points: list[CurvePoint] = Field(min_length=2)
    break_even: BreakEven | None = None


class PerRequestFigure(Record):
    """Per-request ASC^e broken into parts, beside the inference-only figure."""

    parts: dict[str, CarbonFigure]
    total: CarbonFigure
    inference_only: CarbonFigure
    boundary: str
    basis: str
    lifetime_requests: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    energy: Energy
    curve: CostCurve | None = None


class Assumption(Record):
    """A stated input: PUE, grid intensity, lifetime, hardware embodied figure, policy."""

    name: str
    value: str
    source: str | None = None
    year: int | None = None


class CompressionLine(Record):
    """A measured compression / distillation result (from ``compress``)."""

    technique: str
    parent: str
    child: str
    metric_name: str
    metric_before: float
    metric_after: float
    size_before: int = Field(ge=0)
    size_after: int = Field(ge=0)
    energy_per_request_before: Energy
    energy_per_request_after: Energy
    energy_provenance: str
    energy_uncertainty: Energy | None = None
    energy_reduction_pct: float | None = None
    job_carbon: Carbon
    job_provenance: str
    break_even_requests: float | None = None


class AdviceLine(Record):
    """Adoption advice for one technique (from ``assess``)."""

    technique: str
    score: int
    advice: str
    explanation: list[str] = Field(default_factory=list)


class Datasheet(Record):
    """A model carbon datasheet: every figure computed from the ledger, each with provenance.

    ``offsets_applied`` is always false and ``offsets_statement`` says so in words.
    """

    schema_version: Literal["1.0"] = "1.0"
    generated_by: str
    generated_at: datetime | None = None
    identity: Identity
    lineage: LineageSection
    epc: EpcSection
    per_request: PerRequestFigure | None = None
    per_request_missing: str | None = Field(
        default=None, description="why there is no per-request figure (e.g. a dataset)")
    assumptions: list[Assumption]
    offsets_applied: Literal[False] = False
    offsets_statement: str = NO_OFFSETS
    compression: list[CompressionLine] = Field(default_factory=list)
    advice: list[AdviceLine] = Field(default_factory=list)
    generation: GenerationSection | None = Field(
        default=None, description="generation served: energy and carbon per 1,000 tokens by "
                                  "batch size (measure.serving_sweep)")
    notes: list[str] = Field(default_factory=list)
