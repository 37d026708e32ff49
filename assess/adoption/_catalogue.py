"""Catalogues as data: the framework's four techniques with their claimed savings, and the 30
green architectural tactics in six groups (``assess/adoption/_data/catalogue.yaml``, sources there).

Each entry is a :class:`Technique`. It may carry ratings given by people (label ``rated``)
and measured results (label ``measured``); :meth:`Technique.characteristics` combines them:
the latest rating, with the latest measurement setting ``energy_reduction`` and informing
``disruption`` (see :mod:`assess.adoption._measured`).

>>> [t.id for t in techniques()]
['batch_sampling', 'energy_constrained_compression', 'gpu_power_limiting', 'energy_aware_pruning']
>>> str(technique("gpu_power_limiting").claimed_saving)
'up to 33 %'
>>> len(tactics()), sorted({t.group for t in tactics()})[:2]
(30, ['algorithm_design', 'data_centric'])
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import Field, model_validator

from assess.adoption._framework import CHARACTERISTICS, Characteristics
from assess.adoption._measured import BeforeAfter, MeasuredThresholds, apply_measurement
from carbon import InvalidValueError, Record, UnknownKeyError

__all__ = [
    "TACTIC_GROUPS",
    "ClaimedSaving",
    "Evidence",
    "Rating",
    "Technique",
    "tactics",
    "technique",
    "techniques",
]

#: The six groups of green architectural tactics, in the order of the source.
TACTIC_GROUPS: tuple[str, ...] = (
    "data_centric", "algorithm_design", "model_optimization", "model_training",
    "deployment", "management",
)


class ClaimedSaving(Record):
    """An energy saving claimed by the literature [%]: exact, a range, or an upper bound."""

    qualifier: Literal["exact", "range", "up_to"]
    low_pct: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    high_pct: float = Field(ge=0, le=100, allow_inf_nan=False)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.qualifier == "up_to" and self.low_pct is not None:
            raise ValueError("an 'up_to' claim has no low_pct")
        if self.qualifier != "up_to" and self.low_pct is None:
            raise ValueError(f"a {self.qualifier!r} claim needs low_pct")
        if self.low_pct is not None and self.low_pct > self.high_pct:
            raise ValueError("low_pct must be <= high_pct")
        return self

    def __str__(self) -> str:
        if self.qualifier == "up_to":
            return f"up to {self.high_pct:g} %"
        if self.qualifier == "exact":
            return f"{self.high_pct:g} %"
        return f"{self.low_pct:g}-{self.high_pct:g} %"


class Rating(Record):
    """Characteristics rated by people (label ``rated``), with who and when."""

    characteristics: Characteristics
    by: str | None = None
    on: date | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _rated(self) -> Self:
        measured = [c for c in CHARACTERISTICS
                    if self.characteristics.basis[c].label != "rated"]
        if measured:
            raise ValueError(f"a Rating holds rated levels only; {measured} are labelled "
                             "measured: attach the measurement instead")
        return self


class Evidence(Record):
    """One labelled piece of evidence behind a technique's levels."""

    label: Literal["rated", "measured", "claimed"]
    summary: str


