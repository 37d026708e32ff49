"""The embodied-hardware table: every entry sourced and usable, lookups by exact name in
any case, and unknown items refused with suggestions."""

from __future__ import annotations

import math

import pytest

import carbon
from carbon import ModelCarbonError, UnknownKeyError


def test_every_entry_has_a_source_a_lifetime_and_a_consistent_range() -> None:
    table = carbon.hardware_table()
    assert len(table) >= 5
    for name, e in table.items():
        assert e.item == name and e.source.strip()
        assert math.isfinite(e.embodied_kgco2e) and e.embodied_kgco2e > 0
        assert e.lifetime_years > 0
        if e.low_kgco2e is not None:
            assert e.low_kgco2e <= e.embodied_kgco2e
        if e.high_kgco2e is not None:
            assert e.embodied_kgco2e <= e.high_kgco2e


def test_quantities_in_grams_and_365_day_years() -> None:
    e = carbon.hardware("NVIDIA H100 SXM card")
    assert e.embodied.m_as("gCO2e") == pytest.approx(575.1e3)
    assert e.lifetime.m_as("s") == e.lifetime_years * 365 * 86400
    assert e.lifetime.m_as("year") == pytest.approx(e.lifetime_years)


def test_lookup_ignores_case_and_surrounding_space() -> None:
    name = "generic server with 8 x 80GB GPUs"
    assert carbon.hardware(f"  {name.upper()} ") is carbon.hardware(name)


def test_an_entry_makes_a_system() -> None:
    e = carbon.hardware("generic server with 8 x 80GB GPUs")
    fac = carbon.Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
    box = carbon.System(name=e.item, embodied=e.embodied, lifetime=e.lifetime, facility=fac,
                        source=e.source)
    assert box.embodied.m == pytest.approx(e.embodied_kgco2e * 1e3)


def test_unknown_hardware_names_the_field_and_suggests() -> None:
    with pytest.raises(UnknownKeyError) as info:
        carbon.hardware("quantum toaster")
    assert info.value.field == "hardware" and "expected" in str(info.value)
    assert isinstance(info.value, ModelCarbonError)
    with pytest.raises(UnknownKeyError, match="NVIDIA H100 SXM card"):
        carbon.hardware("NVIDIA H100 SXM")  # a near miss is not a match, but is suggested


def test_entries_are_frozen() -> None:
    e = carbon.hardware("NVIDIA H100 SXM card")
    with pytest.raises(AttributeError):
        e.embodied_kgco2e = 0.0  # type: ignore[misc]
