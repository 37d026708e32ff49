"""The one registry: carbon as its own dimension, the 365-day year, unit errors."""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pint
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import carbon
from carbon import (
    CANONICAL,
    Q_,
    InvalidValueError,
    ModelCarbonError,
    UnitMismatchError,
    magnitude,
    quantity,
    ureg,
)


def test_carbon_is_not_mass() -> None:
    with pytest.raises(pint.DimensionalityError):
        _ = Q_(1, "gCO2e") + Q_(1, "g")
    assert Q_(1, "gCO2e").dimensionality != Q_(1, "g").dimensionality


@pytest.mark.parametrize(("unit", "grams"), [("gCO2e", 1), ("kgCO2e", 1e3), ("tCO2e", 1e6),
                                              ("mgCO2e", 1e-3), ("gCO2eq", 1)])
def test_carbon_units(unit: str, grams: float) -> None:
    assert Q_(1, unit).m_as("gCO2e") == pytest.approx(grams, rel=1e-15)


def test_year_is_365_days_and_julian_year_is_kept() -> None:
    assert Q_(1.0, "year").m_as("day") == 365.0
    assert Q_(1.0, "julian_year").m_as("day") == 365.25


def test_one_registry_everywhere() -> None:
    assert carbon.ureg is ureg
    assert carbon.jsc(Q_(1, "kWh"), intensity=Q_(1, "gCO2e/kWh"))._REGISTRY is ureg


