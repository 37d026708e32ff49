"""The lineage errors: in the modelcarbon tree, built-in mixins, pickling, the carried report."""

from __future__ import annotations

import pickle

import pytest

from carbon import DataError, ModelCarbonError, UnknownKeyError
from lineage import (
    InvalidGraphError,
    LedgerError,
    ProvenanceGraph,
    SchemaVersionError,
    UnknownProductError,
)


def test_errors_pickle() -> None:
    err = InvalidGraphError("edges", "a -> a", "acyclic")
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, ModelCarbonError) and back.field == "edges"


@pytest.mark.parametrize(("error", "bases"), [
    (UnknownProductError, (UnknownKeyError, LookupError)),
    (InvalidGraphError, (ModelCarbonError, ValueError)),
    (LedgerError, (DataError,)),
    (SchemaVersionError, (LedgerError,)),
])
def test_errors_sit_in_the_tree(error: type, bases: tuple[type, ...]) -> None:
    assert all(issubclass(error, b) for b in bases)


def test_invalid_graph_error_carries_the_report() -> None:
    g = ProvenanceGraph()
    g.add_model("a", name="a")
    g.derive("a", "ghost", "derived_from")
    with pytest.raises(InvalidGraphError) as info:
        g.epc_all()
    assert info.value.report is g.validate()
    assert info.value.field == "product" and info.value.value == "ghost"
