"""assess: everything that reads the numbers, in four subpackages and the command line.

- :mod:`assess.adoption`: the adoption-viability framework (published calibration, advice with
  its explanation, measured levels, business case, organisation and technique files);
- :mod:`assess.datasheet`: model carbon datasheets (built from the lineage, rendered as HTML,
  Markdown, JSON and Hugging Face YAML) and the portfolio report;
- :mod:`assess.fleet`: request accounting over logs on pandas, Parquet and Dask;
- :mod:`assess.demo`: the main job on embedded defaults;
- :mod:`assess.cli`: the ``modelcarbon`` command, one module per command.

The most used names are re-exported here.

>>> from assess import Organisation, Characteristics, advise
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
    from assess.adoption import (
        BARRIERS,
        CHARACTERISTICS,
        EXAMPLES,
        TACTIC_GROUPS,
        Advice,
        Assessment,
        Basis,
        BeforeAfter,
        BusinessCase,
        Calibration,
        CalibrationError,
        CalibrationFinding,
        CalibrationReport,
        Change,
        Characteristics,
        ClaimedSaving,
        Contribution,
        Evidence,
        Level,
        MeasuredThresholds,
        Money,
        Organisation,
        OrganisationFile,
        Rating,
        SensitivityPoint,
        StandaloneContribution,
        Technique,
        Verdict,
        advise,
        apply_measurement,
        assess_techniques,
        business_case,
        disruption_level,
        energy_reduction_level,
        load_calibration,
        load_organisation,
        load_techniques,
        published_calibration,
        tactics,
        technique,
        techniques,
        validate_calibration,
    )
    from assess.datasheet import (
        Alternative,
        CarbonFigure,
        Datasheet,
        alternative_from_graph,
        build_datasheet,
        datasheet_schema,
        portfolio,
        portfolio_from_datasheets,
        render_hf_yaml,
        render_html,
        render_json,
        render_markdown,
        validate_datasheet_json,
        write_portfolio,
    )
    from assess.fleet import (
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

#: Each public name's module, imported on first use (PEP 562): ``modelcarbon --help`` needs
#: none of them
_EXPORTS: dict[str, tuple[str, ...]] = {
    "assess.adoption": (
        "BARRIERS", "CHARACTERISTICS", "EXAMPLES", "TACTIC_GROUPS", "Advice", "Assessment",
        "Basis", "BeforeAfter", "BusinessCase", "Calibration", "CalibrationError",
        "CalibrationFinding", "CalibrationReport", "Change", "Characteristics", "ClaimedSaving",
        "Contribution", "Evidence", "Level", "MeasuredThresholds", "Money", "Organisation",
        "OrganisationFile", "Rating", "SensitivityPoint", "StandaloneContribution", "Technique",
        "Verdict", "advise", "apply_measurement", "assess_techniques", "business_case",
        "disruption_level", "energy_reduction_level", "load_calibration", "load_organisation",
        "load_techniques", "published_calibration", "tactics", "technique", "techniques",
        "validate_calibration",
    ),
    "assess.datasheet": (
        "Alternative", "CarbonFigure", "Datasheet", "alternative_from_graph", "build_datasheet",
        "datasheet_schema", "portfolio", "portfolio_from_datasheets", "render_hf_yaml",
        "render_html", "render_json", "render_markdown", "validate_datasheet_json",
        "write_portfolio",
    ),
    "assess.fleet": (
        "RequestReport", "RequestTables", "account_requests", "device_table", "model_table",
        "model_table_from_ledger", "partial_sums", "read_devices", "request_carbon", "summarise",
    ),
}
__all__ = [
    "BARRIERS",
    "CHARACTERISTICS",
    "EXAMPLES",
    "TACTIC_GROUPS",
    "Advice",
    "Alternative",
    "Assessment",
    "Basis",
    "BeforeAfter",
    "BusinessCase",
    "Calibration",
    "CalibrationError",
    "CalibrationFinding",
    "CalibrationReport",
    "CarbonFigure",
    "Change",
    "Characteristics",
    "ClaimedSaving",
    "Contribution",
    "Datasheet",
    "Evidence",
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


#: each public name imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
