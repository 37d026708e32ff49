"""Shared fixtures: the digits split, a trained teacher (seconds), a monitor and a graph."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import carbon  # noqa: E402
import compress  # noqa: E402


@pytest.fixture(scope="session")
def split() -> compress.DigitsSplit:
    return compress.digits_split(0)


@pytest.fixture(scope="session")
def teacher(split: compress.DigitsSplit) -> Any:
    model, _ = compress.digits_teacher(split, hidden=(128, 128), epochs=15, seed=0)
    return model


@pytest.fixture(scope="session")
def system() -> carbon.System:
    fac = carbon.Facility(name="test room", pue=1.2, mix="400 gCO2e/kWh")
    return carbon.System(name="test host", embodied="1000 kgCO2e", lifetime="4 year",
                         facility=fac, source="test fixture")


@pytest.fixture(scope="session")
def setting(system: carbon.System) -> Iterator[compress.JobSetting]:
    from measure import Monitor

    mon = Monitor(gpus=None, cpu="estimate", memory="estimate")
    yield compress.JobSetting(mon, system, charge="dynamic")
    mon.close()


@pytest.fixture()
def graph() -> Any:
    from lineage import ProvenanceGraph

    g = ProvenanceGraph()
    g.add_dataset("digits", name="sklearn digits")
    g.add_model("teacher", name="digits MLP")
    g.derive("teacher", "digits", "trained_on")
    return g


@pytest.fixture(scope="session")
def evaluation(split: compress.DigitsSplit) -> compress.Evaluation:
    return compress.Evaluation.classification(split.x_test, split.y_test, batch_size=64,
                                              min_seconds=0.2, repeats=5)
