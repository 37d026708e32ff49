"""On a real NVIDIA GPU (skipped cleanly elsewhere): the probe against the hardware."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import pytest

from measure import MeasureError, Monitor, NVMLBindingError, NVMLUnavailableError, load_pynvml

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def nvml() -> Any:
    try:
        module = load_pynvml()
        module.nvmlInit()
    except (NVMLUnavailableError, NVMLBindingError) as e:
        pytest.skip(f"no NVIDIA GPU here: {e}")
    except Exception as e:  # the real library raising its own error without a driver
        pytest.skip(f"no NVIDIA GPU here: {e!r}")
    if module.nvmlDeviceGetCount() == 0:
        pytest.skip("NVML sees no GPU")
    yield module
    module.nvmlShutdown()


def test_real_gpu_window(nvml: Any) -> None:
    mon = Monitor.auto(cpu=None, memory=None, idle_seconds=1.0)
    try:
        assert mon.probes and all(p.kind == "gpu" for p in mon.probes)
        torch = pytest.importorskip("torch")
        with mon.window("matmul") as w:
            if torch.cuda.is_available():
                x = torch.randn(8192, 8192, device="cuda")
                for _ in range(50):
                    x = x @ x
                    x = x / x.norm()
            else:
                time.sleep(1.0)
        m = w.measurement
        assert m is not None
        d = m.device("gpu:0")
        assert d.energy is not None and d.energy.m_as("J") > 0
        assert d.provenance in ("measured", "sampled")
        assert d.idle_power is not None and d.idle_power.m_as("W") > 0
        assert d.uncertainty is not None
    finally:
        mon.close()


def test_real_gpu_sampling_agrees_with_counter(nvml: Any) -> None:
    from measure._gpu import GpuPowerProbe, gpu_probes
    probes = gpu_probes(nvml, [0], time.perf_counter)
    if probes[0].method != "counter":
        pytest.skip("no energy counter on this GPU")
    p = probes[0]
    sampled = GpuPowerProbe(p.nvml, p.handle, 0, p.name, p.uuid, time.perf_counter,  # type: ignore[attr-defined]
                            instant=True)
    for q in (p, sampled):
        q.poll(time.perf_counter())
    a = (p.snapshot(), sampled.snapshot())
    for _ in range(30):
        time.sleep(0.05)
        t = time.perf_counter()
        for q in (p, sampled):
            with contextlib.suppress(MeasureError):
                q.poll(t)
    b = (p.snapshot(), sampled.snapshot())
    c = p.result(a[0], b[0], 1.5, None)
    s = sampled.result(a[1], b[1], 1.5, None)
    assert c.energy is not None and s.energy is not None
    assert abs(c.energy.m_as("J") - s.energy.m_as("J")) <= (c.uncertainty.m_as("J")
                                                           + s.uncertainty.m_as("J"))
