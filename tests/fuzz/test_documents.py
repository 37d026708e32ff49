"""Fuzzing what the ledger and node-link documents hold: a tampered document is refused.

A valid document (a job record with a system, facility and mix; a node-link graph with
nodes, an edge and jobs) has one value replaced (by NaN, a negative number, a wrong type, a
huge number, a missing key) somewhere in its tree; loading it either returns a record whose
carbon is finite and non-negative, or raises the project's own error naming where it was.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import carbon
from carbon import Facility, Job, ModelCarbonError, System
from lineage import (
    LedgerError,
    ProvenanceGraph,
    ReportedCarbon,
    from_json,
    from_node_link,
    to_node_link,
)
from lineage._serial import mix_from_dict, record_from_dict, record_to_dict
from tests.fuzz.budget import n

_FAC = Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
_BOX = System(name="box", embodied="100 kgCO2e", lifetime="4 year", facility=_FAC)
_JOB = Job(name="train", duration="2 h", energy=[carbon.EnergyUse(
    system=_BOX, energy="3 kWh", provenance="measured", uncertainty="0.1 kWh")])
_RECORD = record_to_dict(_JOB)


def _graph_doc() -> dict[str, Any]:
    g = ProvenanceGraph()
    g.add_model("base", name="Base", lifetime="1 year")
    g.add_model("ft", name="FT")
    g.derive("ft", "base", "fine_tuned_from", share=0.5)
    g.add_job("base", ReportedCarbon(carbon="2 kgCO2e", source="card"), phase="training")
    g.add_job("ft", _JOB, phase="fine_tuning")
    return to_node_link(g)


_DOC = _graph_doc()
_HOSTILE = st.one_of(
    st.sampled_from([None, True, False, -1, -1.0, 0, float("nan"), float("inf"), -1e308,
                     1e308, 10**400, "", "x" * 300, "nan", "-5 kWh", [], {}, [1, 2],
                     {"type": "constant"}, "2026-13-45T99:00"]),
    st.floats(allow_nan=True), st.text(max_size=12), st.integers(),
)
_DELETE = object()


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


def _tamper(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    if value is _DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def _loaded_ok(record: Any) -> None:
    if isinstance(record, Job):
        try:
            b = carbon.asc_e(record)
        except ModelCarbonError:  # a figure that overflows float64: refused, never inf
            return
        total = b.asc_e.m_as("gCO2e")
        parts = sum(v.m_as("gCO2e") for v in b.parts().values())
        assert math.isclose(parts, total, rel_tol=1e-9, abs_tol=1e-300), (parts, total)
    else:
        total = record.carbon.m_as("gCO2e")
    assert math.isfinite(total) and total >= 0, record


@settings(max_examples=n(300), deadline=None)
@given(path=st.sampled_from(_paths(_RECORD)), value=st.one_of(_HOSTILE, st.just(_DELETE)))
@example(path=("job", "energy", 0, "system", "facility", "mix", "gco2e_per_kwh"), value=-5.0)
@example(path=("job", "energy", 0, "energy_kwh"), value=float("nan"))
@example(path=("job", "energy", 0, "system", "facility", "mix"), value=_DELETE)
@example(path=("job", "start"), value="notadate")
@example(path=("job", "energy", 0, "fraction"), value=True)
def test_tampered_record_is_refused_or_sound(path: tuple[Any, ...], value: Any) -> None:
    doc = _tamper(_RECORD, path, value)
    try:
        record = record_from_dict(doc)
    except ModelCarbonError as e:
        assert "\n" not in str(e) and len(str(e)) < 600, str(e)
        return
    _loaded_ok(record)


@pytest.mark.parametrize(("path", "value", "needle"), [
    (("job", "energy", 0, "system", "facility", "mix"), _DELETE, "record.job.energy[0].system"),
    (("job", "energy"), 5, "record.job.energy"),
    (("job", "name"), _DELETE, "record.job.name is missing"),
    (("job", "start"), "notadate", "record.job.start"),
    (("job", "energy", 0, "energy_kwh"), -1.0, "record.job.energy[0]"),
    (("job", "energy", 0, "system", "lifetime_s"), [1, 2], "lifetime_s"),
    (("type",), "lunch", "record.type"),
])
def test_tampered_record_names_the_key(path: tuple[Any, ...], value: Any, needle: str) -> None:
    with pytest.raises(ModelCarbonError) as info:
        record_from_dict(_tamper(_RECORD, path, value))
    assert needle in str(info.value)


@settings(max_examples=n(80), deadline=None)
@given(mix=_HOSTILE)
def test_mix_from_anything(mix: Any) -> None:
    with contextlib.suppress(ModelCarbonError):
        mix_from_dict(mix)


@settings(max_examples=n(300), deadline=None)
@given(path=st.sampled_from(_paths(_DOC)), value=st.one_of(_HOSTILE, st.just(_DELETE)))
@example(path=("nodes", 0, "kind"), value="lunch")
@example(path=("nodes", 0, "lifetime_s"), value=-5)
@example(path=("edges", 0, "share"), value=2)
@example(path=("jobs", 0, "record", "carbon_g"), value=float("nan"))
@example(path=("graph",), value=[])
def test_tampered_node_link_is_refused_or_sound(path: tuple[Any, ...], value: Any) -> None:
    doc = _tamper(_DOC, path, value)
    try:
        graph = from_node_link(doc)
    except ModelCarbonError as e:
        assert "\n" not in str(e), str(e)
        return
    for job in graph.jobs():
        _loaded_ok(job.record)


@settings(max_examples=n(100), deadline=None)
@given(text=st.one_of(st.text(max_size=60), st.sampled_from(
    ["[]", "5", "null", '"x"', '{"graph": 5}', "{" * 5000, json.dumps(_DOC)[:-1]])))
def test_from_json_of_any_text(text: str) -> None:
    with contextlib.suppress(LedgerError):
        from_json(text)
