"""tools/gpu_check: the no-GPU path (a clear message, exit 2) and the power-only NVML view."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from measure import FakeNVML, ManualClock, Monitor, PowerTrace
from tools.gpu_check import NoGpuError, PowerOnly, main, require_gpu

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "gpu_check.sh"


def _has_gpu() -> bool:
    try:
        require_gpu()
    except NoGpuError:
        return False
    return True


no_gpu = pytest.mark.skipif(_has_gpu(), reason="this machine has a usable NVIDIA GPU")


@no_gpu
def test_main_without_gpu_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gpu_check: no usable NVIDIA GPU here: ")
    assert "torch" in err or "NVML" in err


def test_without_torch_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    with pytest.raises(NoGpuError, match="torch is not installed"):
        require_gpu()


def test_power_only_view_makes_the_monitor_sample() -> None:
    clock = ManualClock()
    fake = FakeNVML([PowerTrace.constant(200.0)], clock=clock)
    with Monitor(gpus=[0], nvml=fake, cpu=None, memory=None, clock=clock,
                 interval=None) as counter:
        assert counter.devices[0]["method"] == "counter"
    with Monitor(gpus=[0], nvml=PowerOnly(fake), cpu=None, memory=None, clock=clock,
                 interval=None) as mon:
        assert mon.devices[0]["method"] == "power-sampling"
        mon.begin_window("w")
        for _ in range(10):
            clock.advance(0.1)
            mon.poll()
        d = mon.end_window("w").device("gpu:0")
    assert d.provenance == "sampled" and d.energy is not None
    assert d.energy.m_as("J") == pytest.approx(200.0)


def test_shell_script_is_executable_strict_bash() -> None:
    assert SCRIPT.stat().st_mode & stat.S_IXUSR
    text = SCRIPT.read_text()
    assert text.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in text
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


@no_gpu
@pytest.mark.slow
def test_shell_script_without_gpu_exits_2() -> None:
    """The whole script on this interpreter (nothing installed): the GPU tests skip, the
    Python part says there is no GPU, the script exits 2."""
    env = {**os.environ, "GPU_CHECK_VENV": "none", "GPU_CHECK_PYTHON": sys.executable}
    r = subprocess.run(["bash", str(SCRIPT)], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "real-GPU tests" in r.stdout and "skipped" in r.stdout
    assert "no usable NVIDIA GPU here" in r.stderr
