"""What an hourly join charges for hours its series lacks: an explicit choice, never zero."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from carbon._electricity import Basis, ConstantIntensity, Kind, country
from carbon._errors import DataError, InvalidValueError, UnknownKeyError

__all__ = ["Fallback", "fallback_values"]

#: An explicit choice for hours the series lacks: ``None`` (an error), ``"country"`` (the
#: shipped annual average of the country whose ISO 3166-1 alpha-3 code is the region), one
#: :class:`carbon.ConstantIntensity` for every region, or one per region.
Fallback = None | Literal["country"] | ConstantIntensity | Mapping[str, ConstantIntensity]


def _one(fallback: Fallback, name: str) -> ConstantIntensity:
    if isinstance(fallback, str):
        if fallback != "country":
            raise InvalidValueError("fallback", fallback,
                                    "None, 'country', a ConstantIntensity or a mapping "
                                    "of region to ConstantIntensity")
        try:
            return country(name)
        except UnknownKeyError as e:
            raise UnknownKeyError(
                "fallback", f"country for region {name!r}",
                "a region that is an ISO 3166-1 alpha-3 code (or choose a "
                "ConstantIntensity fallback)") from e
    if isinstance(fallback, ConstantIntensity):
        return fallback
    if isinstance(fallback, Mapping):
        if name not in fallback:
            raise UnknownKeyError("fallback", name, f"a fallback for region {name!r} in the "
                                  f"mapping (it has {sorted(fallback)})")
        ci = fallback[name]
        if not isinstance(ci, ConstantIntensity):
            raise InvalidValueError(f"fallback[{name!r}]", ci, "a ConstantIntensity")
        return ci
    raise InvalidValueError("fallback", fallback,
                            "None, 'country', a ConstantIntensity or a mapping")


def fallback_values(fallback: Fallback, names: Sequence[str], needed: np.ndarray, kind: Kind,
                    basis: Basis) -> tuple[np.ndarray, list[str]]:
    """Per region the fallback intensity [gCO2e/kWh] (NaN: none) and its source label.

    Only the regions flagged in ``needed`` are resolved (a ``"country"`` fallback for a region
    that is not a country code is an error only if that region needs it). A fallback of
    another kind or basis than the series is refused.

    >>> fb, labels = fallback_values("country", ["FRA", "zone-1"], np.array([True, False]),
    ...                              "average", "lifecycle")
    >>> fb.tolist()[0], labels[1]
    (56.039, '')
    """
    fb = np.full(len(names), np.nan)
    labels = [""] * len(names)
    if fallback is None:
        return fb, labels
    for k in np.flatnonzero(needed).tolist():
        name = names[k]
        ci = _one(fallback, name)
        if (ci.kind, ci.basis) != (kind, basis):
            raise DataError(f"fallback[{name!r}]", f"{ci.kind}, {ci.basis}",
                            f"a fallback of the grid's kind and basis ({kind}, "
                            f"{basis}): mixing them makes the total meaningless")
        fb[k] = ci.gco2e_per_kwh
        labels[k] = ci.source
    return fb, labels
