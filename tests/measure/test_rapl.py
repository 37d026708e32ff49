"""RAPL through a fake sysfs tree: parsing, DRAM, wrap-around, permissions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from measure import ManualClock, Monitor, ProbePermissionError, _rapl, rapl_probes


def _zone(path: Path, name: str, energy_uj: int, max_uj: int = 262_143_328_850) -> Path:
    path.mkdir(parents=True)
    (path / "name").write_text(name + "\n")
    (path / "energy_uj").write_text(f"{energy_uj}\n")
    (path / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return path


@pytest.fixture
def sysfs(tmp_path: Path) -> Path:
    root = tmp_path / "powercap"
    pkg = _zone(root / "intel-rapl:0", "package-0", 1_000_000)
    _zone(pkg / "intel-rapl:0:0", "core", 500_000)
    _zone(pkg / "intel-rapl:0:1", "dram", 2_000_000)
    _zone(root / "intel-rapl:1", "package-1", 9_000_000, max_uj=10_000_000)
    _zone(root / "intel-rapl:2", "psys", 0)
    return root


def _set(root: Path, zone: str, uj: int) -> None:
    (root / zone / "energy_uj").write_text(f"{uj}\n")


def test_zones_are_parsed_without_double_counting(sysfs: Path) -> None:
    keys = [p.key for p in rapl_probes(sysfs)]
    assert keys == ["cpu:package-0", "dram:package-0", "cpu:package-1"]  # no core, no psys


def test_absent_rapl_is_empty(tmp_path: Path) -> None:
    assert rapl_probes(tmp_path / "missing") == []


def test_energy_and_wrap(sysfs: Path) -> None:
    clock = ManualClock()
    mon = Monitor(gpus=None, cpu="rapl", memory="rapl", rapl_root=sysfs, clock=clock,
                  interval=None)
    mon.begin_window("w")
    clock.advance(1.0)
    _set(sysfs, "intel-rapl:0", 31_000_000)  # +30 J
    _set(sysfs, "intel-rapl:0/intel-rapl:0:1", 7_000_000)  # +5 J
    _set(sysfs, "intel-rapl:1", 1_000_000)  # wrapped: 10 J range - 9 J + 1 J = +2 J
    m = mon.end_window("w")
    assert m.device("cpu:package-0").energy.m_as("J") == pytest.approx(30.0)
    assert m.device("dram:package-0").energy.m_as("J") == pytest.approx(5.0)
    pkg1 = m.device("cpu:package-1")
    assert pkg1.energy.m_as("J") == pytest.approx(2.0) and "counter_wrap" in pkg1.flags
    assert all(d.provenance == "measured" for d in m.devices)
    assert m.total_energy.m_as("J") == pytest.approx(37.0)


def test_several_wraps_are_unwrapped_when_polled(sysfs: Path) -> None:
    clock = ManualClock()
    mon = Monitor(gpus=None, cpu="rapl", memory=None, rapl_root=sysfs, clock=clock,
                  interval=None)
    mon.begin_window("w")
    value = 9_000_000
    for _ in range(5):  # +4 J per poll on a 10 J range
        value = (value + 4_000_000) % 10_000_000
        _set(sysfs, "intel-rapl:1", value)
        clock.advance(0.1)
        mon.poll()
    assert mon.end_window("w").device("cpu:package-1").energy.m_as("J") == pytest.approx(20.0)


def test_permission_denied_names_the_fix(sysfs: Path, monkeypatch: Any) -> None:
    real = _rapl._read_text

    def denied(path: Path) -> str:
        if path.name == "energy_uj":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(_rapl, "_read_text", denied)
    with pytest.raises(ProbePermissionError, match="chmod") as info:
        rapl_probes(sysfs)
    assert isinstance(info.value.__cause__, PermissionError)
    # auto mode falls back to the estimate and says why
    mon = Monitor(gpus=None, cpu="auto", memory="auto", rapl_root=sysfs)
    assert [p.method for p in mon.probes] == ["tdp-estimate", "per-gb-estimate"]
    assert any("permission" in n for n in mon.notes)
    mon.close()
