"""assess: everything that reads the numbers: adoption advice, business case, datasheets,
portfolio reports and the command line.

The adoption-viability framework (ADOPTION.md): rate the organisation's barriers and a
technique's characteristics, score with the published calibration, explain, and weigh the
business case in absolute units.

>>> from assess import Organisation, Characteristics, advise
>>> org = Organisation(perceived_benefits="H", environmental_awareness="M",
...                    information="M", resources="H")
>>> advise(org, Characteristics(complexity="L", effort="M", disruption="L",
...                             energy_reduction="M")).verdict
'positive'
"""

from assess._advice import Advice, Change, Contribution, StandaloneContribution, Verdict, advise
from assess._business import BusinessCase, Money, SensitivityPoint, business_case
from assess._calibration import (
    Calibration,
    Finding,
    ValidationReport,
    load_calibration,
    published_calibration,
    validate_calibration,
)
from assess._catalogue import (
    TACTIC_GROUPS,
    ClaimedSaving,
    Evidence,
    Rating,
    Technique,
    tactics,
    technique,
    techniques,
)
from assess._datasheet_build import Alternative, alternative_from_graph, build_datasheet
from assess._datasheet_model import CarbonFigure, Datasheet
from assess._datasheet_schema import datasheet_schema, validate_datasheet_json
from assess._errors import CalibrationError
from assess._framework import (
    BARRIERS,
    CHARACTERISTICS,
    Basis,
    Characteristics,
    Level,
    Organisation,
)
from assess._framework_files import (
    Assessment,
    OrganisationFile,
    assess_techniques,
    load_organisation,
    load_techniques,
)
from assess._hourly import HourlyGrid, read_hourly
from assess._measured import (
    BeforeAfter,
    MeasuredThresholds,
    apply_measurement,
    disruption_level,
    energy_reduction_level,
)
from assess._render_html import render_html
from assess._render_text import render_hf_yaml, render_json, render_markdown
from assess._report import portfolio, portfolio_from_datasheets, write_portfolio
from assess._requests import (
    RequestReport,
    RequestTables,
    account_requests,
    device_table,
    model_table,
    model_table_from_ledger,
    partial_sums,
    read_devices,
    request_carbon,
    summarise,
)

__all__ = [
    "BARRIERS",
    "CHARACTERISTICS",
    "TACTIC_GROUPS",
    "Advice",
    "Alternative",
    "Assessment",
    "Basis",
    "BeforeAfter",
    "BusinessCase",
    "Calibration",
    "CalibrationError",
    "CarbonFigure",
    "Change",
    "Characteristics",
    "ClaimedSaving",
    "Contribution",
    "Datasheet",
    "Evidence",
    "Finding",
    "HourlyGrid",
    "Level",
    "MeasuredThresholds",
    "Money",
    "Organisation",
    "OrganisationFile",
    "Rating",
    "RequestReport",
    "RequestTables",
    "SensitivityPoint",
    "StandaloneContribution",
    "Technique",
    "ValidationReport",
    "Verdict",
    "account_requests",
    "advise",
    "alternative_from_graph",
    "apply_measurement",
    "assess_techniques",
    "build_datasheet",
    "business_case",
    "datasheet_schema",
    "device_table",
    "disruption_level",
    "energy_reduction_level",
    "load_calibration",
    "load_organisation",
    "load_techniques",
    "model_table",
    "model_table_from_ledger",
    "partial_sums",
    "portfolio",
    "portfolio_from_datasheets",
    "published_calibration",
    "read_devices",
    "read_hourly",
    "render_hf_yaml",
    "render_html",
    "render_json",
    "render_markdown",
    "request_carbon",
    "summarise",
    "tactics",
    "technique",
    "techniques",
    "validate_calibration",
    "validate_datasheet_json",
    "write_portfolio",
]
