"""carbon._green_algorithms: the Green Algorithms estimate (Lannelongue, Grealey, Inouye 2021,
doi:10.1002/advs.202100707) and the calculator's per-core and per-GB figures, shipped with
their source. Golden vectors from the calculator's defaults are in
specs/golden/published_footprints.yaml (tests/carbon/test_reporting.py)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import carbon
from carbon import (
    GREEN_ALGORITHMS_MEMORY_W_PER_GB,
    Q_,
    InvalidValueError,
    UnknownKeyError,
    green_algorithms,
    green_algorithms_table,
    green_algorithms_tdp,
)


def test_green_algorithms_estimate() -> None:
    # Lannelongue et al. 2021 (doi:10.1002/advs.202100707): E = t (n_c P_c u_c + n_m P_m) PUE
    g = green_algorithms(runtime="12 h", cores=12, core_power="12 W", core_usage=1.0,
                         memory="64 GB", pue=1.67, intensity="475 gCO2e/kWh")
    naive = 12 * (12 * 12 * 1.0 + 64 * 0.3725) * 1.67 / 1000
    assert g.energy.m_as("kWh") == pytest.approx(naive) and g.provenance == "estimated"
    assert g.carbon.m_as("gCO2e") == pytest.approx(naive * 475)
    assert "0.3725 W/GB" in g.source and "Lannelongue" in g.source


def test_the_pragmatic_scaling_factor_multiplies_the_runs() -> None:
    kw = {"runtime": "2 h", "cores": 4, "core_power": "10 W", "core_usage": 0.5,
          "memory": "8 GB", "pue": 1.2, "intensity": "100 gCO2e/kWh"}
    one, three = green_algorithms(**kw), green_algorithms(**kw, psf=3)  # type: ignore[arg-type]
    assert three.energy.m == pytest.approx(3 * one.energy.m) and "PSF 3" in three.source


@example(hours=12.0, cores=12, watts=12.0, usage=1.0, gb=64.0, pue=1.67)
@example(hours=1e-3, cores=1, watts=0.0, usage=0.0, gb=0.0, pue=1.0)
@given(hours=st.floats(1e-3, 1e5), cores=st.integers(1, 4096), watts=st.floats(0, 1e3),
       usage=st.floats(0, 1), gb=st.floats(0, 1e5), pue=st.floats(1, 3))
def test_the_estimate_is_the_published_product(hours: float, cores: int, watts: float,
                                               usage: float, gb: float, pue: float) -> None:
    g = green_algorithms(runtime=Q_(hours, "h"), cores=cores, core_power=Q_(watts, "W"),
                         core_usage=usage, memory=Q_(gb, "GB"), pue=pue,
                         intensity="300 gCO2e/kWh")
    oracle = hours * (cores * watts * usage + gb * 0.3725) * pue / 1000  # kWh
    assert g.energy.m_as("kWh") == pytest.approx(oracle, rel=1e-9, abs=1e-12)
    assert g.carbon.m_as("gCO2e") == pytest.approx(oracle * 300, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("kw", [{"cores": 0}, {"cores": True}, {"core_usage": 1.5},
                                {"pue": 0.9}, {"psf": 0.5}, {"runtime": "0 h"},
                                {"memory": "64 W"}])
def test_bad_inputs_are_refused(kw: dict[str, object]) -> None:
    args: dict[str, object] = {"runtime": "1 h", "cores": 1, "core_power": "12 W",
                               "core_usage": 1.0, "memory": "1 GB", "pue": 1.2,
                               "intensity": "400 gCO2e/kWh", **kw}
    with pytest.raises(carbon.ModelCarbonError):
        green_algorithms(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("model", "kind", "watts"), [
    ("Xeon E5-2683 v4", "cpu", 7.5),     # 120 W / 16 cores
    ("Xeon Gold 6148", "cpu", 7.5),      # 150 W / 20
    ("AMD EPYC 7251", "cpu", 15.0),      # 120 W / 8
    ("Core i7-8700K", "cpu", 15.8),      # 95 W / 6
    ("Any", "cpu", 12.0),                # the calculator's default
    ("NVIDIA Tesla V100", "gpu", 300.0),
    ("NVIDIA A100 40GB PCIe", "gpu", 250.0),
    ("NVIDIA Tesla T4", "gpu", 70.0),
    ("TPU v3", "gpu", 220.0),
    ("Any", "gpu", 200.0),
    ("xeon gold 6148 ", "cpu", 7.5),     # case and spaces do not matter
])
def test_per_core_power_from_the_calculators_tables(model: str, kind: str,
                                                    watts: float) -> None:
    # green-algorithms-tool data/latest/TDP_cpu.csv and TDP_gpu.csv
    p = green_algorithms_tdp(model, kind=kind)  # type: ignore[arg-type]
    assert p.tdp_per_core_w == watts and p.core_power.m_as("W") == watts
    assert p.source


def test_every_cpu_row_is_its_tdp_over_its_cores_within_the_tables_rounding() -> None:
    for (kind, model), p in green_algorithms_table().items():
        assert p.tdp_per_core_w > 0, model
        if kind == "cpu" and p.tdp_w is not None and p.n_cores:
            assert p.tdp_per_core_w == pytest.approx(p.tdp_w / p.n_cores, abs=0.051), model
    assert len(green_algorithms_table()) > 90
    assert GREEN_ALGORITHMS_MEMORY_W_PER_GB == 0.3725
    assert "23a6c015343d" in carbon.GREEN_ALGORITHMS_SOURCE


def test_an_unknown_model_names_itself_and_the_fix() -> None:
    with pytest.raises(UnknownKeyError, match="Xeon Gold 6149") as e:
        green_algorithms_tdp("Xeon Gold 6149")
    assert "did you mean" in str(e.value) and "core_power" in str(e.value)
    with pytest.raises(UnknownKeyError, match="GPU model"):
        green_algorithms_tdp("Xeon Gold 6148", kind="gpu")
    with pytest.raises(InvalidValueError, match="kind"):
        green_algorithms_tdp("Any", kind="tpu")  # type: ignore[arg-type]
    with pytest.raises(UnknownKeyError):
        green_algorithms_tdp(42)  # type: ignore[arg-type]
