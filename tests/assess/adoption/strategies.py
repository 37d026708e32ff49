"""Hypothesis strategies for the adoption framework."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from assess import BARRIERS, CHARACTERISTICS, Characteristics, Organisation

levels = st.sampled_from(["L", "M", "H"])
organisations = st.builds(lambda v: Organisation(**dict(zip(BARRIERS, v, strict=True))),
                          st.tuples(levels, levels, levels, levels))
characteristics = st.builds(
    lambda v: Characteristics(**dict(zip(CHARACTERISTICS, v, strict=True))),
    st.tuples(levels, levels, levels, levels))


@st.composite
def monotone_matrix(draw: Any, characteristic: str) -> list[list[int]]:
    """A random 3x3 integer matrix that rises with the barrier (rows L -> H) and towards the
    less costly characteristic level: cell = row part + column part + a bonus on the best
    corner, each part monotone in its own direction."""
    rows = sorted(draw(st.lists(st.integers(-4, 4), min_size=3, max_size=3)))
    cols = sorted(draw(st.lists(st.integers(-4, 4), min_size=3, max_size=3)), reverse=True)
    bonus = draw(st.integers(0, 2))
    m = [[rows[r] + cols[c] + (bonus if (r, c) == (2, 0) else 0) for c in range(3)]
         for r in range(3)]
    # cost characteristics fall along the row (L is cheapest); energy_reduction rises
    return m if characteristic != "energy_reduction" else [row[::-1] for row in m]


@st.composite
def monotone_calibrations(draw: Any) -> dict[str, Any]:
    pos = draw(st.integers(-3, 5))
    neg = draw(st.integers(-8, pos))
    return {
        "name": "random monotone",
        "thresholds": {"positive_above": pos, "negative_below": neg},
        "matrices": {b: {c: {lv: row for lv, row in zip("LMH", draw(monotone_matrix(c)),
                                                          strict=True)}
                         for c in CHARACTERISTICS} for b in BARRIERS},
    }
