"""EcoLogits' GPU energy per output token (carbon._ecologits): golden values from EcoLogits'
own output, the shape of the fit, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from carbon import (
    ECOLOGITS_ERROR,
    ECOLOGITS_SOURCE,
    Q_,
    InvalidValueError,
    ecologits_energy_per_token,
)
from carbon._ecologits import ECOLOGITS_ALPHA, ECOLOGITS_BATCH_SIZE, ECOLOGITS_BETA, ECOLOGITS_GAMMA


def test_golden_value_of_ecologits_itself() -> None:
    """EcoLogits (ecologits/impacts/llm.py, ML.ENERGY fit) reports ``gpu_energy`` =
    0.0011569191456103042 kWh for 132e9 active parameters, 10,000 output tokens, B = 64."""
    e = ecologits_energy_per_token(132.0, 64)
    assert float(e.m_as("kWh")) * 10_000 == pytest.approx(0.0011569191456103042, rel=1e-12)


def test_constants_are_ecologits_and_the_issue_quotes_them() -> None:
    # the issue's rounded form: 1.17e-6 x e^(-0.0112 x B) x P + 4.05e-5 Wh, B fixed at 64
    assert pytest.approx(1.17e-6, rel=5e-3) == ECOLOGITS_ALPHA
    assert pytest.approx(-0.0112, rel=1e-3) == ECOLOGITS_BETA
    assert pytest.approx(4.05e-5, rel=1e-3) == ECOLOGITS_GAMMA
    assert ECOLOGITS_BATCH_SIZE == 64
    assert "doi:10.21105/joss.07471" in ECOLOGITS_SOURCE and "36-45 %" in ECOLOGITS_ERROR


def test_default_batch_is_64_and_units_are_joules() -> None:
    wh = ECOLOGITS_ALPHA * math.exp(ECOLOGITS_BETA * 64) * 8.0 + ECOLOGITS_GAMMA
    assert ecologits_energy_per_token(8.0).m_as("J") == pytest.approx(wh * 3600, rel=1e-12)
    assert ecologits_energy_per_token(8.0).units == Q_(1, "J").units


def test_vectorised_over_models_and_batches() -> None:
    e = ecologits_energy_per_token(np.array([0.0, 8.0, 70.0]), np.array([1, 64, 128]))
    assert e.m_as("J").shape == (3,)
    assert e.m_as("Wh")[0] == pytest.approx(ECOLOGITS_GAMMA, rel=1e-12)  # P = 0: the intercept


@given(st.floats(0, 2000), st.integers(1, 512))
@example(0.0, 1)
@example(2000.0, 512)
def test_more_parameters_cost_more_a_bigger_batch_less(p: float, b: int) -> None:
    e = ecologits_energy_per_token(p, b).m_as("J")
    assert e >= ECOLOGITS_GAMMA * 3600 * (1 - 1e-12)
    assert ecologits_energy_per_token(p + 1.0, b).m_as("J") > e
    assert ecologits_energy_per_token(p, b + 1).m_as("J") <= e


@pytest.mark.parametrize(("p", "b"), [(-1.0, 64), (math.nan, 64), (math.inf, 64), (8.0, 0),
                                      (8.0, math.nan)])
def test_bad_inputs_are_refused(p: float, b: float) -> None:
    with pytest.raises(InvalidValueError):
        ecologits_energy_per_token(p, b)
