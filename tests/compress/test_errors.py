"""The compress errors: in the one exception tree, behaving like the built-ins callers catch
(a missing extra is an ImportError), pickling with their fields."""

from __future__ import annotations

import pickle

import pytest

from carbon import InvalidValueError, ModelCarbonError
from compress import MissingExtraError, MissingLayersError, ShapeMismatchError


@pytest.mark.parametrize(("cls", "builtins"), [
    (MissingLayersError, (InvalidValueError, ValueError)),
    (ShapeMismatchError, (InvalidValueError, ValueError)),
    (MissingExtraError, (ImportError,)),
])
def test_each_error_is_in_the_tree_and_its_built_in(cls: type[ModelCarbonError],
                                                    builtins: tuple[type, ...]) -> None:
    err = cls("model", "Sequential(ReLU())", "a model with torch.nn.Linear layers")
    assert isinstance(err, ModelCarbonError) and all(isinstance(err, b) for b in builtins)
    assert str(err) == ("model='Sequential(ReLU())' is invalid: expected a model with "
                        "torch.nn.Linear layers")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert (back.field, back.value, back.expected, str(back)) == (
        err.field, err.value, err.expected, str(err))


def test_a_missing_extra_is_caught_as_an_import_error() -> None:
    def load() -> None:
        raise MissingExtraError("torch", None, "PyTorch installed: pip install "
                                "'modelcarbon[torch]'")

    with pytest.raises(ImportError, match=r"modelcarbon\[torch\]"):
        load()


def test_errors_are_not_in_each_others_branches() -> None:
    assert not issubclass(MissingExtraError, ValueError)
    assert not issubclass(MissingLayersError, ShapeMismatchError)
    assert not issubclass(ShapeMismatchError, MissingLayersError)
