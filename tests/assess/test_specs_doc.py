"""specs/adoption.md shows exactly what the validator finds in the published calibration."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

from assess import BARRIERS, CHARACTERISTICS, published_calibration

DOC = Path(__file__).resolve().parents[2] / "specs" / "adoption.md"


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
