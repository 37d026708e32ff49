"""carbon._instruments: contractual instruments and the residual mix, the market-based Scope 2
arithmetic (WRI 2015, GHG Protocol Scope 2 Guidance)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import carbon
from carbon import Q_, ContractualInstrument, InvalidValueError, market_based


def test_instruments_in_order_then_the_residual_mix() -> None:
    ppa = ContractualInstrument("PPA", "0 gCO2e/kWh", "6 kWh", source="wind PPA",
                                period="2026")
    eac = ContractualInstrument("EAC", "10 gCO2e/kWh", 0.5, source="GoO")
    m = market_based(10.0, [ppa, eac], "500 gCO2e/kWh")
    # the PPA covers 6 kWh; the EAC could cover half of 10 but only 4 are left
    assert m.market_g == pytest.approx(6 * 0 + 4 * 10)
    assert (m.covered_kwh, m.residual_kwh) == (10.0, 0.0)
    assert m.remaining[0].covered.m == 0.0 and m.remaining[1].share == 0.5
    assert len(m.notes) == 2


def test_uncovered_energy_needs_a_residual_mix() -> None:
    ppa = ContractualInstrument("PPA", "0 gCO2e/kWh", "6 kWh", source="wind PPA")
    with pytest.raises(InvalidValueError, match="residual_mix") as e:
        market_based(10.0, [ppa])
    assert "4 kWh" in str(e.value)
    assert market_based(6.0, [ppa]).market_g == 0.0  # all covered: none needed
    with pytest.raises(InvalidValueError, match=r"instruments\[0\]"):
        market_based(1.0, ["PPA"], "1 gCO2e/kWh")  # type: ignore[list-item]


@pytest.mark.parametrize("kw", [{"kind": "offset"}, {"covered": 0.0}, {"covered": 1.5},
                                {"covered": True}, {"covered": "6 kg"}, {"source": " "},
                                {"factor": "3 kWh"}, {"period": ""}])
def test_an_instrument_is_validated(kw: dict[str, object]) -> None:
    args: dict[str, object] = {"kind": "EAC", "factor": "0 gCO2e/kWh", "covered": "1 MWh",
                               "source": "registry", **kw}
    with pytest.raises(carbon.ModelCarbonError):
        ContractualInstrument(**args)  # type: ignore[arg-type]


def test_a_volume_is_stored_in_kwh_and_a_share_as_a_number() -> None:
    v = ContractualInstrument("PPA", Q_(0.02, "kgCO2e/kWh"), Q_(2, "MWh"), source="PPA")
    assert v.covered.m_as("kWh") == 2000 and v.share is None and v.factor.m == 20.0
    assert v.covers_kwh(10.0) == 2000.0
    s = ContractualInstrument("green_tariff", "0 gCO2e/kWh", 1, source="tariff")
    assert s.share == 1.0 and s.covers_kwh(10.0) == 10.0


@example(kwh=10.0, volume=6.0, share=0.5, f1=0.0, f2=10.0, residual=500.0)
@example(kwh=0.0, volume=1.0, share=1.0, f1=0.0, f2=0.0, residual=1.0)
@given(kwh=st.floats(0, 1e9), volume=st.floats(0, 1e9), share=st.floats(1e-6, 1.0),
       f1=st.floats(0, 1e3), f2=st.floats(0, 1e3), residual=st.floats(0, 1e3))
def test_energy_is_conserved_and_the_figure_lies_between_the_factors(
        kwh: float, volume: float, share: float, f1: float, f2: float,
        residual: float) -> None:
    a = ContractualInstrument("PPA", Q_(f1, "gCO2e/kWh"), Q_(volume, "kWh"), source="a")
    b = ContractualInstrument("EAC", Q_(f2, "gCO2e/kWh"), share, source="b")
    m = market_based(kwh, [a, b], Q_(residual, "gCO2e/kWh"))
    assert m.covered_kwh + m.residual_kwh == pytest.approx(kwh, rel=1e-12, abs=1e-6)
    lo, hi = min(f1, f2, residual), max(f1, f2, residual)
    assert lo * kwh * (1 - 1e-9) - 1e-6 <= m.market_g <= hi * kwh * (1 + 1e-9) + 1e-6
    # the oracle: the volume first, then the share of the whole, then the residual
    first = min(kwh, volume)
    second = min(kwh - first, share * kwh)
    oracle = first * f1 + second * f2 + (kwh - first - second) * residual
    assert m.market_g == pytest.approx(oracle, rel=1e-9, abs=1e-3)
