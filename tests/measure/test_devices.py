"""measure._devices: which probes a monitor builds, and its sleeping sampler."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from carbon import InvalidValueError
from measure import FakeNVML, ManualClock, MeasureError, NVMLUnavailableError, PowerTrace
from measure._devices import gpu_probe_set, host_probes, sampler
from measure._process import ProcessTree


def _tree() -> ProcessTree:
    return ProcessTree()


@pytest.mark.parametrize(("attribution", "kinds"), [
    ("process", {"ProcessCpuProbe", "ProcessRamProbe"}),
    ("host", {"CpuEstimateProbe", "RamEstimateProbe"}),
])
def test_estimates_follow_the_attribution(tmp_path: Path, attribution: str,
                                          kinds: set[str]) -> None:
    notes: list[str] = []
    probes = host_probes("auto", "auto", tmp_path, "/proc", None, attribution,  # type: ignore[arg-type]
                         _tree, notes)
    assert {type(p).__name__ for p in probes} == kinds
    assert any("no RAPL" in n for n in notes)  # said, never silent


def test_rapl_asked_for_but_absent_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MeasureError, match="cpu='estimate'"):
        host_probes("rapl", None, tmp_path, "/proc", None, "process", _tree, [])
    with pytest.raises(InvalidValueError, match="memory"):
        host_probes(None, "lots", tmp_path, "/proc", None, "process", _tree, [])


def test_gpu_probe_set() -> None:
    assert gpu_probe_set(None, None, lambda: 0.0, []) == (None, [])
    with pytest.raises(InvalidValueError, match="gpus"):
        gpu_probe_set("all", None, lambda: 0.0, [])  # type: ignore[arg-type]
    clock = ManualClock()
    fake = FakeNVML([PowerTrace.constant(50.0), PowerTrace.constant(60.0)], clock=clock)
    module, probes = gpu_probe_set("auto", fake, lambda: clock.monotonic_ns() / 1e9, [])
    assert module is fake and [p.key for p in probes] == ["gpu:0", "gpu:1"]


def test_no_nvml_is_a_note_with_auto_and_an_error_when_asked_for() -> None:
    pynvml = pytest.importorskip("pynvml")

    class Missing:  # what nvmlInit does on a machine without the NVIDIA driver
        NVMLError = pynvml.NVMLError

        def nvmlInit(self) -> None:
            raise pynvml.NVMLError_LibraryNotFound()

    notes: list[str] = []
    assert gpu_probe_set("auto", Missing(), lambda: 0.0, notes) == (None, [])
    assert notes and notes[0].startswith("no GPU probe")
    with pytest.raises(NVMLUnavailableError):
        gpu_probe_set([0], Missing(), lambda: 0.0, [])


def test_sampler_polls_until_stopped_and_keeps_errors() -> None:
    polled = threading.Event()

    class Probe:
        key = "x"
        calls = 0

        def poll(self, t: float) -> None:
            Probe.calls += 1
            polled.set()
            raise RuntimeError("sensor hiccup")

    stop, errors = threading.Event(), []  # type: ignore[var-annotated]
    th = threading.Thread(target=sampler, args=(stop, threading.RLock(), [Probe()], 0.001,
                                                 lambda: 0.0, errors))
    th.start()
    assert polled.wait(30)
    stop.set()
    th.join(30)
    assert not th.is_alive() and Probe.calls >= 1
    assert errors and "sensor hiccup" in errors[0]
