"""Column headers ``name [unit]`` (carbon._columns): the one parser and its unit factors."""

from __future__ import annotations

import pytest

from carbon import UnitMismatchError, column_factor, parse_header
from carbon._columns import columns_named


@pytest.mark.parametrize(("header", "parsed"), [
    ("energy [kJ]", ("energy", "kJ")),
    ("  intensity[gCO2e / kWh] ", ("intensity", "gCO2e / kWh")),
    ("pue", ("pue", None)),
    ("product_lifetime [year]", ("product_lifetime", "year")),
    ("2x [s]", (None, None)),
    ("energy [kJ] extra", (None, None)),
    ("", (None, None)),
    (3, (None, None)),
])
def test_headers_parse_into_name_and_unit(header: object, parsed: tuple[str | None, ...]) -> None:
    assert parse_header(header) == parsed


def test_columns_named_ignores_the_unit() -> None:
    assert columns_named(["duration [ms]", "energy [J]", "duration"], "duration") == [
        "duration [ms]", "duration"]


def test_factors_come_from_the_registry() -> None:
    assert column_factor("lifetime [year]", "s") == 365 * 86400
    assert column_factor("energy [kJ]", "kWh") == pytest.approx(1 / 3600)
    with pytest.raises(UnitMismatchError, match=r"name it 'energy \[kWh\]'"):
        column_factor("energy", "kWh")
    with pytest.raises(UnitMismatchError, match=r"devices\.energy"):
        column_factor("energy [gCO2e]", "kWh", field="devices.energy")
    with pytest.raises(UnitMismatchError, match="kWh"):
        column_factor("energy [not a unit]", "kWh")
