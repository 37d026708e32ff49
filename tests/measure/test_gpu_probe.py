"""The NVML probe through the fake: counter, sampling, resets, lost GPUs, missing library."""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import os
import time
from types import SimpleNamespace
from typing import Any

import pytest

from measure import (
    FakeNVML,
    GPULostError,
    ManualClock,
    MeasureError,
    Monitor,
    NotSupportedError,
    NVMLBindingError,
    NVMLUnavailableError,
    PowerTrace,
    ProbePermissionError,
)
from measure._gpu import load_pynvml, translate_nvml

pynvml = pytest.importorskip("pynvml")


def _mon(fake: FakeNVML, clock: ManualClock, **kw: Any) -> Monitor:
    kw.setdefault("interval", None)
    return Monitor(nvml=fake, cpu=None, memory=None, clock=clock, **kw)


# --- counter ----------------------------------------------------------------------------
@pytest.mark.parametrize(("t0", "t1"), [(0.0, 1.0), (0.3, 2.7), (1.0, 61.0)])
def test_counter_energy_is_exact(clock: ManualClock, t0: float, t1: float) -> None:
    trace = PowerTrace.steps([(0.0, 80.0), (0.5, 310.0), (2.0, 140.0)])
    fake = FakeNVML([trace], clock=clock)
    mon = _mon(fake, clock)
    clock.advance(t0)
    mon.begin_window("w")
    clock.advance(t1 - t0)
    d = mon.end_window("w").device("gpu:0")
    assert d.method == "counter" and d.provenance == "measured"
    # counter reads at update boundaries (multiples of 0.1 s), in whole mJ
    assert d.energy.m_as("J") == pytest.approx(fake.energy_j(0, t0, t1), abs=1e-3)
    assert d.complete and "short_window" not in d.flags


def test_counter_uncertainty_is_the_stated_formula(gpu_monitor: Any, clock: ManualClock) -> None:
    mon, _ = gpu_monitor
    mon.begin_window("w")
    clock.advance(10.0)
    d = mon.end_window("w").device("gpu:0")
    energy = 2500.0  # 250 W * 10 s
    assert d.uncertainty.m_as("J") == pytest.approx(2 * 0.1 * 250.0 + 0.05 * energy)


def test_short_window_is_flagged(gpu_monitor: Any, clock: ManualClock) -> None:
    mon, _ = gpu_monitor
    mon.begin_window("w")
    clock.advance(0.05)
    d = mon.end_window("w").device("gpu:0")
    assert "short_window" in d.flags


def test_counter_reset_is_detected_and_never_negative(clock: ManualClock) -> None:
    fake = FakeNVML([PowerTrace.constant(200.0)], clock=clock)
    fake.reset_counter(0, at_s=5.05)
    mon = _mon(fake, clock)
    clock.advance(1.0)
    mon.begin_window("w")
    for _ in range(80):  # poll every 0.1 s like the sampler would
        clock.advance(0.1)
        mon.poll()
    d = mon.end_window("w").device("gpu:0")
    true = fake.energy_j(0, 1.0, 9.0)
    booked = d.energy.m_as("J")
    assert "counter_reset" in d.flags
    assert 0 <= booked <= true
    assert true - booked <= d.uncertainty.m_as("J")


def test_counter_reset_without_polling_is_still_not_negative(clock: ManualClock) -> None:
    fake = FakeNVML([PowerTrace.constant(200.0)], clock=clock)
    fake.reset_counter(0, at_s=5.0)
    mon = _mon(fake, clock)
    clock.advance(4.0)
    mon.begin_window("w")
    clock.advance(2.0)
    d = mon.end_window("w").device("gpu:0")
    assert "counter_reset" in d.flags and d.energy.m_as("J") >= 0
    assert fake.energy_j(0, 4.0, 6.0) - d.energy.m_as("J") <= d.uncertainty.m_as("J")


# --- sampling ---------------------------------------------------------------------------
TRACES = {
    "flat": PowerTrace.constant(300.0),
    "ramp": PowerTrace([0.0, 10.0], [60.0, 400.0]),
    "steps": PowerTrace.steps([(0.0, 60.0), (1.23, 350.0), (4.71, 120.0), (7.0, 300.0)]),
}


@pytest.mark.parametrize("interval", [0.01, 0.05, 0.1, 1.0])
@pytest.mark.parametrize("name", sorted(TRACES))
def test_sampled_energy_within_stated_bound(clock: ManualClock, name: str,
                                            interval: float) -> None:
    fake = FakeNVML([TRACES[name]], clock=clock, counter=False)
    mon = _mon(fake, clock)
    clock.advance(0.5)
    mon.begin_window("w")
    steps = round(8.0 / interval)
    for _ in range(steps):
        clock.advance(interval)
        mon.poll()
    d = mon.end_window("w").device("gpu:0")
    assert d.method == "power-sampling" and d.provenance == "sampled"
    true = fake.energy_j(0, d.details["t_first_s"], d.details["t_last_s"])
    err = abs(d.energy.m_as("J") - true)
    assert err <= d.uncertainty.m_as("J")
    # the integration term alone (without the 5 % sensor gain) also holds on these traces
    assert err <= d.uncertainty.m_as("J") - 0.05 * d.energy.m_as("J") + 1e-9


