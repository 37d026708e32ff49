"""``--json`` for every command that prints figures: one JSON object on stdout, nothing else
there (progress and notes go to stderr).

Numbers stay numbers, in the unit their key names (``epc_g``: grams of CO2e); an unknown
figure is ``null``, never zero and never ``NaN`` (which JSON does not have); a quantity
without a unit in its key is written as text with its unit (``"2.5 kWh"``).

>>> import math
>>> from carbon import Q_
>>> to_json({"epc_g": 1.5, "per_request_g": math.nan, "energy": Q_(2.5, "kWh")})
'{"epc_g": 1.5, "per_request_g": null, "energy": "2.5 kWh"}'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["JsonFlag", "echo_json", "figure_g", "frame_records", "jsonable", "sheet_figures",
           "to_json"]

#: The ``--json`` flag of a command.
JsonFlag = Annotated[bool, typer.Option(
    "--json", help="Print the figures as one JSON object on stdout (nothing else there).")]


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types: NaN and inf -> None, paths and quantities -> text,
    numpy scalars -> numbers, mappings and sequences recursively."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "magnitude") and hasattr(value, "units"):  # a pint quantity
        return f"{value.magnitude:.6g} {value.units:~P}"
    if hasattr(value, "item"):  # a numpy scalar
        return jsonable(value.item())
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def to_json(doc: Mapping[str, Any]) -> str:
    """One JSON object (strict: no NaN) on one line."""
    return json.dumps(jsonable(doc), allow_nan=False, ensure_ascii=False)


def echo_json(doc: Mapping[str, Any]) -> None:
    """Print ``doc`` as the one JSON object of the command's stdout."""
    typer.echo(to_json(doc))


def figure_g(fig: Any | None) -> dict[str, Any] | None:
    """A datasheet ``CarbonFigure`` as ``{"g", "uncertainty_g", "provenance"}``; None stays
    None (unknown)."""
    if fig is None:
        return None
    u = fig.uncertainty
    return {"g": fig.g, "uncertainty_g": None if u is None else float(u.m_as("gCO2e")),
            "provenance": fig.provenance}


def sheet_figures(ds: Any) -> dict[str, Any]:
    """The key figures of one datasheet (grams of CO2e; null: unknown)."""
    pr = ds.per_request
    return {
        "id": ds.identity.id, "name": ds.identity.name, "kind": ds.identity.kind,
        "epc": None if ds.epc.total.provenance == "unknown" else figure_g(ds.epc.total),
        "epc_complete": ds.epc.complete, "own": figure_g(ds.epc.own),
        "per_request": None if pr is None else figure_g(pr.total),
        "inference_only": None if pr is None else figure_g(pr.inference_only),
        "per_request_missing": ds.per_request_missing,
    }


def frame_records(df: Any) -> list[dict[str, Any]]:
    """The rows of a pandas frame as JSON-ready records (NaN -> None)."""
    return [jsonable(r) for r in df.to_dict(orient="records")]
