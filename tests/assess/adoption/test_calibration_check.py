"""The calibration validator: the published calibration's non-monotone cells, a corrected
calibration that passes, and every kind of broken calibration, each finding listed; and
specs/adoption.md shows exactly what the validator finds in the published calibration."""

from __future__ import annotations

import copy
import itertools
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from assess import (
    BARRIERS,
    CHARACTERISTICS,
    Calibration,
    CalibrationError,
    Characteristics,
    Organisation,
    advise,
    load_calibration,
    published_calibration,
    validate_calibration,
)
from carbon import DataError, ModelCarbonError
from tests.assess.adoption.strategies import monotone_calibrations

EXAMPLES = Path(__file__).resolve().parents[3] / "assess" / "adoption" / "_data" / "examples"

# The published table's non-monotone cells, found by reading ADOPTION.md row by row:
# (barrier, characteristic, offending cell, the neighbour it falls below).
PUBLISHED_NON_MONOTONE = {
    ("environmental_awareness", "complexity", ("H", "H"), ("M", "H")),  # -2 < -1
    ("resources", "disruption", ("L", "L"), ("L", "M")),  # -4 < -2
    ("resources", "disruption", ("M", "L"), ("M", "M")),  # -3 < -1
}


def _published() -> dict[str, Any]:
    return copy.deepcopy(published_calibration().to_mapping())


def test_published_calibration_non_monotone_cells_all_found() -> None:
    report = published_calibration().report
    assert report.usable and not report.monotone and not report.ok
    found = {(f.barrier, f.characteristic, f.cell, f.compared_to)
             for f in report.findings if f.kind == "monotonicity"}
    assert found == PUBLISHED_NON_MONOTONE
    assert all(f.severity == "warning" for f in report.findings)


def test_published_calibration_is_shipped_unchanged_despite_findings() -> None:
    cal = published_calibration()
    assert cal.matrix("resources", "disruption") == ((-4, -2, -4), (-3, -1, -3), (3, 1, -1))
    assert cal.matrix("environmental_awareness", "complexity")[2] == (1, 0, -2)


def test_corrected_calibration_passes() -> None:
    cal = load_calibration(EXAMPLES / "monotone_calibration.yaml")
    assert cal.report.ok, str(cal.report)
    pub = published_calibration()
    changed = {(k, r, c) for k in pub.matrices for r in range(3) for c in range(3)
               if pub.matrices[k][r][c] != cal.matrices[k][r][c]}
    assert len(changed) == 3  # the fewest changes: one per offending cell


@settings(max_examples=40)
@given(monotone_calibrations())
def test_generated_monotone_calibrations_have_no_monotonicity_finding(data: Any) -> None:
    assert validate_calibration(data).monotone


def test_score_level_drop_is_found_with_an_example() -> None:
    data = _published()
    data["matrices"]["resources"]["disruption"]["L"] = [-9, -2, -4]  # L now 7 below M
    drops = [f for f in validate_calibration(data).findings if f.kind == "score_monotonicity"]
    assert [f.characteristic for f in drops] == ["disruption"]
    assert "resources=L" in drops[0].message and "disruption=M" in drops[0].message
    cal = Calibration.from_mapping(data)
    org = Organisation(perceived_benefits="L", environmental_awareness="L", information="L",
                       resources="L")
    ch = Characteristics(complexity="L", effort="L", disruption="M", energy_reduction="L")
    assert advise(org, ch.replace("disruption", "L"), cal).score < advise(org, ch, cal).score


@pytest.mark.parametrize(("barrier", "characteristic", "row", "col", "bad"), [
    ("information", "effort", "H", "L", -5),       # better barrier lowers (H below M)
    ("perceived_benefits", "complexity", "M", "L", -3),   # lower complexity lowers
    ("resources", "energy_reduction", "L", "H", -3),       # larger saving lowers
])
def test_each_injected_violation_is_found(barrier: str, characteristic: str, row: str,
                                          col: str, bad: int) -> None:
    data = load_calibration(EXAMPLES / "monotone_calibration.yaml").to_mapping()
    data["matrices"][barrier][characteristic][row][["L", "M", "H"].index(col)] = bad
    found = [f for f in validate_calibration(data).findings if f.kind == "monotonicity"]
    assert found and all(f.barrier == barrier and f.characteristic == characteristic
                         for f in found)
    assert any((row, col) in (f.cell, f.compared_to) for f in found)


def _kinds(data: Any) -> list[str]:
    return [f.kind for f in validate_calibration(data).errors]


def test_missing_barrier_and_characteristic_all_listed() -> None:
    data = _published()
    del data["matrices"]["information"]
    del data["matrices"]["resources"]["effort"]
    errors = validate_calibration(data).errors
    assert {(f.kind, f.barrier, f.characteristic) for f in errors} == {
        ("missing", "information", None), ("missing", "resources", "effort")}


