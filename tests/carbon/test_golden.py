"""Golden vectors from specs/golden/metrics.yaml (worked examples of METRICS.md)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

import carbon
from carbon import Q_

GOLDEN = Path(__file__).resolve().parents[2] / "specs" / "golden" / "metrics.yaml"
VECTORS = yaml.safe_load(GOLDEN.read_text())


def _value(v: Any) -> Any:
    if isinstance(v, str):
        return Q_(v)
    if isinstance(v, dict) and "mix" in v:
        return carbon.SourceMix(v["mix"])
    return v


def _asc(energy: Any, intensity: Any, pue: float, embodied: Any, duration: Any,
         lifetime: Any) -> Any:
    fac = carbon.Facility(name="f", pue=pue, mix=intensity)
    box = carbon.System(name="s", embodied=embodied, lifetime=lifetime, facility=fac)
    job = carbon.Job(name="j", duration=duration,
                     energy=[carbon.EnergyUse(system=box, energy=energy, provenance="reported")])
    return carbon.asc_e(job).asc


FUNCTIONS = {
    "mix_intensity": lambda shares: carbon.mix_intensity(shares),
    "jsc": carbon.jsc,
    "embodied_share": carbon.embodied_share,
    "platform_share": carbon.platform_share,
    "product_share": carbon.product_share,
    "product_share_by_requests": carbon.product_share_by_requests,
    "retraining_share": carbon.retraining_share,
    "asc": _asc,
}


def test_every_vector_has_a_source_and_tolerance() -> None:
    assert VECTORS, "no golden vectors found"
    for v in VECTORS:
        assert v["source"].strip() and v["rel_tol"] > 0 and v["function"] in FUNCTIONS


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_golden(vector: dict[str, Any]) -> None:
    inputs = {k: _value(v) for k, v in vector["inputs"].items()}
    got = FUNCTIONS[vector["function"]](**inputs)
    expected = Q_(vector["expected"])
    assert got.dimensionality == expected.dimensionality
    assert math.isclose(got.m_as(expected.units), expected.magnitude,
                        rel_tol=vector["rel_tol"]), (got, expected, vector["source"])
