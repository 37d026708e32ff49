"""The fake's power-limit calls are faithful: real signatures, mW integers, real error codes."""

from __future__ import annotations

import inspect

import pytest

from measure import FakeNVML, PowerTrace
from measure._fake_power import POWER_API

pynvml = pytest.importorskip("pynvml")


@pytest.mark.parametrize("name", POWER_API)
def test_signature_matches_installed_pynvml(name: str) -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)])
    real = inspect.signature(getattr(pynvml, name))
    mine = inspect.signature(getattr(fake, name))
    assert [p.name for p in mine.parameters.values()] == [p.name for p in real.parameters.values()]
    assert [p.kind for p in mine.parameters.values()] == [p.kind for p in real.parameters.values()]


def test_limits_in_milliwatts_and_set() -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)] * 2, power_limit_w=400.0,
                    power_limit_range_w=(100.0, 450.0))
    fake.nvmlInit()
    h = fake.nvmlDeviceGetHandleByIndex(1)
    assert fake.nvmlDeviceGetPowerManagementLimit(h) == 400_000
    assert fake.nvmlDeviceGetPowerManagementDefaultLimit(h) == 400_000
    assert fake.nvmlDeviceGetPowerManagementLimitConstraints(h) == [100_000, 450_000]
    fake.nvmlDeviceSetPowerManagementLimit(h, 250_000)
    assert fake.power_limit_w(1) == 250.0 and fake.power_limit_w(0) == 400.0


@pytest.mark.parametrize(("kw", "limit", "cls"), [
    ({}, 50_000, "NVMLError_InvalidArgument"),
    ({"power_limit_settable": False}, 300_000, "NVMLError_NoPermission"),
])
def test_set_errors_are_pynvml_classes(kw: dict[str, bool], limit: int, cls: str) -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)], **kw)
    fake.nvmlInit()
    with pytest.raises(getattr(pynvml, cls)):
        fake.nvmlDeviceSetPowerManagementLimit(fake.nvmlDeviceGetHandleByIndex(0), limit)
    assert fake.power_limit_w(0) == 700.0


def test_injection_and_uninitialised() -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)])
    with pytest.raises(pynvml.NVMLError_Uninitialized):
        fake.nvmlDeviceGetPowerManagementLimit(None)
    fake.nvmlInit()
    fake.inject("nvmlDeviceGetPowerManagementLimit", 3)
    with pytest.raises(pynvml.NVMLError_NotSupported):
        fake.nvmlDeviceGetPowerManagementLimit(fake.nvmlDeviceGetHandleByIndex(0))
