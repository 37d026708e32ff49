"""The golden vectors of specs/golden/metrics.yaml (worked examples of METRICS.md).

Each test module checks the vectors of the functions it covers (``vectors("jsc")``); every
function named in the file is covered by exactly one module (``TESTED_IN``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

import carbon
from carbon import Q_

GOLDEN = Path(__file__).resolve().parents[2] / "specs" / "golden" / "metrics.yaml"
VECTORS: list[dict[str, Any]] = yaml.safe_load(GOLDEN.read_text())

#: The test module that checks each function's vectors.
TESTED_IN = {
    "mix_intensity": "test_electricity",
    "jsc": "test_formulas",
    "embodied_share": "test_formulas",
    "platform_share": "test_formulas",
    "product_share": "test_formulas",
    "product_share_by_requests": "test_formulas",
    "retraining_share": "test_formulas",
    "asc": "test_breakdown",
}


def vectors(*functions: str) -> list[dict[str, Any]]:
    """The vectors of ``functions``, for ``pytest.mark.parametrize``."""
    return [v for v in VECTORS if v["function"] in functions]


def ids(vs: list[dict[str, Any]]) -> list[str]:
    return [v["id"] for v in vs]


def value(v: Any) -> Any:
    """An input as the function takes it: quantities from strings, source mixes from dicts."""
    if isinstance(v, str):
        return Q_(v)
    if isinstance(v, dict) and "mix" in v:
        return carbon.SourceMix(v["mix"])
    return v


def check(vector: dict[str, Any], function: Callable[..., Any]) -> None:
    """``function(**inputs)`` equals ``expected`` within ``rel_tol``, in the same dimension."""
    inputs = {k: value(v) for k, v in vector["inputs"].items()}
    got = function(**inputs)
    expected = Q_(vector["expected"])
    assert got.dimensionality == expected.dimensionality
    assert math.isclose(got.m_as(expected.units), expected.magnitude,
                        rel_tol=vector["rel_tol"]), (got, expected, vector["source"])
