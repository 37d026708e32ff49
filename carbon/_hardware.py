"""Embodied carbon of hardware from the shipped, sourced table.

Estimates differ by two orders of magnitude across sources (0.3 g to 37 g per GPU-hour), so
every entry carries its source, its lifetime and, where known, its low/high range.
"""

from __future__ import annotations

import csv
import difflib
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from carbon._errors import InvalidValueError, UnknownKeyError
from carbon._units import quantity, short, shown

__all__ = ["HardwareEntry", "hardware", "hardware_table"]


@dataclass(frozen=True)
class HardwareEntry:
    """One row of the embodied-hardware table."""

    item: str
    embodied_kgco2e: float
    low_kgco2e: float | None
    high_kgco2e: float | None
    lifetime_years: float
    source: str
    #: share of the lifetime in use [dimensionless] (``System.use_rate``); 1 where the source
    #: amortises over the whole lifetime (the column is blank)
    use_rate: float = 1.0

    @property
    def embodied(self) -> Any:
        return quantity(self.embodied_kgco2e, "kgCO2e").to("gCO2e")

    @property
    def lifetime(self) -> Any:
        return quantity(self.lifetime_years, "year").to("s")  # the registry's year

    def system(self, facility: Any, *, name: str | None = None, count: int = 1) -> Any:
        """A :class:`carbon.System` of ``count`` of this item in ``facility``, with the
        entry's embodied carbon, lifetime, use rate and source (nothing left behind).

        >>> from carbon import Facility
        >>> fac = Facility(name="Jean Zay", pue=1.2, mix="57 gCO2e/kWh")
        >>> s = hardware("GPU A100 (BLOOM training estimate)").system(fac, count=384)
        >>> s.embodied.to("tCO2e"), s.use_rate
        (<Quantity(57.6, 'tonne_CO2e')>, 0.85)
        """
        from carbon._records import System

        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidValueError("count", count, "a whole count >= 1")
        label = self.item if count == 1 else f"{count} x {self.item}"
        return System(name=name or label, embodied=self.embodied * count,
                      lifetime=self.lifetime, facility=facility, use_rate=self.use_rate,
                      source=self.source)


def _opt(v: str) -> float | None:
    return float(v) if v.strip() else None


@cache
def hardware_table() -> dict[str, HardwareEntry]:
    """Every shipped hardware entry by item name.

    >>> hardware_table()["NVIDIA H100 SXM card"].embodied_kgco2e
    575.1
    """
    path = resources.files("carbon") / "_data" / "embodied_hardware.csv"
    with path.open(encoding="utf-8") as f:
        out = {}
        for r in csv.DictReader(f):
            e = HardwareEntry(r["item"], float(r["embodied_kgco2e"]), _opt(r["low_kgco2e"]),
                              _opt(r["high_kgco2e"]), float(r["lifetime_years"]), r["source"],
                              _opt(r.get("use_rate") or "") or 1.0)
            assert math.isfinite(e.embodied_kgco2e) and e.lifetime_years > 0
            assert 0 < e.use_rate <= 1
            out[e.item] = e
        return out


def hardware(item: str) -> HardwareEntry:
    """Look up a hardware entry by exact name (case-insensitive).

    >>> hardware("generic server with 8 x 80GB GPUs").lifetime_years
    4.0
    """
    table = hardware_table()
    if not isinstance(item, str):
        raise UnknownKeyError("hardware", shown(item), "an item name of the shipped table (a "
                              "string; carbon.hardware_table() lists them)")
    for name, entry in table.items():
        if name.casefold() == item.strip().casefold():
            return entry
    close = difflib.get_close_matches(item, list(table), n=3, cutoff=0.3)
    raise UnknownKeyError("hardware", short(item),
                          f"an item of the shipped table (did you mean {close}?)")
