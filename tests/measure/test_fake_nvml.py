"""The fake NVML is faithful: real signatures, real error classes, exactly known energy."""

from __future__ import annotations

import inspect

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from measure import FakeNVML, ManualClock, PowerTrace
from measure._fake_nvml import API

pynvml = pytest.importorskip("pynvml")


@pytest.mark.parametrize("name", API)
def test_signature_matches_installed_pynvml(name: str) -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)])
    real = inspect.signature(getattr(pynvml, name))
    mine = inspect.signature(getattr(fake, name))
    assert [p.name for p in mine.parameters.values()] == [p.name for p in real.parameters.values()]
    assert [p.kind for p in mine.parameters.values()] == [p.kind for p in real.parameters.values()]


def test_constants_are_the_real_ones() -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)])
    for name in ("NVML_FI_DEV_POWER_INSTANT", "NVML_DEVICE_ARCH_VOLTA", "NVML_ERROR_GPU_IS_LOST",
                 "NVML_ERROR_LIBRARY_NOT_FOUND", "NVML_DEVICE_MIG_ENABLE"):
        assert getattr(fake, name) == getattr(pynvml, name)


@pytest.mark.parametrize(("code", "cls"), [
    (12, "NVMLError_LibraryNotFound"), (15, "NVMLError_GpuIsLost"),
    (3, "NVMLError_NotSupported"), (4, "NVMLError_NoPermission"),
])
def test_injected_errors_are_pynvml_classes(code: int, cls: str) -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)])
    fake.nvmlInit()
    fake.inject("nvmlDeviceGetPowerUsage", code)
    h = fake.nvmlDeviceGetHandleByIndex(0)
    with pytest.raises(getattr(pynvml, cls)) as info:
        fake.nvmlDeviceGetPowerUsage(h)
    assert info.value.value == code


def test_library_missing_and_uninitialised() -> None:
    with pytest.raises(pynvml.NVMLError_LibraryNotFound):
        FakeNVML([PowerTrace.constant(1.0)], library_found=False).nvmlInit()
    with pytest.raises(pynvml.NVMLError_Uninitialized):
        FakeNVML([PowerTrace.constant(1.0)]).nvmlDeviceGetCount()


def test_field_values_are_real_structures() -> None:
    clock = ManualClock()
    fake = FakeNVML([PowerTrace.constant(123.456)], clock=clock)
    fake.nvmlInit()
    clock.advance(0.25)
    v = fake.nvmlDeviceGetFieldValues(fake.nvmlDeviceGetHandleByIndex(0),
                                      [pynvml.NVML_FI_DEV_POWER_INSTANT])
    assert isinstance(v[0], pynvml.c_nvmlFieldValue_t)
    assert (v[0].nvmlReturn, v[0].value.uiVal, v[0].timestamp) == (0, 123456, 250000)


def test_counter_updates_in_steps_of_its_period() -> None:
    clock = ManualClock()
    fake = FakeNVML([PowerTrace.constant(100.0)], clock=clock, counter_period_s=0.1)
    fake.nvmlInit()
    h = fake.nvmlDeviceGetHandleByIndex(0)
    clock.advance(0.05)
    assert fake.nvmlDeviceGetTotalEnergyConsumption(h) == 0  # not updated yet
    clock.advance(0.1)
    assert fake.nvmlDeviceGetTotalEnergyConsumption(h) == 10_000  # 100 W * 0.1 s in mJ


def _naive_energy(tr: PowerTrace, t0: float, t1: float, n: int = 20_000) -> float:
    dt = (t1 - t0) / n
    return sum(tr.power_w(t0 + (i + 0.5) * dt) for i in range(n)) * dt


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 700)), min_size=1, max_size=6),
       st.floats(-1, 11), st.floats(0, 5))
@example([(0.0, 100.0), (1.0, 300.0)], 0.5, 1.0)  # a step inside the interval
def test_trace_energy_against_midpoint_oracle(points: list[tuple[float, float]], t0: float,
                                              span: float) -> None:
    points.sort()
    tr = PowerTrace([p[0] for p in points], [p[1] for p in points])
    exact = tr.energy_j(t0, t0 + span)
    # midpoint sums converge on a piecewise-linear trace; steps cost at most one cell each
    assert exact == pytest.approx(_naive_energy(tr, t0, t0 + span), abs=700 * span / 2000 + 1e-6)


def test_step_trace_is_exact() -> None:
    tr = PowerTrace.steps([(0.0, 50.0), (1.0, 250.0), (3.0, 100.0)])
    assert tr.energy_j(0.0, 4.0) == 50.0 + 500.0 + 100.0
    assert tr.power_w(1.0) == 250.0 and tr.power_w(0.999) == 50.0


@pytest.mark.parametrize(("times", "powers"), [([], []), ([1.0, 0.0], [1.0, 1.0]),
                                               ([0.0], [float("nan")]), ([0.0], [-1.0])])
def test_bad_traces_are_refused(times: list[float], powers: list[float]) -> None:
    from carbon import InvalidValueError
    with pytest.raises(InvalidValueError):
        PowerTrace(times, powers)


def test_recorded_trace_from_csv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "trace.csv"
    path.write_text("t_s,power_w\n0,100\n2,300\n")
    assert PowerTrace.from_csv(path).energy_j(0, 2) == 400.0
