"""Reproducers of defects found by fuzzing, each pinned with the bug it was (a strict xfail
until its fix landed).

Each asserts what the project promises: a bad input raises the project's own error, whose
message is one line naming the field, a short value and what is expected.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import carbon
from carbon import ModelCarbonError


@pytest.mark.parametrize("data", [bytes(range(256)) * 3, "device,x\ncaf\xe9,1\n".encode(
    "latin-1"), b""], ids=["garbage", "latin-1", "empty"])
def test_read_devices_of_a_bad_file(data: bytes, tmp_path: Path) -> None:
    # bug: pandas' ParserError / UnicodeDecodeError / EmptyDataError escaped
    path = tmp_path / "devices.csv"
    path.write_bytes(data)
    with pytest.raises(ModelCarbonError):
        carbon.read_devices(path)


@pytest.mark.parametrize("table", [pd.DataFrame({"a": [1]}), 5, None],
                         ids=["frame", "int", "none"])
def test_device_table_of_a_wrong_type(table: object) -> None:
    # bug: a DataFrame or a non-mapping raised AttributeError
    with pytest.raises(ModelCarbonError):
        carbon.device_table(table)  # type: ignore[arg-type]


def test_record_level_error_is_short() -> None:
    # bug: _translate carried the whole input dict as the error's value (an object dump)
    fac = carbon.Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
    box = carbon.System(name="box", embodied="1 kgCO2e", lifetime="1 year", facility=fac)
    use = carbon.EnergyUse(system=box, energy="1 kWh", provenance="measured")
    with pytest.raises(ModelCarbonError) as info:
        carbon.Job(name="j", energy=[use])  # neither a duration nor a start and end
    assert len(str(info.value)) < 300, str(info.value)


def test_a_bool_is_not_a_pue() -> None:
    # bug: float fields (pue, fraction, share) accepted a bool (pydantic read True as 1.0)
    with pytest.raises(ModelCarbonError):
        carbon.Facility(name="dc", pue=True, mix="300 gCO2e/kWh")
