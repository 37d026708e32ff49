"""The Green Algorithms estimate [1] and the calculator's per-core and per-GB power figures.

    E = t * (n_c * P_c * u_c + n_m * P_m) * PUE * PSF          [kWh]
    C = E * CI                                                  [gCO2e]

with ``t`` the runtime [h], ``n_c`` the cores (a GPU counts as one), ``P_c`` the power draw
per core [W] (the processor's TDP / cores, :func:`green_algorithms_tdp`), ``u_c`` the core
usage factor [dimensionless], ``n_m`` the memory available [GB], ``P_m`` the memory power
[W/GB] (0.3725, :data:`GREEN_ALGORITHMS_MEMORY_W_PER_GB`), ``PUE`` the facility's power usage
effectiveness [dimensionless], ``PSF`` the pragmatic scaling factor (how many times the job
was run) [dimensionless] and ``CI`` the carbon intensity [gCO2e/kWh]. The result is an
*estimate* (TDPs, not a measurement) and labelled ``estimated``.

The per-core figures are restated in ``_data/green_algorithms_tdp.csv`` from the calculator's
data tables (``TDP_cpu.csv``, ``TDP_gpu.csv`` of github.com/GreenAlgorithms/
green-algorithms-tool, ``data/latest``), each row with the calculator's own TDP source.

References
----------
[1] L. Lannelongue, J. Grealey, M. Inouye (2021), "Green Algorithms: Quantifying the Carbon
    Footprint of Computation", Advanced Science 8, 2100707, doi:10.1002/advs.202100707.
"""

from __future__ import annotations

import csv
import difflib
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from carbon._checks import positive, unit_interval
from carbon._errors import InvalidValueError, UnknownKeyError
from carbon._units import magnitude, quantity, short

__all__ = [
    "GREEN_ALGORITHMS_MEMORY_W_PER_GB",
    "GREEN_ALGORITHMS_SOURCE",
    "GreenAlgorithmsEstimate",
    "ProcessorPower",
    "green_algorithms",
    "green_algorithms_table",
    "green_algorithms_tdp",
]

#: Power draw of memory per GB [W/GB] used by the Green Algorithms calculator [1]
#: (``referenceValues.csv`` v2.2 ``memoryPower``, from Desrochers et al. 2016,
#: doi:10.1145/3076113.3076117, and a Tom's Hardware Haswell-E review).
GREEN_ALGORITHMS_MEMORY_W_PER_GB = 0.3725

#: Where the per-core figures come from.
GREEN_ALGORITHMS_SOURCE = (
    "Green Algorithms calculator (Lannelongue et al. 2021, doi:10.1002/advs.202100707), "
    "green-algorithms-tool data/latest/TDP_cpu.csv @23a6c015343d, TDP_gpu.csv @353cb917f2db")


@dataclass(frozen=True)
class ProcessorPower:
    """One processor of the calculator's tables (``tdp_w``, ``n_cores`` None where not given)."""

    kind: Literal["cpu", "gpu"]
    model: str
    tdp_per_core_w: float
    tdp_w: float | None
    n_cores: int | None
    source: str

    @property
    def core_power(self) -> Any:
        """The per-core power draw [W quantity] to give :func:`green_algorithms`."""
        return quantity(self.tdp_per_core_w, "W")


@cache
def green_algorithms_table() -> dict[tuple[str, str], ProcessorPower]:
    """Every shipped processor by ``(kind, model)``.

    >>> green_algorithms_table()[("cpu", "Xeon Gold 6148")].tdp_per_core_w
    7.5
    """
    path = resources.files("carbon") / "_data" / "green_algorithms_tdp.csv"
    with path.open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        out: dict[tuple[str, str], ProcessorPower] = {}
        for r in rows:
            p = ProcessorPower(r["kind"], r["model"], float(r["tdp_per_core_w"]),  # type: ignore[arg-type]
                               float(r["tdp_w"]) if r["tdp_w"] else None,
                               int(r["n_cores"]) if r["n_cores"] else None, r["source"])
            assert p.kind in ("cpu", "gpu") and p.tdp_per_core_w > 0
            out[(p.kind, p.model)] = p
        return out


