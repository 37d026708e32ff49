"""Pydantic field types for pint quantities: validated and converted to canonical units once.

A field typed ``Energy`` accepts a pint quantity (of carbon's registry or of any other one,
converted by what its units mean there: ``carbon.adopt``) or a string such as ``"5 kWh"``; a
bare number, a wrong dimension, NaN, inf or a negative amount is refused with the field's
name, and so is an array or list quantity (a field holds one amount) or a boolean magnitude.
The stored value is a quantity in the canonical unit (``carbon._units.CANONICAL``),
so fast paths read ``.magnitude`` without converting again. Serialised as a string (``"5.0 kWh"``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from carbon._errors import ModelCarbonError
from carbon._units import Quantity, magnitude, quantity

__all__ = ["Carbon", "CarbonRate", "CarriedError", "Energy", "Intensity", "Power", "Time"]


class CarriedError(ValueError):
    """Carries a modelcarbon error through pydantic (which only collects ValueErrors)."""

    def __init__(self, error: ModelCarbonError):
        super().__init__(str(error))
        self.error = error


def _kind(unit: str, allow_negative: bool = False) -> Any:
    def validate(value: Any) -> Any:
        try:
            m = magnitude(value, unit, "value", allow_negative=allow_negative, scalar=True)
        except ModelCarbonError as e:
            raise CarriedError(e) from e
        return quantity(m, unit)

    return validate


def _serialise(q: Any) -> str:
    return f"{q.magnitude!r} {q.units:~P}"


def _annotated(unit: str, description: str) -> Any:
    return Annotated[
        Quantity,
        BeforeValidator(_kind(unit)),
        PlainSerializer(_serialise, return_type=str),
        WithJsonSchema(
            {"type": "string", "description": f"{description}, a quantity such as '1.5 {unit}'"}
        ),
    ]


Energy = _annotated("kWh", "energy")
Carbon = _annotated("gCO2e", "carbon")
CarbonRate = _annotated("gCO2e/s", "carbon rate")
Intensity = _annotated("gCO2e/kWh", "carbon intensity of electricity")
Time = _annotated("s", "duration")
Power = _annotated("W", "power")