@pytest.mark.parametrize(("matrix", "kind"), [
    ([[1, 2, 3], [1, 2, 3]], "shape"),                       # two rows
    ({"L": [0, 0, 0], "M": [0, 0, 0]}, "shape"),              # row H missing
    ({"L": [0, 0], "M": [0, 0, 0], "H": [0, 0, 0]}, "shape"),  # short row
    ({"L": [0, 0, 0, 0], "M": [0, 0, 0], "H": [0, 0, 0]}, "shape"),
    ("0 0 0", "shape"),
    ({"L": [0, 0.5, 0], "M": [0, 0, 0], "H": [0, 0, 0]}, "integer"),
    ({"L": [0, 1.0, 0], "M": [0, 0, 0], "H": [0, 0, 0]}, "integer"),
    ({"L": [0, "+1", 0], "M": [0, 0, 0], "H": [0, 0, 0]}, "integer"),
    ({"L": [True, 0, 0], "M": [0, 0, 0], "H": [0, 0, 0]}, "integer"),
    ({"L": [None, 0, 0], "M": [0, 0, 0], "H": [0, 0, 0]}, "integer"),
])
def test_wrong_shape_or_non_integer_cell(matrix: Any, kind: str) -> None:
    data = _published()
    data["matrices"]["information"]["effort"] = matrix
    assert _kinds(data) == [kind]
    with pytest.raises(CalibrationError) as e:
        Calibration.from_mapping(data)
    assert "information.effort" in str(e.value)
    assert isinstance(e.value, DataError) and isinstance(e.value, ValueError)


@pytest.mark.parametrize(("thresholds", "n"), [
    (None, 1),
    ({"positive_above": 2}, 1),
    ({"positive_above": 2.5, "negative_below": -2}, 1),
    ({"positive_above": "2", "negative_below": "x"}, 2),
    ({"positive_above": -3, "negative_below": 3}, 1),
    ({"positive_above": 2, "negative_below": -2, "extra": 0}, 1),
])
def test_bad_thresholds(thresholds: Any, n: int) -> None:
    data = _published()
    data["thresholds"] = thresholds
    assert _kinds(data) == ["threshold"] * n


def test_unknown_keys_and_many_errors_listed_at_once() -> None:
    data = _published()
    data["matrix"] = {}
    data["matrices"]["budget"] = {}
    data["matrices"]["information"]["speed"] = [[0] * 3] * 3
    data["matrices"]["resources"]["effort"]["L"] = [0, 0.5, 1.5]
    with pytest.raises(CalibrationError) as e:
        Calibration.from_mapping(data, origin="mine.yaml")
    assert len(e.value.findings) == 5
    for word in ("'matrix'", "'budget'", "'speed'", "0.5", "1.5", "mine.yaml"):
        assert word in str(e.value)


def test_not_a_mapping() -> None:
    assert _kinds([1, 2]) == ["structure"]


def test_unreachable_verdict_is_a_warning() -> None:
    data = _published()
    data["thresholds"] = {"positive_above": 40, "negative_below": -48}
    warnings = [f.message for f in validate_calibration(data).warnings
                if f.kind == "reachability"]
    assert len(warnings) == 2 and "40" in warnings[0] and "-47" in warnings[1]


def test_score_range_matches_brute_force() -> None:
    cal = published_calibration()
    scores = [sum(cal.matrices[(b, c)][combo[i]][combo[4 + j]]
                  for i, b in enumerate(BARRIERS) for j, c in enumerate(CHARACTERISTICS))
              for combo in itertools.product(range(3), repeat=8)]
    assert cal.score_range == (min(scores), max(scores))


def test_bad_standalone_weights() -> None:
    data = _published()
    data["standalone_weights"]["final"]["effort"] = [2, 0]
    data["standalone_weights"]["other"] = {}
    assert sorted(_kinds(data)) == ["shape", "unknown"]


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="readable"):
        load_calibration(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("matrices: [unclosed\n")
    with pytest.raises(DataError, match="valid YAML"):
        load_calibration(bad)


def test_error_pickles_with_findings() -> None:
    data = _published()
    del data["matrices"]["information"]
    with pytest.raises(CalibrationError) as e:
        Calibration.from_mapping(data)
    again = pickle.loads(pickle.dumps(e.value))
    assert str(again) == str(e.value) and again.findings == e.value.findings
    assert isinstance(again, ModelCarbonError)


# specs/adoption.md ----------------------------------------------------------------------
DOC = Path(__file__).resolve().parents[3] / "specs" / "adoption.md"


def test_doc_lists_every_finding_verbatim() -> None:
    text = DOC.read_text()
    findings = published_calibration().report.findings
    assert findings
    for f in findings:
        assert str(f) in text
    assert text.count("[warning]") == len(findings)


def test_doc_figures_are_current() -> None:
    text = " ".join(DOC.read_text().split())
    cal = published_calibration()
    lo, hi = cal.score_range
    assert f"from {lo} to +{hi}" in text
    counts: Counter[str] = Counter()
    for combo in itertools.product(range(3), repeat=8):
        counts[cal.verdict(sum(cal.matrices[(b, c)][combo[i]][combo[4 + j]]
                               for i, b in enumerate(BARRIERS)
                               for j, c in enumerate(CHARACTERISTICS)))] += 1
    assert (f"{counts['positive']} inputs are positive, {counts['neutral']} neutral, "
            f"{counts['negative']} negative") in text