def test_sampler_thread_in_real_time() -> None:
    """The thread samples in real time until it has read enough, however busy the machine.
    The trace is a ramp, on which the trapezoid is exact whatever the gaps (but at its one
    kink), so a delayed thread does not push the error past the bound; steps against the
    sampling interval are tested on the manual clock above."""
    fake = FakeNVML([PowerTrace([0.0, 0.8], [50.0, 250.0])], counter=False)
    mon = Monitor(nvml=fake, cpu=None, memory=None, interval=0.01)
    try:
        mon.begin_window("w")
        before = fake.calls.get("nvmlDeviceGetFieldValues", 0)
        deadline = time.monotonic() + 60.0
        while (fake.now_s() < 0.8 or fake.calls.get("nvmlDeviceGetFieldValues", 0) - before
               <= 10) and time.monotonic() < deadline:
            time.sleep(0.02)
        d = mon.end_window("w").device("gpu:0")
    finally:
        mon.close()
    assert d.details["reads"] > 10  # the thread sampled between the edges
    true = fake.energy_j(0, d.details["t_first_s"], d.details["t_last_s"])
    assert abs(d.energy.m_as("J") - true) <= d.uncertainty.m_as("J")


def test_averaged_power_is_flagged_and_bound_widened(clock: ManualClock) -> None:
    fake = FakeNVML([PowerTrace.constant(100.0)], clock=clock, counter=False,
                    instant_power=False, power_average_s=1.0)
    mon = _mon(fake, clock)
    mon.begin_window("w")
    for _ in range(50):
        clock.advance(0.1)
        mon.poll()
    d = mon.end_window("w").device("gpu:0")
    assert "averaged_power" in d.flags
    assert d.uncertainty.m_as("J") >= 2 * 1.0 * 100.0


def test_pre_volta_uses_sampling(clock: ManualClock) -> None:
    fake = FakeNVML([PowerTrace.constant(100.0)], clock=clock,
                    architecture=pynvml.NVML_DEVICE_ARCH_PASCAL)
    mon = _mon(fake, clock)
    assert mon.probes[0].method == "power-sampling"


# --- failures ---------------------------------------------------------------------------
def test_gpu_lost_mid_window_gives_partial_record_and_loop_continues(clock: ManualClock) -> None:
    fake = FakeNVML([PowerTrace.constant(200.0)], clock=clock)
    fake.lose_gpu(0, at_s=3.0)
    mon = _mon(fake, clock)
    mon.begin_window("train")
    losses = []
    for step in range(60):  # the "training loop": 6 s of 0.1 s steps
        clock.advance(0.1)
        mon.poll()
        losses.append(1.0 / (step + 1))
    m = mon.end_window("train")
    d = m.device("gpu:0")
    assert len(losses) == 60
    assert {"gpu_lost", "partial"} <= set(d.flags) and not d.complete and not m.complete
    assert d.energy.m_as("J") == pytest.approx(fake.energy_j(0, 0.0, 2.9), abs=1e-3)
    assert "lost" in (d.reason or "")
    # a later window on the lost GPU is unknown, never zero
    mon.begin_window("after")
    clock.advance(1.0)
    after = mon.end_window("after").device("gpu:0")
    assert after.energy is None and after.reason


def _wait_for_calls(fake: FakeNVML, function: str, more: int, *, at_least_s: float = 0.0
                    ) -> None:
    """Sleep until the sampler thread has called ``function`` ``more`` times more (and the
    fake's trace time has moved ``at_least_s``): the thread's progress, not a fixed sleep
    that a busy machine could outrun."""
    start, t0 = fake.calls.get(function, 0), fake.now_s()
    deadline = time.monotonic() + 60.0
    while (fake.calls.get(function, 0) - start < more or fake.now_s() - t0 < at_least_s):
        assert time.monotonic() < deadline, f"the sampler made no {function} calls in 60 s"
        time.sleep(0.01)


def test_gpu_lost_with_sampler_thread() -> None:
    fake = FakeNVML([PowerTrace.constant(200.0)])
    mon = Monitor(nvml=fake, cpu=None, memory=None, interval=0.01)
    counter = "nvmlDeviceGetTotalEnergyConsumption"
    try:
        mon.begin_window("w")
        _wait_for_calls(fake, counter, 3, at_least_s=0.25)  # past two counter updates
        fake.lose_gpu(0, at_s=fake.now_s())
        _wait_for_calls(fake, counter, 1)  # the thread has met the lost GPU
        d = mon.end_window("w").device("gpu:0")
    finally:
        mon.close()
    assert "gpu_lost" in d.flags and d.energy is not None and d.energy.m_as("J") > 0


