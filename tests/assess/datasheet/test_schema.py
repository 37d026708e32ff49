"""The published JSON Schema is the model's, and datasheets validate against it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assess.datasheet._model import Datasheet
from assess.datasheet._render_text import render_json
from assess.datasheet._schema import datasheet_schema, schema_text, validate_datasheet_json
from carbon import DataError

SPEC = Path(__file__).resolve().parents[3] / "specs" / "datasheet.schema.json"


def test_committed_schema_is_the_generated_one() -> None:
    assert SPEC.read_text(encoding="utf-8") == schema_text(), (
        "specs/datasheet.schema.json is stale: run `python -m assess.datasheet._schema`")


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(datasheet_schema())


def test_rendered_json_validates_and_round_trips(datasheet: Datasheet) -> None:
    text = render_json(datasheet)
    validate_datasheet_json(text)
    again = Datasheet.model_validate_json(text)
    assert again.epc.total.value == datasheet.epc.total.value
    assert again == datasheet


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d.pop("epc"), "(top level)"),
    (lambda d: d.__setitem__("offsets_applied", True), "offsets_applied"),
    (lambda d: d["epc"]["total"].__setitem__("provenance", "guessed"), "epc/total/provenance"),
    (lambda d: d["identity"].__setitem__("kind", "robot"), "identity/kind"),
    (lambda d: d["identity"].__setitem__("functional_units", []), "identity/functional_units"),
    (lambda d: d.__setitem__("surprise", 1), "(top level)"),
])
def test_invalid_documents_are_refused_naming_the_place(datasheet: Datasheet, mutate,
                                                       where) -> None:
    doc = json.loads(render_json(datasheet))
    mutate(doc)
    with pytest.raises(DataError) as info:
        validate_datasheet_json(doc)
    assert where in str(info.value)
