"""The closed vocabularies: parsing names the allowed values; codes and lists are stable."""

from __future__ import annotations

import pytest

from carbon import UnknownKeyError
from lineage import EDGE_KINDS, PHASES, EdgeKind, Phase, Policy
from lineage._kinds import POLICY_CODE, parse


def test_parse_accepts_members_and_values() -> None:
    assert parse(EdgeKind, "runs_on", "kind") is EdgeKind.RUNS_ON
    assert parse(Policy, Policy.FULL, "policy") is Policy.FULL


def test_parse_names_the_field_and_every_allowed_value() -> None:
    with pytest.raises(UnknownKeyError) as info:
        parse(Policy, "half", "policy")
    assert info.value.field == "policy"
    assert all(p.value in str(info.value) for p in Policy)


def test_lists_and_codes() -> None:
    assert EDGE_KINDS[0] == "trained_on" and "runs_on" in EDGE_KINDS
    assert PHASES[-1] == "retraining" and len(PHASES) == len(Phase)
    assert sorted(POLICY_CODE.values()) == list(range(len(Policy)))
