"""carbon: unit-safe carbon metrics of AI jobs (JSC, ASC, JSC^e, ASC^e) and their inputs.

One pint registry (``ureg``, ``Q_``) with carbon as its own dimension; energy mixes (constant,
source mix, country, hourly); the published formulas as pure functions; validated records;
the composed ASC^e breakdown of a job; and the same metrics vectorised over DataFrames.

>>> from carbon import Q_, jsc, country
>>> jsc(Q_(1, "kWh"), intensity=country("FRA"), pue=1.2)
<Quantity(67.2468, 'gram_CO2e')>
"""

from carbon._breakdown import PARTS, Breakdown, SystemLine, asc_e
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
from carbon._quantity_types import Carbon, CarbonRate, Energy, Intensity, Power, Time
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
from carbon._units import CANONICAL, Q_, Quantity, magnitude, quantity, ureg

__all__ = [
    "CANONICAL",
    "PARTS",
    "Q_",
    "Breakdown",
    "Carbon",
    "CarbonRate",
    "ConstantIntensity",
    "DataError",
    "Energy",
    "EnergyMix",
    "EnergyUse",
    "Facility",
    "HardwareEntry",
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
    "RetrainingUse",
    "SourceMix",
    "System",
    "SystemLine",
    "Time",
    "UnitMismatchError",
    "UnknownKeyError",
    "asc_e",
    "asc_e_frame",
    "country",
    "country_table",
    "embodied_share",
    "emission_factors",
    "hardware",
    "hardware_table",
    "intensity_of",
    "jsc",
    "magnitude",
    "mix_intensity",
    "platform_share",
    "product_share",
    "product_share_by_requests",
    "quantity",
    "retraining_share",
    "ureg",
]
