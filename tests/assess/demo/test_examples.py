"""The demo's two example jobs on embedded defaults, and the rows printed for a breakdown."""

from __future__ import annotations

import pytest

from assess.demo import breakdown_rows, example_jobs
from carbon import PARTS, Q_, asc_e, country, hardware


def test_two_jobs_on_the_shipped_defaults() -> None:
    jobs = example_jobs()
    assert list(jobs) == ["inference request", "training run"]
    server = jobs["training run"].energy[0].system
    assert server.facility.pue == 1.2
    assert server.facility.mix.gco2e_per_kwh == country("DEU").gco2e_per_kwh
    assert server.embodied == hardware("generic server with 8 x 80GB GPUs").embodied
    assert {str(u.provenance) for j in jobs.values() for u in j.energy} == {"reported"}


def test_the_request_carries_its_share_of_the_training() -> None:
    jobs = example_jobs()
    [product] = jobs["inference request"].products
    assert product.epc.m_as("gCO2e") == pytest.approx(
        1.5 * asc_e(jobs["training run"]).asc_e_g)
    assert product.requests == 5e8
    b = asc_e(jobs["inference request"])
    assert b.products_g == pytest.approx(product.epc.m_as("gCO2e") / 5e8)
    assert b.retraining_g == pytest.approx(30e3 / 2e7)


def test_rows_are_the_six_parts_then_the_four_views() -> None:
    b = asc_e(example_jobs()["training run"])
    rows = breakdown_rows(b)
    assert [name for name, _ in rows] == [*PARTS, "JSC", "ASC", "JSC^e", "ASC^e"]
    values = dict(rows)
    assert Q_(values["ASC^e"]).m_as("gCO2e") == pytest.approx(b.asc_e_g, rel=1e-3)
    assert Q_(values["JSC"]).m_as("gCO2e") == pytest.approx(b.jsc_g, rel=1e-3)
    assert all(v.split()[-1].endswith("CO2e") for v in values.values())
