"""The pydantic quantity field types: converted once to the canonical unit, refused with the
field's name when bare, of the wrong dimension, NaN, inf or negative, serialised as text."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

from carbon import Q_, InvalidValueError, UnitMismatchError
from carbon._quantity_types import (
    Carbon,
    CarbonRate,
    CarriedError,
    Energy,
    Intensity,
    Power,
    Time,
)


class Fields(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    energy: Energy | None = None
    carbon: Carbon | None = None
    rate: CarbonRate | None = None
    intensity: Intensity | None = None
    time: Time | None = None
    power: Power | None = None


@pytest.mark.parametrize(("field", "given", "canonical", "unit"), [
    ("energy", "3.6 MJ", 1.0, "kWh"),
    ("carbon", Q_(2, "kgCO2e"), 2000.0, "gCO2e"),
    ("rate", "60 gCO2e/min", 1.0, "gCO2e/s"),
    ("intensity", "0.4 kgCO2e/kWh", 400.0, "gCO2e/kWh"),
    ("time", "2 h", 7200.0, "s"),
    ("power", "1.5 kW", 1500.0, "W"),
])
def test_converted_once_to_the_canonical_unit(field: str, given: object, canonical: float,
                                              unit: str) -> None:
    q = getattr(Fields(**{field: given}), field)
    assert str(q.units) == unit and q.m == pytest.approx(canonical, rel=1e-15)


def _carried(**kw: object) -> Exception:
    with pytest.raises(ValidationError) as info:
        Fields(**kw)
    err = info.value.errors()[0]["ctx"]["error"]
    assert isinstance(err, CarriedError) and isinstance(err, ValueError)
    return err.error


@pytest.mark.parametrize(("value", "error"), [
    (5.0, UnitMismatchError),
    ("5 kg", UnitMismatchError),
    ("five kWh", UnitMismatchError),
    ("-1 kWh", InvalidValueError),
    (Q_(float("nan"), "kWh"), InvalidValueError),
    (Q_(float("inf"), "kWh"), InvalidValueError),
])
def test_bad_amounts_are_carried_as_modelcarbon_errors(value: object, error: type) -> None:
    err = _carried(energy=value)
    assert isinstance(err, error)
    assert str(err) == str(err.message) and "expected" in str(err)


@given(x=st.floats(min_value=0, max_value=1e12))
def test_serialised_as_text_that_reads_back(x: float) -> None:
    dumped = Fields(energy=Q_(x, "kWh")).model_dump(exclude_none=True)
    assert dumped == {"energy": f"{x!r} kWh"}
    back = Fields(**dumped).energy
    assert math.isclose(back.m, x, rel_tol=1e-15) or back.m == x


def test_the_json_schema_says_a_quantity_string() -> None:
    schema = Fields.model_json_schema()["properties"]["energy"]
    text = str(schema)
    assert "'type': 'string'" in text and "1.5 kWh" in text


def test_quantities_of_another_pint_registry_are_converted() -> None:
    import pint

    theirs = pint.UnitRegistry()  # a user's own registry: its year is 365.25 days
    f = Fields(energy=theirs.Quantity(3.6, "MJ"), time=theirs.Quantity(1, "year"),
               power=theirs.Quantity(2, "kW"))
    assert f.energy is not None and f.energy._REGISTRY is Q_(1, "kWh")._REGISTRY
    assert f.energy.m_as("kWh") == pytest.approx(1.0)
    assert f.time is not None and f.time.m_as("day") == pytest.approx(365.25)
    assert f.power is not None and f.power.m_as("W") == pytest.approx(2000.0)
    with pytest.raises(ValidationError, match="energy"):
        Fields(energy=theirs.Quantity(1, "kg"))


@pytest.mark.parametrize("value", [Q_([1, 2], "kWh"), Q_(np.array([1.0, 2.0]), "kWh"),
                                   Q_(np.array([True]), "kWh"), Q_([[1.0]], "kWh")])
def test_an_array_is_not_one_amount(value: object) -> None:
    from carbon import EnergyUse, Facility, System

    box = System(name="b", embodied="1 kgCO2e", lifetime="1 year",
                 facility=Facility(name="d", pue=1.2, mix="300 gCO2e/kWh"))
    with pytest.raises(InvalidValueError, match=r"EnergyUse\.energy") as info:
        EnergyUse(system=box, energy=value, provenance="measured")
    assert "Quantity(" not in str(info.value) and "array(" not in str(info.value)


def test_a_zero_d_array_is_one_amount() -> None:
    from carbon._units import magnitude

    assert magnitude(Q_(np.array(2.0), "kWh"), "kWh", "energy", scalar=True) == 2.0
    with pytest.raises(InvalidValueError, match="boolean"):
        magnitude(Q_(np.array(True), "kWh"), "kWh", "energy", scalar=True)
