"""The published JSON Schema of the datasheet, generated from the pydantic model.

``specs/datasheet.schema.json`` is this function's output; regenerate it with
``python -m assess.datasheet._schema`` after changing :mod:`assess.datasheet._model` (a test
checks that the committed file equals the generated schema).

>>> schema = datasheet_schema()
>>> schema["title"], schema["properties"]["offsets_applied"]["const"]
('Datasheet', False)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from assess.datasheet._model import SCHEMA_VERSION, Datasheet

__all__ = ["SCHEMA_ID", "datasheet_schema", "schema_text", "validate_datasheet_json"]

SCHEMA_ID = f"https://modelcarbon.dev/specs/datasheet-{SCHEMA_VERSION}.schema.json"


def datasheet_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a datasheet as written by ``Datasheet.model_dump_json``."""
    schema = Datasheet.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
    }


def schema_text() -> str:
    """The schema as the committed file holds it (sorted keys, two-space indent, newline)."""
    return json.dumps(datasheet_schema(), indent=2, sort_keys=True) + "\n"


def validate_datasheet_json(document: str | dict[str, Any]) -> None:
    """Validate a datasheet JSON document against the schema; raise ``DataError`` if invalid.

    >>> validate_datasheet_json({"schema_version": "1.0"})
    Traceback (most recent call last):
    ...
    carbon._errors.DataError: datasheet=... is invalid: expected a document valid against ...
    """
    import jsonschema

    from carbon import DataError

    data = json.loads(document) if isinstance(document, str) else document
    validator = jsonschema.Draft202012Validator(datasheet_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise DataError(
            "datasheet", f"{where}: {first.message}",
            f"a document valid against {SCHEMA_ID} ({len(errors)} error(s))",
        )


def _main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "specs" / (
        "datasheet.schema.json")
    target.write_text(schema_text(), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
