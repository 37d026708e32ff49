"""Power limits: watts at the boundary, constraints checked, old limit restored, errors ours."""

from __future__ import annotations

import pytest

from carbon import Q_, InvalidValueError
from measure import (
    FakeNVML,
    PowerTrace,
    ProbePermissionError,
    power_limited,
    power_limits,
    set_power_limit,
)


def test_read_limits_in_watts() -> None:
    lim = power_limits(FakeNVML([PowerTrace.constant(1.0)], power_limit_w=350.0,
                                power_limit_range_w=(150.0, 400.0)), 0)
    assert (lim.current, lim.default, lim.low, lim.high) == (
        Q_(350.0, "W"), Q_(350.0, "W"), Q_(150.0, "W"), Q_(400.0, "W"))


def test_set_returns_before_and_balances_init() -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)])
    before = set_power_limit(fake, 0, Q_(0.3, "kW"))
    assert before.current == Q_(700.0, "W") and fake.power_limit_w(0) == 300.0
    assert fake._initialised == 0  # every nvmlInit has its nvmlShutdown


def test_out_of_range_refused_before_nvml() -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)])
    with pytest.raises(InvalidValueError, match=r"\[200, 700\] W"):
        set_power_limit(fake, 0, "150 W")
    assert "nvmlDeviceSetPowerManagementLimit" not in fake.calls


def test_bare_number_refused() -> None:
    from carbon import UnitMismatchError

    with pytest.raises(UnitMismatchError):
        set_power_limit(FakeNVML([PowerTrace.constant(1.0)]), 0, 300)


def test_restored_when_block_raises() -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)])
    with pytest.raises(RuntimeError), power_limited(fake, 0, "250 W"):
        assert fake.power_limit_w(0) == 250.0
        raise RuntimeError("job failed")
    assert fake.power_limit_w(0) == 700.0


def test_no_permission_translated() -> None:
    fake = FakeNVML([PowerTrace.constant(1.0)], power_limit_settable=False)
    with pytest.raises(ProbePermissionError) as info:
        set_power_limit(fake, 0, "300 W")
    assert info.value.__cause__ is not None
