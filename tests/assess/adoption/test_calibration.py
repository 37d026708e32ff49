"""The shipped calibration equals the published framework (ADOPTION.md), cell for cell.

GOLDEN is a second, independent transcription of the table in ADOPTION.md ("The published
operationalisation"), typed row by row as it reads there: three groups per row for barrier
= L, M, H; inside a group, characteristic = L M H. It is deliberately kept as the markdown
text (not parsed from ADOPTION.md, which lies outside the repository in some runs).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assess import BARRIERS, CHARACTERISTICS, Level, published_calibration

# Source: ADOPTION.md, table "barrier | characteristic | barrier L | barrier M | barrier H".
GOLDEN = """
perceived_benefits | complexity | -2 -2 -3 | -1 -1 -2 | +1 +1 0
perceived_benefits | effort | 0 -2 -4 | +1 -1 -2 | +3 +1 -1
perceived_benefits | disruption | 0 -2 -3 | +1 -1 -3 | +3 +1 -2
perceived_benefits | energy_reduction | -2 -2 0 | -1 -1 +1 | +1 +1 +2
environmental_awareness | complexity | -1 -1 -2 | 0 0 -1 | +1 0 -2
environmental_awareness | effort | +1 -1 -3 | +1 0 -1 | +3 +1 -1
environmental_awareness | disruption | +1 -1 -3 | +2 0 -2 | +3 +1 -1
environmental_awareness | energy_reduction | -1 -1 0 | 0 0 +1 | +1 +1 +2
information | complexity | -2 -2 -3 | -1 -1 -2 | +2 +2 +1
information | effort | 0 -2 -4 | 0 -1 -2 | +4 +2 0
information | disruption | 0 -2 -4 | +1 -1 -2 | +4 +2 0
information | energy_reduction | -2 -2 -1 | -1 -1 0 | +2 +2 +3
resources | complexity | -2 -2 -3 | -1 -1 -2 | +1 +1 0
resources | effort | 0 -2 -4 | 0 -1 -2 | +3 +1 +1
resources | disruption | -4 -2 -4 | -3 -1 -3 | +3 +1 -1
resources | energy_reduction | -2 -2 -1 | -1 -1 0 | +1 +1 +2
"""
# Source: ADOPTION.md, "The study's standalone characteristic weights" (L, M, H).
GOLDEN_STANDALONE = {
    "final": {"complexity": (0, 0, -1), "effort": (2, 0, -2), "disruption": (2, 0, -2),
              "energy_reduction": (0, 0, 1)},
    "pre_evaluation": {"complexity": (0, 0, -1), "effort": (1, 0, -1),
                       "disruption": (2, -1, -2), "energy_reduction": (0, 0, 1)},
}


def _golden() -> dict[tuple[str, str], tuple[tuple[int, ...], ...]]:
    out = {}
    for line in GOLDEN.strip().splitlines():
        b, c, *groups = (p.strip() for p in line.split("|"))
        out[(b, c)] = tuple(tuple(int(v) for v in g.split()) for g in groups)
    return out


def test_golden_transcription_is_complete() -> None:
    g = _golden()
    assert set(g) == {(b, c) for b in BARRIERS for c in CHARACTERISTICS}
    assert all(len(m) == 3 and all(len(r) == 3 for r in m) for m in g.values())


@pytest.mark.parametrize(("barrier", "characteristic"), sorted(_golden()))
def test_every_matrix_matches_adoption_md(barrier: str, characteristic: str) -> None:
    assert published_calibration().matrix(barrier, characteristic) == \
        _golden()[(barrier, characteristic)]


def test_cell_indexing_row_is_barrier_column_is_characteristic() -> None:
    cal = published_calibration()
    # information H, effort L is +4 (not information L, effort H = -4)
    assert cal.cell("information", Level.H, "effort", Level.L) == 4
    assert cal.cell("information", Level.L, "effort", Level.H) == -4


def test_thresholds_match_adoption_md() -> None:
    cal = published_calibration()
    assert (cal.positive_above, cal.negative_below) == (2, -2)
    assert [cal.verdict(s) for s in (-3, -2, 0, 2, 3)] == \
        ["negative", "neutral", "neutral", "neutral", "positive"]


def test_standalone_weights_are_documented_data_both_sets() -> None:
    cal = published_calibration()
    assert {k: dict(v) for k, v in cal.standalone_weights.items()} == GOLDEN_STANDALONE


def test_data_file_names_its_source_and_is_raw_equal() -> None:
    root = Path(__file__).resolve().parents[3]
    text = (root / "assess" / "adoption" / "_data" / "published_calibration.yaml").read_text()
    data = yaml.safe_load(text)
    assert data["name"] == "published" and "2024" in data["source"]
    g = _golden()
    for (b, c), m in g.items():
        assert [tuple(data["matrices"][b][c][lv]) for lv in "LMH"] == list(m)


def test_round_trip_through_mapping() -> None:
    from assess import Calibration

    cal = published_calibration()
    again = Calibration.from_mapping(cal.to_mapping())
    assert again.matrices == cal.matrices
    assert again.standalone_weights == cal.standalone_weights
