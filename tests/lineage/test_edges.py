"""Argument checks and edge specs: a table of refused inputs, defaults, and the checks' ranges."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from carbon import Q_, InvalidValueError, UnitMismatchError, UnknownKeyError
from lineage import Policy, ProvenanceGraph, ReportedCarbon
from lineage._edges import (
    check_id,
    check_lifetime,
    check_share,
    check_usage,
    edge_spec,
    job_facts,
)
from tests.lineage.conftest import make_job, rc


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"share": 1.5}, InvalidValueError, "share"),
    ({"share": -0.1}, InvalidValueError, "share"),
    ({"share": math.nan}, InvalidValueError, "share"),
    ({"share": math.inf}, InvalidValueError, "share"),
    ({"share": True}, InvalidValueError, "share"),
    ({"share": Q_(0.5, "kWh")}, UnitMismatchError, "share"),
    ({"policy": "half"}, UnknownKeyError, "policy"),
    ({"policy": "share"}, InvalidValueError, "share"),
    ({"share": 0.5, "policy": "equal"}, InvalidValueError, "policy"),
    ({"policy": "usage"}, InvalidValueError, "usage"),
    ({"policy": "usage", "usage": -1.0}, InvalidValueError, "usage"),
    ({"policy": "usage", "usage": math.nan}, InvalidValueError, "usage"),
    ({"policy": "equal", "usage": 3.0}, InvalidValueError, "usage"),
])
def test_derive_refuses(g: ProvenanceGraph, kwargs: dict, error: type, field: str) -> None:
    with pytest.raises(error) as info:
        g.derive("b", "a", "fine_tuned_from", **kwargs)
    assert info.value.field == field
    assert g.nx.number_of_edges() == 0


def test_runs_on_defaults_to_cutoff(g: ProvenanceGraph) -> None:
    g.add_platform("k8s", name="serving", lifetime="6 year")
    g.derive("a", "k8s", "runs_on")
    g.add_job("k8s", rc(100.0), phase="development")
    assert g.weight("a", "k8s") == 0.0
    assert g.epc("a").by_ancestor_g == {}


@pytest.mark.parametrize(("kwargs", "policy", "attrs"), [
    ({}, Policy.EQUAL, {"kind": "fine_tuned_from", "policy": "equal"}),
    ({"share": 0.25}, Policy.SHARE, {"kind": "fine_tuned_from", "policy": "share",
                                     "share": 0.25}),
    ({"share": Q_(0.5, "")}, Policy.SHARE, {"kind": "fine_tuned_from", "policy": "share",
                                            "share": 0.5}),
    ({"share": 0.0, "policy": "share"}, Policy.SHARE, {"kind": "fine_tuned_from",
                                                       "policy": "share", "share": 0.0}),
    ({"policy": "full"}, Policy.FULL, {"kind": "fine_tuned_from", "policy": "full"}),
    ({"policy": "usage", "usage": Q_(2, "h")}, Policy.USAGE,
     {"kind": "fine_tuned_from", "policy": "usage", "usage": 2.0, "usage_unit": "h"}),
    ({"policy": "usage", "usage": 7}, Policy.USAGE,
     {"kind": "fine_tuned_from", "policy": "usage", "usage": 7.0,
      "usage_unit": "dimensionless"}),
])
def test_edge_spec_table(kwargs: dict, policy: Policy, attrs: dict) -> None:
    spec = edge_spec("b", "a", "fine_tuned_from", **kwargs)
    assert spec.policy is policy
    assert spec.attrs() == attrs


def test_usage_is_kept_as_given_and_in_base_units() -> None:
    spec = edge_spec("b", "a", "trained_on", policy="usage", usage=Q_(90, "min"))
    assert (spec.usage_given, spec.usage_unit) == (90.0, "min")
    assert (spec.usage_base, spec.dim) == (5400.0, "[time]")


@pytest.mark.parametrize(("value", "error"), [
    ("", InvalidValueError), ("  ", InvalidValueError), (None, InvalidValueError),
    (3, InvalidValueError),
])
def test_check_id_refuses(value: object, error: type) -> None:
    with pytest.raises(error) as info:
        check_id(value, "id")
    assert info.value.field == "id"


@pytest.mark.parametrize(("value", "error"), [
    ("0 s", InvalidValueError), ("-1 year", InvalidValueError), (3.0, UnitMismatchError),
    ("2 kWh", UnitMismatchError), (Q_(math.nan, "s"), InvalidValueError),
])
def test_check_lifetime_refuses(value: object, error: type) -> None:
    with pytest.raises(error):
        check_lifetime(value, "lifetime")


def test_check_lifetime_optional_unless_required() -> None:
    assert check_lifetime(None, "lifetime") is None
    with pytest.raises(InvalidValueError, match="platform"):
        check_lifetime(None, "lifetime", required=True)
    assert check_lifetime("1 day", "lifetime").m_as("s") == 86400.0


@given(st.floats(0.0, 1.0))
@example(0.0)
@example(1.0)
@example(5e-324)
def test_check_share_keeps_every_share_in_the_unit_interval(x: float) -> None:
    assert check_share(x) == x
    assert check_share(np.float64(x)) == x


@given(st.one_of(st.floats(max_value=-1e-300), st.floats(min_value=1.0 + 1e-15)))
@example(-0.0 - 1e-12)
@example(math.nan)
@example(math.inf)
def test_check_share_refuses_outside(x: float) -> None:
    with pytest.raises(InvalidValueError):
        check_share(x)


@pytest.mark.parametrize("value", [-1, math.inf, math.nan, "3 h", True, Q_(-2, "h")])
def test_check_usage_refuses(value: object) -> None:
    with pytest.raises(InvalidValueError) as info:
        check_usage(value)
    assert info.value.field == "usage"


def test_job_facts_of_a_job_and_a_reported_figure() -> None:
    job = make_job(2.0)
    carbon_g, prov, source, unknown = job_facts(job)
    assert (prov, source, unknown) == ("measured", None, ()) and carbon_g > 0
    assert job_facts(ReportedCarbon(carbon="1 kgCO2e", source="paper",
                                    provenance="estimated")) == (1000.0, "estimated", "paper",
                                                                 ())
    with pytest.raises(InvalidValueError, match=r"carbon\.Job"):
        job_facts("1 kgCO2e")  # type: ignore[arg-type]
