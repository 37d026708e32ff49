"""The small tables of request accounting (carbon._request_tables): devices and models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon import (
    DataError,
    Facility,
    InvalidValueError,
    RequestTables,
    System,
    UnitMismatchError,
    UnknownKeyError,
    device_table,
    model_table,
    read_devices,
)
from tests.carbon import request_logs as L


def test_model_table_needs_exactly_one_explicit_share() -> None:
    with pytest.raises(InvalidValueError, match="not both, not neither"):
        model_table({"m": "1 kgCO2e"})
    with pytest.raises(InvalidValueError, match="not both"):
        model_table({"m": "1 kgCO2e"}, lifetime={"m": "1 year"}, parallel_jobs=1,
                    lifetime_requests={"m": 10})
    with pytest.raises(InvalidValueError, match="parallel_jobs"):
        model_table({"m": "1 kgCO2e"}, lifetime={"m": "1 year"})
    with pytest.raises(UnknownKeyError, match="lifetime for model 'm'"):
        model_table({"m": "1 kgCO2e"}, lifetime={}, parallel_jobs=2)
    with pytest.raises(InvalidValueError, match=">= 1"):
        model_table({"m": "1 kgCO2e"}, lifetime={"m": "1 year"}, parallel_jobs=0.5)


def test_device_table_refuses_power_for_unknown_devices() -> None:
    fac = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    s = System(name="x", embodied="1 kgCO2e", lifetime="1 year", facility=fac)
    with pytest.raises(UnknownKeyError, match="power"):
        device_table({"x": s}, power={"y": "10 W"})


def test_devices_file_is_validated(tmp_path: Path) -> None:
    df = pd.DataFrame({"device": ["a"], "pue": [0.9], "embodied [kgCO2e]": [1],
                       "lifetime [year]": [1]})
    with pytest.raises(InvalidValueError, match=r"devices\[row 0\]\.pue"):
        read_devices(df)
    with pytest.raises(InvalidValueError, match="lifetime"):
        read_devices(df.assign(pue=1.1, **{"lifetime [year]": [0]}))
    with pytest.raises(DataError, match="lifetime"):
        read_devices(df.assign(pue=1.1).drop(columns="lifetime [year]"))
    with pytest.raises(DataError, match="one row per device"):
        read_devices(pd.concat([df, df]).assign(pue=1.1))


def test_device_units_are_converted_once() -> None:
    t = read_devices(pd.DataFrame({"device": ["a", "b"], "pue": [1.2, 1.0],
                                   "embodied [tCO2e]": [2.5, 1.0], "lifetime [day]": [365, 730],
                                   "power [kW]": [0.7, np.nan]}))
    assert t["embodied [gCO2e]"].tolist() == [2.5e6, 1e6]
    assert t["lifetime [s]"].tolist() == [31536000.0, 63072000.0]
    assert t["power [W]"].tolist()[0] == 700.0 and np.isnan(t["power [W]"].tolist()[1])
    with pytest.raises(UnitMismatchError, match="embodied"):
        read_devices(pd.DataFrame({"device": ["a"], "pue": [1.2], "embodied [kWh]": [1],
                                   "lifetime [year]": [1]}))


def test_device_with_unknown_embodied_is_refused() -> None:
    fac = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    s = System(name="V100", lifetime="3 year", facility=fac,
               embodied_unknown="no sourced figure for this card")
    with pytest.raises(DataError, match="no sourced figure"):
        device_table({"v100": s})


def test_tables_must_fit_together() -> None:
    t = L.tables()
    with pytest.raises(DataError, match="embodied"):
        RequestTables(t.devices.drop(columns="embodied [gCO2e]"), t.models, t.grid)
    with pytest.raises(DataError, match="product_requests"):
        RequestTables(t.devices, t.models.drop(columns="product_lifetime [s]"), t.grid)
    with pytest.raises(InvalidValueError, match="only with a grid"):
        RequestTables(t.devices, t.models, None, fallback="country")