def test_library_not_found_gives_cpu_only_path(tmp_path: Any) -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)], library_found=False)
    mon = Monitor.auto(nvml=fake, idle_seconds=0.0, rapl_root=tmp_path / "none", memory=None,
                       attribution="host")
    try:
        assert [p.kind for p in mon.probes] == ["cpu"]
        assert any("no GPU probe" in n and "library" in n.lower() for n in mon.notes)
        with mon.window("w") as w:
            time.sleep(0.05)  # several kernel ticks, so utilisation is known
    finally:
        mon.close()
    assert w.measurement is not None and w.measurement.device("cpu").provenance == "estimated"


def test_library_not_found_with_explicit_gpus_raises() -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)], library_found=False)
    with pytest.raises(NVMLUnavailableError) as info:
        Monitor(gpus=[0], nvml=fake, cpu=None, memory=None)
    assert isinstance(info.value.__cause__, pynvml.NVMLError_LibraryNotFound)


def test_mig_and_shared_gpu_are_flagged(clock: ManualClock) -> None:
    fake = FakeNVML([PowerTrace.constant(100.0)], clock=clock, mig=True,
                    processes=[[os.getpid(), 424242]])
    mon = _mon(fake, clock)
    mon.begin_window("w")
    clock.advance(1.0)
    d = mon.end_window("w").device("gpu:0")
    assert {"mig", "shared_gpu"} <= set(d.flags)
    assert d.details["other_pids"] == [424242]


def test_read_errors_are_flagged_not_fatal(clock: ManualClock) -> None:
    fake = FakeNVML([PowerTrace.constant(100.0)], clock=clock)
    mon = _mon(fake, clock)
    mon.begin_window("w")
    fake.inject("nvmlDeviceGetTotalEnergyConsumption", pynvml.NVML_ERROR_UNKNOWN, count=2)
    clock.advance(0.5)
    mon.poll()
    clock.advance(0.5)
    mon.poll()
    clock.advance(0.5)
    d = mon.end_window("w").device("gpu:0")
    assert "read_error" in d.flags
    assert d.energy.m_as("J") == pytest.approx(150.0, abs=1e-3)


def test_cuda_mapping_by_uuid_from_environment(monkeypatch: Any, clock: ManualClock) -> None:
    uuids = ["GPU-aaaaaaaa-0000-4000-8000-000000000000", "GPU-bbbbbbbb-0000-4000-8000-000000000000"]
    fake = FakeNVML([PowerTrace.constant(100.0), PowerTrace.constant(300.0)], clock=clock,
                    uuids=uuids)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", uuids[1])
    mon = _mon(fake, clock)
    assert [p.key for p in mon.probes] == ["gpu:0"]
    mon.begin_window("w")
    clock.advance(1.0)
    assert mon.end_window("w").device("gpu:0").energy.m_as("J") == pytest.approx(300.0)


def test_integer_visible_devices_flag_assumed_order(monkeypatch: Any, clock: ManualClock) -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)] * 2, clock=clock)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")
    monkeypatch.delenv("CUDA_DEVICE_ORDER", raising=False)
    mon = _mon(fake, clock)
    mon.begin_window("w")
    clock.advance(1.0)
    assert "cuda_index_assumed" in mon.end_window("w").device("gpu:0").flags


# --- translation and bindings -------------------------------------------------------------
@pytest.mark.parametrize(("code", "cls"), [
    (12, NVMLUnavailableError), (9, NVMLUnavailableError), (15, GPULostError),
    (3, NotSupportedError), (4, ProbePermissionError), (999, MeasureError),
])
def test_every_nvml_error_is_translated(code: int, cls: type[Exception]) -> None:
    err = translate_nvml(pynvml.NVMLError(code), "gpu:0.energy")
    assert type(err) is cls and "gpu:0.energy" in str(err) and str(code) in str(err)


@pytest.mark.parametrize("top_level, files", [("pynvml\n", []), (None, ["pynvml.py"]),
                                               (None, ["pynvml/__init__.py"])])
def test_deprecated_pynvml_distribution_is_refused(monkeypatch: Any, top_level: str | None,
                                                   files: list[str]) -> None:
    from pathlib import PurePosixPath

    deprecated = SimpleNamespace(read_text=lambda name: top_level,
                                 files=[PurePosixPath(f) for f in files])
    real = md.distribution
    monkeypatch.setattr(md, "distribution",
                        lambda name: deprecated if name == "pynvml" else real(name))
    with pytest.raises(NVMLBindingError, match="nvidia-ml-py"):
        load_pynvml()


def test_old_package_bindings_are_refused(monkeypatch: Any) -> None:
    spec = SimpleNamespace(origin="/site-packages/pynvml/__init__.py")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(NVMLBindingError, match="pip install"):
        load_pynvml()


def test_too_old_nvidia_ml_py_is_refused(monkeypatch: Any) -> None:
    monkeypatch.setattr(md, "version", lambda name: "11.450.51")
    with pytest.raises(NVMLBindingError, match="too old"):
        load_pynvml()


def test_installed_bindings_are_accepted() -> None:
    assert load_pynvml() is pynvml
