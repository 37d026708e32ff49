"""assess.adoption: the adoption-viability framework for energy-reduction techniques.

An organisation rates its four barriers and a technique's four characteristics (L/M/H); the
published calibration (sixteen 3x3 matrices and standalone weights) scores the pair and the
advice says which cells pushed it and the smallest change that would flip it
(:func:`advise`). Calibrations are loaded and checked for completeness and monotonicity
(:func:`validate_calibration`); measured before/after figures set the energy-reduction and
disruption levels through organisation thresholds (:func:`apply_measurement`); the business
case weighs a technique's one-time carbon against what it saves per request
(:func:`business_case`). Organisation and technique files tie it together
(:func:`assess_techniques`).

>>> from assess.adoption import Organisation, Characteristics, advise
>>> org = Organisation(perceived_benefits="H", environmental_awareness="M",
...                    information="M", resources="H")
>>> advise(org, Characteristics(complexity="L", effort="M", disruption="L",
...                             energy_reduction="M")).verdict
'positive'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from carbon import lazy_exports

if TYPE_CHECKING:
    from assess.adoption._advice import (
        Advice,
        Change,
        Contribution,
        StandaloneContribution,
        Verdict,
        advise,
    )
    from assess.adoption._business import (
        BusinessCase,
        Money,
        SensitivityPoint,
        business_case,
    )
    from assess.adoption._calibration import Calibration, load_calibration, published_calibration
    from assess.adoption._calibration_check import (
        CalibrationFinding,
        CalibrationReport,
        validate_calibration,
    )
    from assess.adoption._catalogue import (
        TACTIC_GROUPS,
        ClaimedSaving,
        Evidence,
        Rating,
        Technique,
        tactics,
        technique,
        techniques,
    )
    from assess.adoption._errors import CalibrationError
    from assess.adoption._files import (
        EXAMPLES,
        Assessment,
        OrganisationFile,
        assess_techniques,
        load_organisation,
        load_techniques,
    )
    from assess.adoption._framework import (
        BARRIERS,
        CHARACTERISTICS,
        Basis,
        Characteristics,
        Level,
        Organisation,
    )
    from assess.adoption._measured import (
        BeforeAfter,
        MeasuredThresholds,
        apply_measurement,
        disruption_level,
        energy_reduction_level,
    )

#: Each public name's module, imported on first use (PEP 562): importing the package stays cheap
_EXPORTS: dict[str, tuple[str, ...]] = {
    "assess.adoption._advice": (
        "Advice", "Change", "Contribution", "StandaloneContribution", "Verdict", "advise",
    ),
    "assess.adoption._business": ("BusinessCase", "Money", "SensitivityPoint", "business_case"),
    "assess.adoption._calibration": ("Calibration", "load_calibration", "published_calibration"),
    "assess.adoption._calibration_check": (
        "CalibrationFinding", "CalibrationReport", "validate_calibration",
    ),
    "assess.adoption._catalogue": (
        "TACTIC_GROUPS", "ClaimedSaving", "Evidence", "Rating", "Technique", "tactics",
        "technique", "techniques",
    ),
    "assess.adoption._errors": ("CalibrationError",),
    "assess.adoption._files": (
        "EXAMPLES", "Assessment", "OrganisationFile", "assess_techniques", "load_organisation",
        "load_techniques",
    ),
    "assess.adoption._framework": (
        "BARRIERS", "CHARACTERISTICS", "Basis", "Characteristics", "Level", "Organisation",
    ),
    "assess.adoption._measured": (
        "BeforeAfter", "MeasuredThresholds", "apply_measurement", "disruption_level",
        "energy_reduction_level",
    ),
}
__all__ = [
    "BARRIERS",
    "CHARACTERISTICS",
    "EXAMPLES",
    "TACTIC_GROUPS",
    "Advice",
    "Assessment",
    "Basis",
    "BeforeAfter",
    "BusinessCase",
    "Calibration",
    "CalibrationError",
    "CalibrationFinding",
    "CalibrationReport",
    "Change",
    "Characteristics",
    "ClaimedSaving",
    "Contribution",
    "Evidence",
    "Level",
    "MeasuredThresholds",
    "Money",
    "Organisation",
    "OrganisationFile",
    "Rating",
    "SensitivityPoint",
    "StandaloneContribution",
    "Technique",
    "Verdict",
    "advise",
    "apply_measurement",
    "assess_techniques",
    "business_case",
    "disruption_level",
    "energy_reduction_level",
    "load_calibration",
    "load_organisation",
    "load_techniques",
    "published_calibration",
    "tactics",
    "technique",
    "techniques",
    "validate_calibration",
]


#: each public name imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