def green_algorithms_tdp(model: str, kind: Literal["cpu", "gpu"] = "cpu") -> ProcessorPower:
    """The calculator's per-core power draw of a processor model (case-insensitive).

    >>> green_algorithms_tdp("NVIDIA Tesla V100", kind="gpu").core_power
    <Quantity(300.0, 'watt')>
    >>> green_algorithms_tdp("Xeon E5-2683 v4").tdp_per_core_w
    7.5
    """
    if kind not in ("cpu", "gpu"):
        raise InvalidValueError("kind", kind, "'cpu' or 'gpu'")
    if not isinstance(model, str):
        raise UnknownKeyError("model", short(model), "a processor model name (a string)")
    names = [m for (k, m) in green_algorithms_table() if k == kind]
    for name in names:
        if name.casefold() == model.strip().casefold():
            return green_algorithms_table()[(kind, name)]
    close = difflib.get_close_matches(model, names, n=3, cutoff=0.3)
    raise UnknownKeyError(
        "model", short(model),
        f"a {kind.upper()} model of the Green Algorithms table (did you mean {close}? "
        f"'Any' is the calculator's default; or give core_power yourself, e.g. the TDP / "
        f"cores from the maker's sheet, to carbon.green_algorithms)")


@dataclass(frozen=True)
class GreenAlgorithmsEstimate:
    """The Green Algorithms estimate: facility energy [kWh] and carbon [gCO2e], ``estimated``."""

    energy: Any
    carbon: Any
    provenance: Literal["estimated"]
    source: str


def green_algorithms(*, runtime: Any, cores: int, core_power: Any, core_usage: float,
                     memory: Any, pue: float, intensity: Any, memory_power: Any = None,
                     psf: float = 1.0) -> GreenAlgorithmsEstimate:
    """The Green Algorithms estimate [1]: ``E = t * (n_c * P_c * u_c + n_m * P_m) * PUE * PSF``,
    carbon ``C = E * CI``: an *estimate* (a per-core power and a per-GB memory power),
    facility energy (PUE included), labelled so.

    Parameters
    ----------
    runtime : t [time], > 0.
    cores : n_c [dimensionless], a whole count >= 1 (a GPU counts as one core).
    core_power : P_c per core [W] (:func:`green_algorithms_tdp` gives the calculator's).
    core_usage : u_c [dimensionless] in [0, 1].
    memory : n_m, memory available [GB] (not the memory used: the calculator's convention).
    pue : PUE [dimensionless], >= 1.
    intensity : CI [gCO2e/kWh].
    memory_power : P_m [W/GB]; defaults to the calculator's 0.3725 W/GB, stated in the source.
    psf : PSF [dimensionless], the pragmatic scaling factor (runs of the job), >= 1.

    >>> g = green_algorithms(runtime="12 h", cores=12, core_power="12 W", core_usage=1.0,
    ...                      memory="64 GB", pue=1.67, intensity="475 gCO2e/kWh")
    >>> round(g.energy.m_as("kWh"), 3), round(g.carbon.m_as("kgCO2e"), 3), g.provenance
    (3.364, 1.598, 'estimated')
    """
    t = positive(magnitude(runtime, "h", "runtime"), "runtime")
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        raise InvalidValueError("cores", cores, "a whole count >= 1")
    pc = magnitude(core_power, "W", "core_power")
    uc = float(unit_interval(core_usage, "core_usage"))
    gb = magnitude(memory, "GB", "memory")
    pm = GREEN_ALGORITHMS_MEMORY_W_PER_GB if memory_power is None else \
        magnitude(memory_power, "W/GB", "memory_power")
    for name, v in (("pue", pue), ("psf", psf)):
        if isinstance(v, bool) or not (isinstance(v, (int, float)) and math.isfinite(v)
                                       and v >= 1):
            raise InvalidValueError(name, v, f"a {name.upper()} >= 1")
    kwh = t * (cores * pc * uc + gb * pm) * pue * psf / 1e3
    ci = magnitude(intensity, "gCO2e/kWh", "intensity")
    return GreenAlgorithmsEstimate(
        quantity(kwh, "kWh"), quantity(kwh * ci, "gCO2e"), "estimated",
        f"Green Algorithms (Lannelongue et al. 2021, doi:10.1002/advs.202100707): "
        f"{t:g} h x ({cores} x {pc:g} W x {uc:g} + {gb:g} GB x {pm:g} W/GB) x PUE {pue:g}"
        + (f" x PSF {psf:g}" if psf != 1 else ""))
