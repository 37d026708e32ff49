"""The ``--json`` helpers: strict JSON (no NaN), unknown as null, units kept in text."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assess.cli._json import figure_g, frame_records, jsonable, to_json
from carbon import Q_


@pytest.mark.parametrize(("value", "expected"), [
    (math.nan, None), (math.inf, None), (-math.inf, None), (0.0, 0.0), (3, 3), (True, True),
    (np.float64(2.5), 2.5), (np.int64(4), 4), (np.float64("nan"), None), (Path("a/b"), "a/b"),
    (Q_(2.5, "kWh"), "2.5 kWh"), ((1, math.nan), [1, None]), ({1: math.nan}, {"1": None}),
])
def test_jsonable_edges(value: object, expected: object) -> None:
    assert jsonable(value) == expected


def test_to_json_is_strict_json_on_one_line() -> None:
    text = to_json({"a": math.nan, "b": [math.inf], "c": "x\ny"})
    assert "\n" not in text and json.loads(text) == {"a": None, "b": [None], "c": "x\ny"}


def test_frame_records_turn_nan_into_null() -> None:
    df = pd.DataFrame({"x": [1.0, math.nan], "s": ["a", "b"]})
    assert frame_records(df) == [{"x": 1.0, "s": "a"}, {"x": None, "s": "b"}]


def test_figure_g_keeps_unknown_unknown() -> None:
    from assess.datasheet._model import CarbonFigure

    assert figure_g(None) is None
    f = CarbonFigure(value=Q_(2, "kgCO2e"), provenance="measured")
    assert figure_g(f) == {"g": 2000.0, "uncertainty_g": None, "provenance": "measured"}


def test_sheet_figures_of_a_datasheet() -> None:
    from assess.cli._json import sheet_figures
    from tests.assess.datasheet.conftest import make_datasheet

    ds = make_datasheet()
    got = sheet_figures(ds)
    assert got["id"] == "child" and got["epc"]["g"] == ds.epc.total.g
    assert ds.per_request is not None and got["per_request"]["g"] == ds.per_request.total.g
    json.loads(to_json(got))
