"""The framework's inputs: levels, their order, and organisations and characteristics that
refuse anything else with the field named."""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from assess import (
    BARRIERS,
    CHARACTERISTICS,
    Characteristics,
    Level,
    Organisation,
)
from assess.adoption._framework import COST_CHARACTERISTICS, better_level, worse_level
from carbon import InvalidValueError, ModelCarbonError
from tests.assess.adoption.strategies import characteristics, organisations


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"perceived_benefits": "X"}, "Organisation.perceived_benefits"),
    ({"information": "medium"}, "Organisation.information"),
    ({"resources": 2}, "Organisation.resources"),
    ({"resources": None}, "Organisation.resources"),
])
def test_bad_organisation(kwargs: dict[str, Any], field: str) -> None:
    base = {"perceived_benefits": "M", "environmental_awareness": "M", "information": "M",
            "resources": "M"}
    with pytest.raises(InvalidValueError) as e:
        Organisation(**{**base, **kwargs})
    assert e.value.field == field and "'L', 'M', 'H'" in str(e.value)


def test_missing_barrier_and_unknown_field() -> None:
    with pytest.raises(InvalidValueError, match=r"Organisation\.resources.*required"):
        Organisation(perceived_benefits="M", environmental_awareness="M", information="M")
    with pytest.raises(ModelCarbonError, match="budget"):
        Organisation(perceived_benefits="M", environmental_awareness="M", information="M",
                     resources="M", budget="H")
    with pytest.raises(InvalidValueError, match=r"Characteristics\.effort"):
        Characteristics(complexity="L", effort="Q", disruption="L", energy_reduction="L")
    with pytest.raises(InvalidValueError, match="basis"):
        Characteristics(complexity="L", effort="L", disruption="L", energy_reduction="L",
                        basis={"speed": {"label": "rated"}})


def test_levels_accept_enum_and_any_case() -> None:
    a = Organisation(perceived_benefits=Level.H, environmental_awareness="h",
                     information=" m ", resources="L")
    assert (a.perceived_benefits, a.environmental_awareness, a.information) == \
        (Level.H, Level.H, Level.M)


ALL = (*BARRIERS, *CHARACTERISTICS)
ORG = Organisation(perceived_benefits="M", environmental_awareness="H", information="L",
                   resources="M")
CH = Characteristics(complexity="L", effort="M", disruption="H", energy_reduction="M")


def test_ranks_are_the_matrix_indices() -> None:
    assert [lv.rank for lv in Level] == [0, 1, 2]
    assert [lv.value for lv in Level] == ["L", "M", "H"]


@given(st.text(max_size=6))
@example("medium")  # a word, not a level: never read as M
@example("LM")
@example("")
@example("l ")  # accepted (stripped), checked by the oracle below
def test_level_of_accepts_exactly_the_three_letters(text: str) -> None:
    oracle = {"L": Level.L, "M": Level.M, "H": Level.H}.get(text.strip().upper())
    if oracle is not None:
        assert Level.of(text, "effort") is oracle
    else:
        with pytest.raises(InvalidValueError) as e:
            Level.of(text, "effort")
        assert e.value.field == "effort" and e.value.value == text
        assert "'L', 'M', 'H'" in str(e.value)


@pytest.mark.parametrize("value", [0, 1.0, None, True, b"L", ["L"]])
def test_level_of_refuses_non_strings(value: object) -> None:
    with pytest.raises(InvalidValueError, match="level="):
        Level.of(value)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("level", list(Level))
def test_better_and_worse_are_one_step_in_opposite_directions(name: str, level: Level) -> None:
    # naive oracle: "better" is higher for barriers and energy_reduction, lower for the costs
    up = name not in ("complexity", "effort", "disruption")
    order = "LMH" if up else "HML"
    i = order.index(level.value)
    better = Level(order[i + 1]) if i < 2 else None
    worse = Level(order[i - 1]) if i > 0 else None
    assert better_level(name, level) == better and worse_level(name, level) == worse
    if better is not None:
        assert worse_level(name, better) == level


def test_cost_characteristics_are_the_three_costs() -> None:
    assert frozenset({"complexity", "effort", "disruption"}) == COST_CHARACTERISTICS
    assert set(CHARACTERISTICS) > COST_CHARACTERISTICS


@given(organisations, st.sampled_from(BARRIERS), st.sampled_from(list(Level)))
def test_organisation_replace_changes_one_barrier(org: Organisation, barrier: str,
                                                 level: Level) -> None:
    new = org.replace(barrier, level.value.lower())
    assert new.level(barrier) is level
    assert all(new.level(b) is org.level(b) for b in BARRIERS if b != barrier)
    assert new.name == org.name


@given(characteristics, st.sampled_from(CHARACTERISTICS), st.sampled_from(list(Level)))
def test_characteristics_replace_changes_one_level_and_keeps_the_basis(
        ch: Characteristics, name: str, level: Level) -> None:
    new = ch.replace(name, level)
    assert new.level(name) is level
    assert all(new.level(c) is ch.level(c) for c in CHARACTERISTICS if c != name)
    assert new.basis == ch.basis


def test_replace_with_a_basis_sets_only_that_basis() -> None:
    from assess import Basis

    new = CH.replace("energy_reduction", "H", Basis(label="measured", detail="45 % saving"))
    assert new.basis["energy_reduction"].label == "measured"
    assert {c: b.label for c, b in new.basis.items() if c != "energy_reduction"} == {
        "complexity": "rated", "effort": "rated", "disruption": "rated"}
    assert CH.basis["energy_reduction"].label == "rated"  # the original is untouched


def test_every_characteristic_defaults_to_rated() -> None:
    assert set(CH.basis) == set(CHARACTERISTICS)
    assert {b.label for b in CH.basis.values()} == {"rated"}
    partial = Characteristics(complexity="L", effort="L", disruption="L", energy_reduction="H",
                              basis={"energy_reduction": {"label": "measured"}})
    assert partial.basis["energy_reduction"].label == "measured"
    assert partial.basis["effort"].label == "rated"


@pytest.mark.parametrize(("call", "field"), [
    (lambda: ORG.level("budget"), "barrier"),
    (lambda: ORG.replace("budget", "H"), "barrier"),
    (lambda: ORG.replace("information", "X"), "information"),
    (lambda: CH.level("speed"), "characteristic"),
    (lambda: CH.replace("speed", "L"), "characteristic"),
    (lambda: CH.replace("effort", "very"), "effort"),
])
def test_lookups_and_replacements_name_the_field(call: Any, field: str) -> None:
    with pytest.raises(InvalidValueError) as e:
        call()
    assert e.value.field == field and f"{field}=" in str(e.value)


def test_basis_label_is_rated_or_measured() -> None:
    with pytest.raises(InvalidValueError) as e:
        Characteristics(complexity="L", effort="L", disruption="L", energy_reduction="H",
                        basis={"effort": {"label": "guessed"}})
    assert e.value.field.startswith("Characteristics.basis.effort")
    assert "'guessed'" in str(e.value) and "'rated' or 'measured'" in str(e.value)


def test_inputs_are_frozen_and_pickle_by_value() -> None:
    with pytest.raises(Exception, match="frozen"):
        ORG.information = Level.H  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(ORG)) == ORG
    assert pickle.loads(pickle.dumps(CH)) == CH
    assert ORG.replace("information", "H") != ORG
