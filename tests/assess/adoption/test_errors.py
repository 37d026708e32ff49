"""CalibrationError: in the one exception tree, carrying every finding, pickling whole."""

from __future__ import annotations

import copy
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assess import CalibrationError, CalibrationFinding
from carbon import DataError, ModelCarbonError

FINDINGS = [
    CalibrationFinding("missing", "error", "matrices.information: missing", barrier="information"),
    CalibrationFinding("monotonicity", "warning", "resources.disruption: L,L below L,M",
                       barrier="resources", characteristic="disruption", cell=("L", "L"),
                       compared_to=("L", "M")),
]


def test_is_a_data_error_and_a_value_error() -> None:
    err = CalibrationError("calibration", "mine.yaml", "a complete calibration")
    assert isinstance(err, DataError) and isinstance(err, ModelCarbonError)
    assert isinstance(err, ValueError)
    with pytest.raises(ValueError, match=r"mine\.yaml"):  # caller code catching ValueError
        raise err


def test_message_names_field_value_and_fix() -> None:
    err = CalibrationError("calibration", "mine.yaml", "a complete calibration")
    assert str(err) == "calibration='mine.yaml' is invalid: expected a complete calibration"
    assert (err.field, err.value, err.expected) == ("calibration", "mine.yaml",
                                                    "a complete calibration")
    assert err.findings == ()


def test_findings_are_kept_as_a_tuple_in_order() -> None:
    err = CalibrationError("calibration", "x", "fixed", "2 problems", findings=FINDINGS)
    assert err.findings == tuple(FINDINGS)
    assert str(err) == "2 problems"
    FINDINGS.append(FINDINGS[0])  # the caller's list changing later does not change the error
    try:
        assert len(err.findings) == 2
    finally:
        FINDINGS.pop()


@given(field=st.text(min_size=1, max_size=20), value=st.text(max_size=20),
       message=st.one_of(st.none(), st.text(max_size=40)),
       n=st.integers(min_value=0, max_value=2))
def test_pickle_and_copy_keep_every_field(field: str, value: str, message: str | None,
                                          n: int) -> None:
    err = CalibrationError(field, value, "a calibration", message, findings=FINDINGS[:n])
    for again in (pickle.loads(pickle.dumps(err)), copy.copy(err), copy.deepcopy(err)):
        assert type(again) is CalibrationError
        assert (again.field, again.value, again.expected, again.message, again.findings) == (
            err.field, err.value, err.expected, err.message, err.findings)
        assert str(again) == str(err)


def test_finding_prints_its_severity() -> None:
    assert str(FINDINGS[0]) == "[error] matrices.information: missing"
    assert str(FINDINGS[1]).startswith("[warning] ")