def test_import_leaves_the_application_registry_alone() -> None:
    # a fresh interpreter: nothing else in the test session can have opted in
    code = ("import pint, carbon\n"
            "assert pint.get_application_registry().get() is not carbon.ureg\n"
            "print(pint.get_application_registry().Quantity(1, 'year').m_as('day'),"
            " carbon.Q_(1, 'year').m_as('day'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[2])
    assert [float(x) for x in out.stdout.split()] == [365.25, 365.0]
    assert pint.get_application_registry().Quantity(1, "year").m_as("day") == 365.25


def test_use_as_application_registry_is_an_opt_in() -> None:
    before = pint.get_application_registry().get()
    try:
        carbon.use_as_application_registry()
        assert pint.get_application_registry().get() is ureg
        assert pint.get_application_registry().Quantity(1, "year").m_as("day") == 365.0
    finally:
        pint.set_application_registry(before)
    assert pint.get_application_registry().get() is before


def test_quantities_of_another_registry_are_converted_by_their_meaning() -> None:
    theirs = pint.UnitRegistry()
    assert carbon.jsc(theirs.Quantity(1, "kWh"), intensity=Q_(400, "gCO2e/kWh")).m_as(
        "gCO2e") == pytest.approx(400)
    assert magnitude(theirs.Quantity(1, "year"), "day", "lifetime") == pytest.approx(365.25)
    assert magnitude(theirs.Quantity(3.6, "MJ"), "kWh", "energy") == pytest.approx(1.0)
    assert carbon.adopt(theirs.Quantity(2, "W"))._REGISTRY is ureg
    assert quantity(theirs.Quantity(1, "h"), "s").m_as("s") == pytest.approx(3600)
    box = carbon.System(name="b", embodied="1 kgCO2e", lifetime=theirs.Quantity(4, "year"),
                        facility=carbon.Facility(name="f", pue=theirs.Quantity(1.2, ""),
                                                 mix="100 gCO2e/kWh"))
    assert box.lifetime.m_as("day") == pytest.approx(4 * 365.25)
    assert box.facility.pue == pytest.approx(1.2)
    with pytest.raises(UnitMismatchError, match="energy"):
        magnitude(theirs.Quantity(1, "m"), "kWh", "energy")
    theirs.define("widget = [widgets]")
    with pytest.raises(UnitMismatchError, match="energy"):
        magnitude(theirs.Quantity(1, "widget"), "kWh", "energy")


def test_quantities_pickle_back_into_carbons_registry() -> None:
    q = pickle.loads(pickle.dumps(Q_(np.array([1.0, 2.0]), "kgCO2e")))
    assert q._REGISTRY is ureg and list(q.m_as("gCO2e")) == [1000.0, 2000.0]
    assert pickle.loads(pickle.dumps(ureg.Unit("gCO2e/kWh"))) == ureg.Unit("gCO2e/kWh")


@pytest.mark.parametrize(
    ("value", "unit", "error"),
    [
        (3.0, "kWh", UnitMismatchError),
        (Q_(3, "g"), "kWh", UnitMismatchError),
        ("3 furlongs_per_fortnight", "kWh", UnitMismatchError),
        ("not a quantity ((", "kWh", UnitMismatchError),  # pint's TokenError, translated
        (Q_(float("nan"), "kWh"), "kWh", InvalidValueError),
        (Q_(float("inf"), "kWh"), "kWh", InvalidValueError),
        (Q_(-1, "kWh"), "kWh", InvalidValueError),
    ],
)
def test_bad_amounts_name_the_field(value: object, unit: str, error: type) -> None:
    with pytest.raises(error) as info:
        magnitude(value, unit, "energy")
    assert info.value.field == "energy"
    assert "energy=" in str(info.value)
    assert isinstance(info.value, ModelCarbonError)


def test_unit_mismatch_names_both_units() -> None:
    with pytest.raises(UnitMismatchError) as info:
        carbon.jsc(Q_(1, "gCO2e"), intensity=Q_(1, "gCO2e/kWh"))
    assert "gCO2e" in str(info.value) and "kWh" in str(info.value)




# no powers: pint evaluates "9**9**9" exactly, which never ends
@given(text=st.text(alphabet=st.characters(exclude_characters="*^"), max_size=30))
@example(text="not a quantity ((")  # bug fixed in b907449: pint's TokenError escaped
@example(text="3 kWh)")
@example(text="1e400 kWh")
@example(text="nan kWh")
@example(text="-2 kWh")
@example(text="")
def test_any_text_is_an_amount_or_a_modelcarbon_error(text: str) -> None:
    try:
        m = magnitude(text, "kWh", "energy")
    except ModelCarbonError as e:
        assert e.field == "energy" and isinstance(e, (UnitMismatchError, InvalidValueError))
    else:
        assert isinstance(m, float) and math.isfinite(m) and m >= 0


@given(x=st.floats(min_value=-1e6, max_value=1e6))
def test_negative_amounts_only_where_allowed(x: float) -> None:
    assert magnitude(Q_(x, "kWh"), "kWh", "delta", allow_negative=True) == x
    if x < 0:
        with pytest.raises(InvalidValueError, match="delta="):
            magnitude(Q_(x, "kWh"), "kWh", "delta")
    else:
        assert magnitude(Q_(x, "kWh"), "kWh", "delta") == x


def test_arrays_are_checked_element_wise_and_returned_converted() -> None:
    got = magnitude(Q_(np.array([1.0, 3.6]), "MJ"), "kWh", "energy")
    assert isinstance(got, np.ndarray) and list(got) == pytest.approx([1 / 3.6, 1.0])
    with pytest.raises(InvalidValueError, match="amounts >= 0"):
        magnitude(Q_(np.array([1.0, -1.0]), "kWh"), "kWh", "energy")


def test_quantity_attaches_the_canonical_unit() -> None:
    q = quantity(np.array([1.0, 2.0]), "gCO2e")
    assert str(q.units) == "gCO2e" and list(q.m) == [1.0, 2.0]
    assert set(CANONICAL) == {"energy", "carbon", "intensity", "time", "rate", "power"}
    for unit in CANONICAL.values():
        assert quantity(1.0, unit).m_as(unit) == 1.0


def test_errors_show_values_short() -> None:
    import numpy as np

    from carbon import InvalidValueError, UnitMismatchError
    from carbon._units import magnitude, short

    assert short(Q_(3.0, "kWh")) == "3.0 kWh" and short(np.float64(0.7)) == "0.7"
    with pytest.raises(UnitMismatchError) as info:
        magnitude(np.float64(0.7), "kWh", "energy")
    assert "energy=0.7 " in str(info.value)
    with pytest.raises(InvalidValueError) as bad:
        magnitude(Q_(float("nan"), "kWh"), "kWh", "energy")
    assert "energy='nan kWh'" in str(bad.value)
    with pytest.raises(InvalidValueError, match="a finite number of kWh"):
        magnitude(Q_(10**400, "kWh"), "kWh", "energy")


# --- pint's definition cache -----------------------------------------------------------------
_REGISTRY_FACTS = ("import carbon\n"
                   "from carbon._units import cache_folder\n"
                   "print(cache_folder(), carbon.Q_(1.0, 'year').m_as('day'),"
                   " carbon.Q_(1, 'kgCO2e').m_as('gCO2e'))")


def _facts(cache_home: Path) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _REGISTRY_FACTS], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).parents[2],
                         env={"PATH": "", "HOME": str(cache_home),
                              "XDG_CACHE_HOME": str(cache_home / "cache")}, timeout=300)
    return out.stdout.split()


def test_the_registry_is_cached_and_a_broken_cache_is_ignored(tmp_path: Path) -> None:
    first = _facts(tmp_path)
    assert first == [str(tmp_path / "cache" / "modelcarbon" / "pint"), "365.0", "1000.0"]
    cached = sorted((tmp_path / "cache" / "modelcarbon" / "pint").glob("*.pickle"))
    assert cached  # pint's parsed definition files
    assert _facts(tmp_path) == first
    for f in cached:  # half-written by another process
        f.write_bytes(f.read_bytes()[:20])
    assert _facts(tmp_path) == first


def test_an_unwritable_cache_folder_means_no_cache(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    assert _facts(tmp_path) == ["None", "365.0", "1000.0"]
