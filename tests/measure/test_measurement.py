"""Measurement records: totals, labels, jobs, serialisation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon import Q_, Facility, InvalidValueError, System, UnknownKeyError, asc_e
from measure import DeviceEnergy, Measurement

T0 = datetime(2024, 3, 1, 12, tzinfo=UTC)


def _dev(key: str, kind: str, energy: float | None, *, prov: str = "measured",
         idle: float | None = None, unc: float | None = 1.0) -> DeviceEnergy:
    return DeviceEnergy(
        key=key, kind=kind, name=key, method="counter", source=f"src {key}",
        energy=None if energy is None else Q_(energy, "J"),
        provenance=None if energy is None else prov,
        uncertainty=None if unc is None or energy is None else Q_(unc, "J"),
        idle=None if idle is None else Q_(idle, "J"),
        dynamic=None if idle is None or energy is None else Q_(energy - idle, "J"),
        reason=None if energy is not None else "lost")


def _m(*devices: DeviceEnergy, seconds: float = 100.0) -> Measurement:
    return Measurement(name="w", start=T0, duration=Q_(seconds, "s"), devices=devices)


def test_unknown_is_never_zero() -> None:
    m = _m(_dev("gpu:0", "gpu", 100.0), _dev("gpu:1", "gpu", None))
    assert m.total_energy is None and m.unknown_devices == ("gpu:1",)
    assert m.known_energy.m_as("J") == 100.0
    with pytest.raises(InvalidValueError, match="reason"):
        DeviceEnergy(key="x", kind="gpu", name="x", method="none", energy=None,
                     provenance=None, source="s")


def test_to_job_dynamic_and_total(box: System) -> None:
    m = _m(_dev("gpu:0", "gpu", 3.6e6, idle=1.8e6), _dev("cpu", "cpu", 3.6e6, idle=0.0,
                                                         prov="estimated", unc=None))
    dyn = m.to_job("j", box)
    tot = m.to_job("j", box, charge="total")
    assert len(dyn.energy) == 1  # one system: one row, embodied counted once
    assert dyn.energy[0].energy.m_as("kWh") == pytest.approx(1.5)
    assert tot.energy[0].energy.m_as("kWh") == pytest.approx(2.0)
    assert str(dyn.energy[0].provenance) == "estimated"  # the weakest label wins
    assert dyn.energy[0].uncertainty is None  # one unknown uncertainty makes the sum unknown
    assert dyn.start == T0 and dyn.duration.m_as("s") == 100.0
    assert dyn.meta["measurement"]["charge"] == "dynamic"
    assert asc_e(tot).jsc.m_as("gCO2e") == pytest.approx(2.0 * 1.2 * 400)


def test_to_job_systems_by_key_and_kind(box: System) -> None:
    other = System(name="gpu box", embodied="500 kgCO2e", lifetime="5 year",
                   facility=Facility(name="dc", pue=1.1, mix="100 gCO2e/kWh"))
    m = _m(_dev("gpu:0", "gpu", 10.0), _dev("gpu:1", "gpu", 20.0), _dev("cpu", "cpu", 5.0))
    job = m.to_job("j", {"gpu": other, "cpu": box}, charge="total")
    assert sorted(u.energy.m_as("J") for u in job.energy) == pytest.approx([5.0, 30.0])
    with pytest.raises(UnknownKeyError, match="cpu"):
        m.to_job("j", {"gpu": other}, charge="total")


def test_to_job_refuses_unknown_unless_skipped(box: System) -> None:
    m = _m(_dev("gpu:0", "gpu", 10.0), _dev("gpu:1", "gpu", None))
    with pytest.raises(InvalidValueError, match="lost"):
        m.to_job("j", box, charge="total")
    job = m.to_job("j", box, charge="total", skip_unknown=True)
    assert job.meta["measurement"]["skipped"] == {"gpu:1": "lost"}
    with pytest.raises(InvalidValueError, match="idle"):
        _m(_dev("gpu:0", "gpu", 10.0)).to_job("j", box)  # no idle baseline: dynamic unknown


def test_to_job_passes_job_fields(box: System) -> None:
    job = _m(_dev("cpu", "cpu", 1.0, idle=0.0)).to_job("j", box, meta={"team": "x"},
                                                        id="fixed")
    assert job.id == "fixed" and job.meta["team"] == "x" and "measurement" in job.meta


def test_zero_length_window_cannot_be_a_job(box: System) -> None:
    with pytest.raises(InvalidValueError, match="duration"):
        _m(_dev("cpu", "cpu", 1.0, idle=0.0), seconds=0.0).to_job("j", box)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(0, 1e9)), min_size=1, max_size=4),
       st.floats(1e-3, 1e7))
def test_dict_round_trip(energies: list[float | None], seconds: float) -> None:
    m = _m(*(_dev(f"gpu:{i}", "gpu", e) for i, e in enumerate(energies)), seconds=seconds)
    back = Measurement.from_dict(m.to_dict())
    assert back.to_dict() == m.to_dict()
    assert (back.total_energy is None) == (m.total_energy is None)


def test_naive_start_is_refused() -> None:
    with pytest.raises(InvalidValueError, match="UTC"):
        Measurement(name="w", start=datetime(2024, 1, 1), duration=Q_(1, "s"), devices=())


def test_end_is_start_plus_duration() -> None:
    m: Any = _m(_dev("cpu", "cpu", 1.0), seconds=90.5)
    assert (m.end - m.start).total_seconds() == 90.5
