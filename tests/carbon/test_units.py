"""The one registry: carbon as its own dimension, the 365-day year, unit errors."""

from __future__ import annotations

import pickle

import pint
import pytest

import carbon
from carbon import Q_, InvalidValueError, ModelCarbonError, UnitMismatchError, magnitude, ureg


def test_carbon_is_not_mass() -> None:
    with pytest.raises(pint.DimensionalityError):
        _ = Q_(1, "gCO2e") + Q_(1, "g")
    assert Q_(1, "gCO2e").dimensionality != Q_(1, "g").dimensionality


@pytest.mark.parametrize(("unit", "grams"), [("gCO2e", 1), ("kgCO2e", 1e3), ("tCO2e", 1e6),
                                              ("mgCO2e", 1e-3), ("gCO2eq", 1)])
def test_carbon_units(unit: str, grams: float) -> None:
    assert Q_(1, unit).m_as("gCO2e") == pytest.approx(grams, rel=1e-15)


def test_year_is_365_days_and_julian_year_is_kept() -> None:
    assert Q_(1.0, "year").m_as("day") == 365.0
    assert Q_(1.0, "julian_year").m_as("day") == 365.25


def test_one_registry_everywhere() -> None:
    assert carbon.ureg is ureg
    assert pint.get_application_registry().get() is ureg
    assert carbon.jsc(Q_(1, "kWh"), intensity=Q_(1, "gCO2e/kWh"))._REGISTRY is ureg


@pytest.mark.parametrize(
    ("value", "unit", "error"),
    [
        (3.0, "kWh", UnitMismatchError),
        (Q_(3, "g"), "kWh", UnitMismatchError),
        ("3 furlongs_per_fortnight", "kWh", UnitMismatchError),
        ("not a quantity ((", "kWh", UnitMismatchError),
        (Q_(float("nan"), "kWh"), "kWh", InvalidValueError),
        (Q_(float("inf"), "kWh"), "kWh", InvalidValueError),
        (Q_(-1, "kWh"), "kWh", InvalidValueError),
    ],
)
def test_bad_amounts_name_the_field(value: object, unit: str, error: type) -> None:
    with pytest.raises(error) as info:
        magnitude(value, unit, "energy")
    assert info.value.field == "energy"
    assert "energy=" in str(info.value)
    assert isinstance(info.value, ModelCarbonError)


def test_unit_mismatch_names_both_units() -> None:
    with pytest.raises(UnitMismatchError) as info:
        carbon.jsc(Q_(1, "gCO2e"), intensity=Q_(1, "gCO2e/kWh"))
    assert "gCO2e" in str(info.value) and "kWh" in str(info.value)


def test_errors_pickle_with_their_fields() -> None:
    err = InvalidValueError("pue", 0.9, "a number >= 1")
    back = pickle.loads(pickle.dumps(err))
    assert (back.field, back.value, back.expected, str(back)) == (
        "pue", 0.9, "a number >= 1", str(err))
    assert isinstance(back, ValueError)
