"""carbon: unit-safe carbon metrics of AI jobs (JSC, ASC, JSC^e, ASC^e) and their inputs.

The bottom floor: it imports no graph, no GPU library, no torch. One pint registry (``ureg``,
``Q_``; importing carbon leaves pint's application registry alone) with carbon as its own
dimension (``_units``); every energy mix, from a constant or a source mix to a country's annual
average and the hourly grid with its vectorised join (``_electricity``, ``_hourly``,
``_hourly_join``); the published formulas as pure functions (``_formulas`` over ``_kernels``);
validated records (``_records``); the ASC^e breakdown with its uncertainty (``_breakdown``,
``_uncertainty``); reporting (GHG scopes, dual Scope 2, SCI: ``_reporting``; contractual
instruments and the residual mix: ``_instruments``; Green Algorithms: ``_green_algorithms``);
and the fleet path: ``asc_e_frame`` over a DataFrame and the per-request arithmetic of request
logs (``_fleet``, ``_request_tables``, ``_requests``, ``_request_sums``), with one
``name [unit]`` column parser (``_columns``).

>>> from carbon import Q_, jsc, country
>>> jsc(Q_(1, "kWh"), intensity=country("FRA"), pue=1.2)
<Quantity(67.2468, 'gram_CO2e')>
"""

from typing import TYPE_CHECKING

from carbon._lazy import lazy_exports

if TYPE_CHECKING:
    from carbon._breakdown import PARTS, UNCERTAINTY_GROUPS, Breakdown, SystemLine, asc_e
    from carbon._checks import at_least, positive, unit_interval
    from carbon._columns import column_factor, parse_header
    from carbon._ecologits import ECOLOGITS_ERROR, ECOLOGITS_SOURCE, ecologits_energy_per_token
    from carbon._electricity import (
        ConstantIntensity,
        EnergyMix,
        HourlyIntensity,
        SourceMix,
        country,
        country_table,
        emission_factors,
        mix_intensity,
    )
    from carbon._errors import (
        DataError,
        InvalidValueError,
        ModelCarbonError,
        UnitMismatchError,
        UnknownKeyError,
    )
    from carbon._fleet import asc_e_frame
    from carbon._formulas import (
        embodied_share,
        intensity_of,
        jsc,
        platform_share,
        product_share,
        product_share_by_requests,
        retraining_share,
    )
    from carbon._green_algorithms import (
        GREEN_ALGORITHMS_MEMORY_W_PER_GB,
        GREEN_ALGORITHMS_SOURCE,
        GreenAlgorithmsEstimate,
        ProcessorPower,
        green_algorithms,
        green_algorithms_table,
        green_algorithms_tdp,
    )
    from carbon._hardware import HardwareEntry, hardware, hardware_table
    from carbon._hourly import HOURLY_COLUMNS, HourlyGrid, read_hourly
    from carbon._hourly_fallback import Fallback
    from carbon._instruments import (
        INSTRUMENT_KINDS,
        ContractualInstrument,
        MarketBased,
        market_based,
    )
    from carbon._lazy import lazy_exports
    from carbon._quantity_types import (
        Carbon,
        CarbonRate,
        CarriedError,
        Energy,
        Intensity,
        Power,
        Time,
    )
    from carbon._records import (
        EnergyRole,
        EnergyUse,
        Facility,
        Job,
        PlatformUse,
        ProductUse,
        Provenance,
        Record,
        RetrainingUse,
        System,
    )
    from carbon._reporting import (
        SCOPE_OF_PART,
        SCIScore,
        Scope2,
        composed_system,
        device_energy,
        device_share,
        sci,
        scope2,
        scopes,
    )
    from carbon._request_sums import request_sums
    from carbon._request_tables import (
        RequestTables,
        RetrainingTable,
        device_table,
        model_table,
        read_devices,
    )
    from carbon._requests import (
        PART_COLUMNS,
        SUM_COLUMNS,
        RequestReport,
        partial_sums,
        request_carbon,
        summarise,
    )
    from carbon._serving import ServingLog, read_serving_log
    from carbon._serving_attribution import ServingAttribution, attribute_serving
    from carbon._serving_tokens import TOKEN_COLUMNS, serving_carbon_split, serving_per_token
    from carbon._uncertainty import Uncertainty, combine, root_sum_square
    from carbon._units import (
        CANONICAL,
        Q_,
        Quantity,
        adopt,
        magnitude,
        quantity,
        ureg,
        use_as_application_registry,
    )

