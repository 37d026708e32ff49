"""Number formatting: zero, tiny, huge, negative, NaN and inf; the unit that reads best; a
printed amount that reads back as the amount to its three significant digits."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from assess.datasheet._format import (
    PROVENANCE_ORDER,
    carbon_unit,
    fmt_bytes,
    fmt_carbon,
    fmt_count,
    fmt_energy,
    fmt_epc,
    fmt_figure,
    fmt_g,
    fmt_num,
    fmt_range,
    fmt_share,
    fmt_uncertainty,
)
from assess.datasheet._model import CarbonFigure, Datasheet
from carbon import Q_

GRAMS = {"tCO2e": 1e6, "kgCO2e": 1e3, "gCO2e": 1.0, "mgCO2e": 1e-3, "µgCO2e": 1e-6,
         "ngCO2e": 1e-9}
KWH = {"MWh": 1e3, "kWh": 1.0, "Wh": 1e-3, "kJ": 1e3 / 3.6e6, "J": 1 / 3.6e6,
       "mJ": 1e-3 / 3.6e6, "µJ": 1e-6 / 3.6e6, "nJ": 1e-9 / 3.6e6}


def read_back(text: str, units: dict[str, float]) -> float:
    number, unit = text.rsplit(" ", 1)
    return float(number.replace(",", "")) * units[unit]


@pytest.mark.parametrize(("x", "text"), [
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (0.5, "0.5"), (1234.5, "1,234"),
    (0.000123456, "0.000123"), (0.0000123, "1.23e-05"), (123456789.0, "123,456,789"),
    (1e9, "1.00e+09"), (-2.5, "-2.5"), (float("inf"), "inf"), (float("nan"), "nan"),
    (100.0, "100"), (0.1 + 0.2, "0.3"),
])
def test_fmt_num_edges(x: float, text: str) -> None:
    assert fmt_num(x) == text


@pytest.mark.parametrize(("grams", "text"), [
    (0.0, "0 gCO2e"), (1.0, "1 gCO2e"), (1234.5, "1.23 kgCO2e"), (0.000321, "321 µgCO2e"),
    (2.5e6, "2.5 tCO2e"), (1e15, "1.00e+09 tCO2e"), (1e-15, "1.00e-06 ngCO2e"),
    (-1500.0, "-1.5 kgCO2e"), (float("inf"), "inf gCO2e"), (999.0, "999 gCO2e"),
])
def test_fmt_g_picks_the_unit_that_reads_best(grams: float, text: str) -> None:
    assert fmt_g(grams) == text
    assert fmt_carbon(Q_(grams, "gCO2e")) == text


def test_a_nan_amount_prints_as_nan() -> None:
    assert fmt_g(float("nan")).startswith("nan ")


def test_a_nan_amount_keeps_the_base_unit() -> None:
    # bug: _scaled compared NaN with every factor, failed each, and printed 'nan ngCO2e'
    assert fmt_g(float("nan")) == "nan gCO2e"


@given(x=st.floats(min_value=1e-12, max_value=1e14))
@example(x=999.95)  # rounds up to 1,000 gCO2e: still reads back as the amount
@example(x=1e6)
@example(x=0.001)
def test_a_printed_carbon_amount_reads_back(x: float) -> None:
    for sign in (1, -1):
        got = read_back(fmt_g(sign * x), GRAMS)
        assert math.isclose(got, sign * x, rel_tol=5e-3)


@given(kwh=st.floats(min_value=1e-9, max_value=1e7))
def test_a_printed_energy_reads_back(kwh: float) -> None:
    text = fmt_energy(Q_(kwh, "kWh"))
    assert math.isclose(read_back(text, KWH), kwh, rel_tol=5e-3)


@pytest.mark.parametrize(("q", "text"), [
    (Q_(0, "kWh"), "0 kWh"), (Q_(1, "J"), "1 J"), (Q_(2.5, "Wh"), "2.5 Wh"),
    (Q_(3.6, "MJ"), "1 kWh"), (Q_(2, "GWh"), "2,000 MWh"), (Q_(2, "kJ"), "2 kJ"),
    (Q_(7.78e-6, "J"), "7.78 µJ"), (Q_(0.25, "J"), "250 mJ"), (Q_(3e-9, "J"), "3 nJ"),
])
def test_fmt_energy_edges(q: object, text: str) -> None:
    assert fmt_energy(q) == text


@pytest.mark.parametrize(("n", "text"), [
    (0, "0 B"), (999, "999 B"), (343_000, "343 kB"), (1.5e6, "1.5 MB"), (2e9, "2 GB"),
])
def test_fmt_bytes_in_si_units(n: float, text: str) -> None:
    # bug: sizes were printed as counts in words, '343 thousand B'
    assert fmt_bytes(n) == text


@pytest.mark.parametrize(("grams", "unit"), [
    (0.0, "gCO2e"), (35_000.0, "kgCO2e"), (0.004, "mgCO2e"), (999.0, "gCO2e"),
    (float("nan"), "gCO2e"), (1e-12, "ngCO2e"),
])
def test_carbon_unit_of_a_column(grams: float, unit: str) -> None:
    assert carbon_unit(grams)[1] == unit


@pytest.mark.parametrize(("n", "text"), [
    (0, "0"), (999, "999"), (1000, "1 thousand"), (2.5e9, "2.5 billion"),
    (1e6, "1 million"), (3e12, "3 trillion"), (-2e6, "-2 million"), (5e15, "5,000 trillion"),
])
def test_fmt_count_in_words(n: float, text: str) -> None:
    assert fmt_count(n) == text


@pytest.mark.parametrize(("share", "text"), [
    (None, "not set"), (0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %"), (1 / 3, "33.3 %"),
    (1e-7, "1.00e-05 %"),
])
def test_fmt_share(share: float | None, text: str) -> None:
    assert fmt_share(share) == text


def test_an_unknown_uncertainty_is_never_zero() -> None:
    assert fmt_uncertainty(None) == "uncertainty unknown"
    assert fmt_uncertainty(Q_(0, "gCO2e")) == "± 0 gCO2e"
    assert fmt_uncertainty(Q_(1500, "gCO2e")) == "± 1.5 kgCO2e"


def test_fmt_figure_shows_value_uncertainty_and_label() -> None:
    fig = CarbonFigure(value=Q_(1500, "gCO2e"), provenance="measured",
                       uncertainty=Q_(20, "gCO2e"))
    assert fmt_figure(fig) == "1.5 kgCO2e ± 20 gCO2e (measured)"
    bare = CarbonFigure(value=Q_(2, "gCO2e"), provenance="reported")
    assert fmt_figure(bare) == "2 gCO2e, uncertainty unknown (reported)"


def test_fmt_range_shows_a_range_or_says_unknown() -> None:
    assert fmt_range(Q_(12.3, "kgCO2e"), Q_(1.1, "kgCO2e")) == "12.3 kgCO2e ± 1.1 kgCO2e"
    assert fmt_range(Q_(12.3, "kgCO2e"), None) == "12.3 kgCO2e (uncertainty unknown)"
    assert fmt_range(Q_(5, "gCO2e"), Q_(0, "gCO2e"), "≥ 5 gCO2e") == "≥ 5 gCO2e ± 0 gCO2e"


def test_fmt_epc_marks_unknown_and_lower_bounds(datasheet: Datasheet) -> None:
    epc = datasheet.epc
    assert fmt_epc(epc) == fmt_carbon(epc.total.value)
    assert fmt_epc(epc.model_copy(update={"complete": False})) == (
        f"≥ {fmt_carbon(epc.total.value)}")
    unknown = epc.model_copy(update={"total": epc.total.model_copy(
        update={"provenance": "unknown"})})
    assert fmt_epc(unknown) == "unknown"


def test_provenance_order_is_strongest_first() -> None:
    assert PROVENANCE_ORDER == ("measured", "sampled", "estimated", "reported", "mixed")