class Technique(Record):
    """A technique or tactic from a catalogue, with ratings and measurements attached."""

    id: str
    name: str
    kind: Literal["technique", "tactic"]
    group: str | None = None
    description: str | None = None
    claimed_saving: ClaimedSaving | None = None
    related_tactic: str | None = None
    source: str
    ratings: tuple[Rating, ...] = ()
    measurements: tuple[BeforeAfter, ...] = ()

    def rated(self, rating: Rating | Characteristics | dict[str, Any], *,
              by: str | None = None, on: date | None = None) -> Technique:
        """A copy with one more rating (levels given by people)."""
        if not isinstance(rating, Rating):
            chars = rating if isinstance(rating, Characteristics) else Characteristics(**rating)
            rating = Rating(characteristics=chars, by=by, on=on)
        return self.model_copy(update={"ratings": (*self.ratings, rating)})

    def measured(self, measurement: BeforeAfter | Any) -> Technique:
        """A copy with one more measurement (a BeforeAfter or a CompressionResult)."""
        m = measurement if isinstance(measurement, BeforeAfter) else \
            BeforeAfter.from_compression_result(measurement)
        return self.model_copy(update={"measurements": (*self.measurements, m)})

    def characteristics(self, thresholds: MeasuredThresholds | None = None) -> Characteristics:
        """The latest rating, with the latest measurement applied (labelled ``measured``)."""
        if not self.ratings:
            raise InvalidValueError(
                f"{self.id}.ratings", (), "a rating of complexity, effort, disruption and "
                "energy_reduction by the engineers (a measurement alone cannot rate "
                "complexity or effort)")
        chars = self.ratings[-1].characteristics
        if self.measurements:
            chars = apply_measurement(chars, self.measurements[-1], thresholds)
        return chars

    @property
    def evidence(self) -> tuple[Evidence, ...]:
        """Every piece of evidence, labelled ``claimed``, ``rated`` or ``measured``."""
        out: list[Evidence] = []
        if self.claimed_saving is not None:
            out.append(Evidence(label="claimed",
                                summary=f"literature claims {self.claimed_saving} saving"))
        for r in self.ratings:
            lv = " ".join(f"{c}={r.characteristics.level(c).value}" for c in CHARACTERISTICS)
            who = f" by {r.by}" if r.by else ""
            when = f" on {r.on.isoformat()}" if r.on else ""
            out.append(Evidence(label="rated", summary=f"{lv}{who}{when}"))
        for m in self.measurements:
            q = m.quality_loss_pct
            ql = f", {m.metric_name or 'quality'} loss {q:.2f} %" if q is not None else ""
            out.append(Evidence(label="measured",
                                summary=f"{m.energy_saving_pct:.1f} % less energy per "
                                        f"{m.unit_of_work.replace('_', ' ')} "
                                        f"({m.energy_provenance.value}){ql}"))
        return tuple(out)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@cache
def _load() -> tuple[tuple[Technique, ...], tuple[Technique, ...]]:
    text = (Path(__file__).resolve().parent / "_data" / "catalogue.yaml").read_text(
        encoding="utf-8")
    data = yaml.safe_load(text)
    study = ("adoption-viability study (2024, OCR for postal logistics): technique catalogue "
             "with claimed savings (specs/adoption.md)")
    tactic_src = ("A Synthesis of Green Architectural Tactics for ML-Enabled Systems, "
                  "ICSE-SEIS 2024 (specs/adoption.md)")
    techs = tuple(Technique(kind="technique", source=study, **t) for t in data["techniques"])
    tacs = tuple(Technique(id=_slug(name), name=name, kind="tactic", group=group,
                           source=tactic_src)
                 for group in TACTIC_GROUPS for name in data["tactic_groups"][group])
    return techs, tacs


def techniques() -> tuple[Technique, ...]:
    """The framework's four techniques, with the savings the literature claims."""
    return _load()[0]


def tactics(group: str | None = None) -> tuple[Technique, ...]:
    """The 30 green architectural tactics, or those of one group (see ``TACTIC_GROUPS``).

    >>> [t.name for t in tactics("management")]
    ['use informed adaptation', 'retrain the model if needed', 'monitor computing power']
    """
    if group is None:
        return _load()[1]
    if group not in TACTIC_GROUPS:
        raise UnknownKeyError("group", group, f"one of {', '.join(TACTIC_GROUPS)}")
    return tuple(t for t in _load()[1] if t.group == group)


def technique(id: str) -> Technique:
    """A catalogue entry (technique or tactic) by id, e.g. ``"energy_aware_pruning"``.

    >>> technique("use_power_capping").group
    'deployment'
    """
    for t in (*_load()[0], *_load()[1]):
        if t.id == id:
            return t
    raise UnknownKeyError("technique", id, "an id from assess.techniques() or assess.tactics()")
