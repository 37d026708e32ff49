"""The one exception tree: every error is a ModelCarbonError and the built-in it behaves like,
carries field, value and fix, prints them, and pickles with its fields."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbon import (
    DataError,
    InvalidValueError,
    ModelCarbonError,
    UnitMismatchError,
    UnknownKeyError,
)

BUILT_IN = {
    InvalidValueError: ValueError,
    UnitMismatchError: TypeError,
    UnknownKeyError: LookupError,
    DataError: ValueError,
}


@pytest.mark.parametrize(("cls", "builtin"), list(BUILT_IN.items()))
def test_each_error_is_in_the_tree_and_its_built_in(cls: type[ModelCarbonError],
                                                    builtin: type[Exception]) -> None:
    err = cls("field", 1, "a fix")
    assert isinstance(err, ModelCarbonError) and isinstance(err, builtin)
    with pytest.raises(builtin):  # caller code catching the built-in keeps working
        raise err


def test_the_default_message_names_field_value_and_fix() -> None:
    err = InvalidValueError("pue", 0.9, "a number >= 1")
    assert str(err) == "pue=0.9 is invalid: expected a number >= 1"
    assert (err.field, err.value, err.expected, err.message) == (
        "pue", 0.9, "a number >= 1", str(err))
    assert str(InvalidValueError("name", "x y", "no spaces")) == (
        "name='x y' is invalid: expected no spaces")  # the value's repr, quotes shown


def test_a_given_message_replaces_the_default_and_keeps_the_fields() -> None:
    err = DataError("intensity", "2 missing hours", "a full series", "the series has gaps")
    assert str(err) == "the series has gaps" and err.expected == "a full series"


def test_unit_mismatch_for_units_names_the_expected_unit() -> None:
    err = UnitMismatchError.for_units("energy", "3 gram", "kWh")
    assert type(err) is UnitMismatchError
    assert str(err) == ("energy='3 gram' has the wrong unit: expected a quantity convertible "
                        "to kWh")
    assert err.expected == "a quantity convertible to kWh"


def test_errors_pickle_with_their_fields() -> None:
    err = InvalidValueError("pue", 0.9, "a number >= 1")
    back = pickle.loads(pickle.dumps(err))
    assert (back.field, back.value, back.expected, str(back)) == (
        "pue", 0.9, "a number >= 1", str(err))
    assert isinstance(back, ValueError)


@given(cls=st.sampled_from(sorted(BUILT_IN, key=lambda c: c.__name__)),
       field=st.text(max_size=20),
       value=st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                       st.lists(st.integers(), max_size=3)),
       expected=st.text(max_size=30), message=st.one_of(st.none(), st.text(max_size=30)))
def test_every_error_survives_pickle_and_copy(cls: type[ModelCarbonError], field: str,
                                              value: object, expected: str,
                                              message: str | None) -> None:
    err = cls(field, value, expected, message)
    for back in (pickle.loads(pickle.dumps(err)), copy.copy(err), copy.deepcopy(err)):
        assert type(back) is cls
        assert (back.field, back.value, back.expected, back.message, str(back)) == (
            err.field, err.value, err.expected, err.message, str(err))


def test_a_translated_error_keeps_its_cause() -> None:
    def lookup() -> None:
        try:
            {}["x"]
        except KeyError as e:
            raise UnknownKeyError("key", "x", "a known key") from e

    with pytest.raises(UnknownKeyError) as info:
        lookup()
    assert isinstance(info.value.__cause__, KeyError)
    assert isinstance(pickle.loads(pickle.dumps(info.value)), UnknownKeyError)
