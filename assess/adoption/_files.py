"""Organisation and technique files (YAML) for the command line and batch use.

``org.yaml``: ``barriers`` (the four levels), optional ``name``, ``calibration`` (``published``
or a path relative to the file), ``standalone`` (``final``/``pre_evaluation``, off by
default), ``measured_thresholds`` (see :class:`assess.MeasuredThresholds`) and ``business``
(``request_rate``, ``serving_intensity``, ``serving_pue``, ``adoption_intensity``,
``adoption_pue``, ``price_per_kwh``, ``currency``, ``start``). ``techniques.yaml``: a list
``techniques``, each with a catalogue ``id`` or a ``name``, the ``rated`` levels (with
``rated_by``, ``rated_on``) and optionally a ``measured`` before/after record (the fields of
:class:`assess.BeforeAfter`). Examples ship with the package (:data:`EXAMPLES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from assess.adoption._advice import Advice, advise
from assess.adoption._business import BusinessCase, business_case
from assess.adoption._calibration import (
    Calibration,
    load_calibration,
    published_calibration,
    read_yaml,
)
from assess.adoption._catalogue import Technique, _slug, technique
from assess.adoption._framework import Characteristics, Organisation
from assess.adoption._measured import BeforeAfter, MeasuredThresholds
from carbon import InvalidValueError, ModelCarbonError, UnknownKeyError

__all__ = [
    "EXAMPLES",
    "Assessment",
    "OrganisationFile",
    "assess_techniques",
    "load_organisation",
    "load_techniques",
]

_ORG_KEYS = {"name", "barriers", "calibration", "standalone", "measured_thresholds",
             "business"}
_TECH_KEYS = {"id", "name", "rated", "rated_by", "rated_on", "measured", "description"}
_BUSINESS_KEYS = {"request_rate", "serving_intensity", "serving_pue", "adoption_intensity",
                  "adoption_pue", "price_per_kwh", "currency", "start"}

#: The folder of the shipped example files (``org.yaml``, ``techniques.yaml``, a monotone
#: calibration).
EXAMPLES = Path(__file__).resolve().parent / "_data" / "examples"


@dataclass(frozen=True)
class OrganisationFile:
    """What an organisation file holds, validated."""

    organisation: Organisation
    calibration: Calibration
    standalone: Literal["final", "pre_evaluation"] | None
    thresholds: MeasuredThresholds
    business: dict[str, Any]


@dataclass(frozen=True)
class Assessment:
    """One technique assessed: its catalogue entry, the advice, and the business case (None
    when the technique has no measurement or the organisation file no ``business`` block)."""

    technique: Technique
    advice: Advice
    business: BusinessCase | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.technique.id,
            "name": self.technique.name,
            "evidence": [{"label": e.label, "summary": e.summary}
                         for e in self.technique.evidence],
            "advice": self.advice.to_dict(),
            "business_case": None if self.business is None else self.business.to_dict(),
        }


def _read(path: str | Path, what: str) -> Any:
    return read_yaml(path, what)


def _what(value: Any) -> Any:
    """A value as an error shows it: a short scalar as itself, else what it is."""
    if isinstance(value, (int, float, str)) and len(repr(value)) <= 60:
        return value
    if value is None:
        return "nothing (an empty file or key)"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _dict(value: Any, field: str) -> dict[str, Any]:
    """``value`` if it is a mapping with string keys (what ``**`` needs), else an error."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise InvalidValueError(field, _what(value), "a mapping (key: value lines)")
    return value


def _mapping(value: Any, field: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidValueError(field, _what(value), "a mapping (key: value lines)")
    unknown = sorted(set(map(str, value)) - allowed)
    if unknown:
        raise UnknownKeyError(field, unknown, f"keys among {sorted(allowed)}")
    return value


def load_organisation(path: str | Path) -> OrganisationFile:
    """Read and validate an organisation file (format: module doc)."""
    p = Path(path)
    data = _mapping(_read(p, "organisation"), str(p), _ORG_KEYS)
    if "barriers" not in data:
        raise InvalidValueError(f"{p}: barriers", None,
                                "the four barriers: perceived_benefits, environmental_awareness, "
                                "information, resources (L/M/H)")
    org = Organisation(name=data.get("name"), **_mapping(data["barriers"], f"{p}: barriers",
                                                         set(Organisation.model_fields)))
    cal_ref = data.get("calibration", "published")
    if cal_ref in (None, "published"):
        cal = published_calibration()
    else:
        cal_path = Path(str(cal_ref))
        cal = load_calibration(cal_path if cal_path.is_absolute() else p.parent / cal_path)
    standalone = data.get("standalone")
    if standalone not in (None, "final", "pre_evaluation"):
        raise InvalidValueError("standalone", standalone,
                                "absent (the published 16-cell score), final or pre_evaluation")
    thresholds = MeasuredThresholds(**_mapping(data.get("measured_thresholds") or {},
                                               f"{p}: measured_thresholds",
                                               set(MeasuredThresholds.model_fields)))
    business = _mapping(data.get("business") or {}, f"{p}: business", _BUSINESS_KEYS)
    return OrganisationFile(org, cal, standalone, thresholds, dict(business))


def load_techniques(path: str | Path) -> tuple[Technique, ...]:
    """Read a techniques file: catalogue ids or named techniques, ratings and measurements."""
    p = Path(path)
    data = _read(p, "techniques")
    if not isinstance(data, dict) or not isinstance(data.get("techniques"), list):
        raise InvalidValueError(str(p), _what(data), "a mapping with a list 'techniques'")
    out: list[Technique] = []
    for i, entry in enumerate(data["techniques"]):
        where = f"{p}: techniques[{i}]"
        try:
            out.append(_technique(entry, where, p))
        except ModelCarbonError as e:
            if e.field.startswith(where):
                raise
            raise type(e)(f"{where}: {e.field}", e.value, e.expected,
                          f"{where}: {e.message}") from e
    return tuple(out)


def _technique(entry: Any, where: str, p: Path) -> Technique:
    e = _mapping(entry, where, _TECH_KEYS)
    if "id" in e:
        t = technique(str(e["id"]))
    elif "name" in e:
        t = Technique(id=_slug(str(e["name"])), name=str(e["name"]), kind="technique",
                      description=e.get("description"), source=f"organisation file {p.name}")
    else:
        raise InvalidValueError(where, _what(entry), "an 'id' from the catalogue or a 'name'")
    if "rated" not in e:
        raise InvalidValueError(f"{where}.rated", None,
                                "the four characteristics rated L/M/H by the engineers")
    on = e.get("rated_on")
    if on is not None and not isinstance(on, date):
        raise InvalidValueError(f"{where}.rated_on", _what(on), "a date YYYY-MM-DD")
    t = t.rated(Characteristics(**_dict(e["rated"], f"{where}.rated")), by=e.get("rated_by"),
                on=on)
    if "measured" in e:
        m = dict(_dict(e["measured"], f"{where}.measured"))
        m.setdefault("name", f"{t.name} (measured)")
        t = t.measured(BeforeAfter(**m))
    return t


def assess_techniques(org: OrganisationFile, items: tuple[Technique, ...]
                      ) -> tuple[Assessment, ...]:
    """Advise on each technique (and give its business case when it can be computed)."""
    out: list[Assessment] = []
    for t in items:
        chars = t.characteristics(org.thresholds)
        adv = advise(org.organisation, chars, org.calibration, standalone=org.standalone,
                     technique=t.name)
        case = None
        if t.measurements and org.business:
            case = business_case(t.measurements[-1], **org.business)
        out.append(Assessment(t, adv, case))
    return tuple(out)
