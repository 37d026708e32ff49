"""carbon: unit-safe carbon metrics of AI jobs (JSC, ASC, JSC^e, ASC^e) and their inputs.

The bottom floor: it imports no graph, no GPU library, no torch. One pint registry (``ureg``,
``Q_``; importing carbon leaves pint's application registry alone) with carbon as its own
dimension (``_units``); every energy mix, from a constant or a source mix to a country's annual
average and the hourly grid with its vectorised join (``_electricity``, ``_hourly``,
``_hourly_join``); the published formulas as pure functions (``_formulas`` over ``_kernels``);
validated records (``_records``); the ASC^e breakdown with its uncertainty (``_breakdown``,
``_uncertainty``); reporting (GHG scopes, dual Scope 2, SCI, Green Algorithms: ``_reporting``);
and the fleet path: ``asc_e_frame`` over a DataFrame and the per-request arithmetic of request
logs (``_fleet``, ``_request_tables``, ``_requests``, ``_request_sums``), with one
``name [unit]`` column parser (``_columns``).

>>> from carbon import Q_, jsc, country
>>> jsc(Q_(1, "kWh"), intensity=country("FRA"), pue=1.2)
<Quantity(67.2468, 'gram_CO2e')>
"""

from carbon._breakdown import PARTS, UNCERTAINTY_GROUPS, Breakdown, SystemLine, asc_e
from carbon._checks import at_least, positive, unit_interval
from carbon._columns import column_factor, parse_header
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
from carbon._hardware import HardwareEntry, hardware, hardware_table
from carbon._hourly import HOURLY_COLUMNS, HourlyGrid, read_hourly
from carbon._hourly_fallback import Fallback
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
    GREEN_ALGORITHMS_MEMORY_W_PER_GB,
    ContractualInstrument,
    GreenAlgorithmsEstimate,
    SCIScore,
    Scope2,
    composed_system,
    device_energy,
    device_share,
    green_algorithms,
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

__all__ = [
    "CANONICAL",
    "GREEN_ALGORITHMS_MEMORY_W_PER_GB",
    "HOURLY_COLUMNS",
    "PARTS",
    "PART_COLUMNS",
    "Q_",
    "SUM_COLUMNS",
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
    "ModelCarbonError",
    "PlatformUse",
    "Power",
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
    "column_factor",
    "combine",
    "composed_system",
    "country",
    "country_table",
    "device_energy",
    "device_share",
    "device_table",
    "embodied_share",
    "emission_factors",
    "green_algorithms",
    "hardware",
    "hardware_table",
    "intensity_of",
    "jsc",
    "magnitude",
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
    "request_carbon",
    "request_sums",
    "retraining_share",
    "root_sum_square",
    "sci",
    "scope2",
    "scopes",
    "summarise",
    "unit_interval",
    "ureg",
    "use_as_application_registry",
]