#: Each public name's module, imported on first use (PEP 562): ``import carbon`` stays cheap
_EXPORTS: dict[str, tuple[str, ...]] = {
    "carbon._breakdown": ("PARTS", "UNCERTAINTY_GROUPS", "Breakdown", "SystemLine", "asc_e"),
    "carbon._checks": ("at_least", "positive", "unit_interval"),
    "carbon._columns": ("column_factor", "parse_header"),
    "carbon._lazy": ("lazy_exports",),
    "carbon._electricity": (
        "ConstantIntensity", "EnergyMix", "HourlyIntensity", "SourceMix", "country",
        "country_table", "emission_factors", "mix_intensity",
    ),
    "carbon._errors": (
        "DataError", "InvalidValueError", "ModelCarbonError", "UnitMismatchError",
        "UnknownKeyError",
    ),
    "carbon._fleet": ("asc_e_frame",),
    "carbon._formulas": (
        "embodied_share", "intensity_of", "jsc", "platform_share", "product_share",
        "product_share_by_requests", "retraining_share",
    ),
    "carbon._hardware": ("HardwareEntry", "hardware", "hardware_table"),
    "carbon._hourly": ("HOURLY_COLUMNS", "HourlyGrid", "read_hourly"),
    "carbon._green_algorithms": (
        "GREEN_ALGORITHMS_MEMORY_W_PER_GB", "GREEN_ALGORITHMS_SOURCE", "GreenAlgorithmsEstimate",
        "ProcessorPower", "green_algorithms", "green_algorithms_table", "green_algorithms_tdp",
    ),
    "carbon._hourly_fallback": ("Fallback",),
    "carbon._instruments": (
        "INSTRUMENT_KINDS", "ContractualInstrument", "MarketBased", "market_based",
    ),
    "carbon._quantity_types": (
        "Carbon", "CarbonRate", "CarriedError", "Energy", "Intensity", "Power", "Time",
    ),
    "carbon._records": (
        "EnergyRole", "EnergyUse", "Facility", "Job", "PlatformUse", "ProductUse", "Provenance",
        "Record", "RetrainingUse", "System",
    ),
    "carbon._reporting": (
        "SCOPE_OF_PART", "SCIScore", "Scope2", "composed_system", "device_energy",
        "device_share", "sci", "scope2", "scopes",
    ),
    "carbon._request_sums": ("request_sums",),
    "carbon._request_tables": (
        "RequestTables", "RetrainingTable", "device_table", "model_table", "read_devices",
    ),
    "carbon._requests": (
        "PART_COLUMNS", "SUM_COLUMNS", "RequestReport", "partial_sums", "request_carbon",
        "summarise",
    ),
    "carbon._serving": ("ServingLog", "read_serving_log"),
    "carbon._serving_attribution": ("ServingAttribution", "attribute_serving"),
    "carbon._serving_tokens": ("TOKEN_COLUMNS", "serving_carbon_split", "serving_per_token"),
    "carbon._ecologits": ("ECOLOGITS_ERROR", "ECOLOGITS_SOURCE", "ecologits_energy_per_token"),
    "carbon._uncertainty": ("Uncertainty", "combine", "root_sum_square"),
    "carbon._units": (
        "CANONICAL", "Q_", "Quantity", "adopt", "magnitude", "quantity", "ureg",
        "use_as_application_registry",
    ),
}
__all__ = [
    "CANONICAL",
    "ECOLOGITS_ERROR",
    "ECOLOGITS_SOURCE",
    "GREEN_ALGORITHMS_MEMORY_W_PER_GB",
    "GREEN_ALGORITHMS_SOURCE",
    "HOURLY_COLUMNS",
    "INSTRUMENT_KINDS",
    "PARTS",
    "PART_COLUMNS",
    "Q_",
    "SCOPE_OF_PART",
    "SUM_COLUMNS",
    "TOKEN_COLUMNS",
    "UNCERTAINTY_GROUPS",
    "Breakdown",
    "Carbon",
    "CarbonRate",
    "CarriedError",
    "ConstantIntensity",
    "ContractualInstrument",
    "DataError",
    "Energy",
    "EnergyMix",
    "EnergyRole",
    "EnergyUse",
    "Facility",
    "Fallback",
    "GreenAlgorithmsEstimate",
    "HardwareEntry",
    "HourlyGrid",
    "HourlyIntensity",
    "Intensity",
    "InvalidValueError",
    "Job",
    "MarketBased",
    "ModelCarbonError",
    "PlatformUse",
    "Power",
    "ProcessorPower",
    "ProductUse",
    "Provenance",
    "Quantity",
    "Record",
    "RequestReport",
    "RequestTables",
    "RetrainingTable",
    "RetrainingUse",
    "SCIScore",
    "Scope2",
    "ServingAttribution",
    "ServingLog",
    "SourceMix",
    "System",
    "SystemLine",
    "Time",
    "Uncertainty",
    "UnitMismatchError",
    "UnknownKeyError",
    "adopt",
    "asc_e",
    "asc_e_frame",
    "at_least",
    "attribute_serving",
    "column_factor",
    "combine",
    "composed_system",
    "country",
    "country_table",
    "device_energy",
    "device_share",
    "device_table",
    "ecologits_energy_per_token",
    "embodied_share",
    "emission_factors",
    "green_algorithms",
    "green_algorithms_table",
    "green_algorithms_tdp",
    "hardware",
    "hardware_table",
    "intensity_of",
    "jsc",
    "lazy_exports",
    "magnitude",
    "market_based",
    "mix_intensity",
    "model_table",
    "parse_header",
    "partial_sums",
    "platform_share",
    "positive",
    "product_share",
    "product_share_by_requests",
    "quantity",
    "read_devices",
    "read_hourly",
    "read_serving_log",
    "request_carbon",
    "request_sums",
    "retraining_share",
    "root_sum_square",
    "sci",
    "scope2",
    "scopes",
    "serving_carbon_split",
    "serving_per_token",
    "summarise",
    "unit_interval",
    "ureg",
    "use_as_application_registry",
]


#: each public name imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
