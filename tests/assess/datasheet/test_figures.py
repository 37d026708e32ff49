"""Figures: sums keep provenance, per-request parts add up, curves and break-even are right."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from assess.datasheet._figures import (
    INFERENCE_ONLY_PARTS,
    break_even_figure,
    cost_curve_figure,
    figure_of_job,
    per_request_section,
)
from assess.datasheet._model import CarbonFigure
from carbon import PARTS, Q_, InvalidValueError, asc_e
from lineage import break_even, cost_curve
from tests.assess.datasheet.conftest import grams, request_job, training_job

finite = st.floats(min_value=0.0, max_value=1e9, allow_nan=False)


def fig(g: float, label: str = "measured", u: float | None = None) -> CarbonFigure:
    return CarbonFigure(value=Q_(g, "gCO2e"), provenance=label,
                        uncertainty=None if u is None else Q_(u, "gCO2e"))


@pytest.mark.parametrize("figures, label, unc", [
    ([fig(1, "measured", 0.3), fig(2, "measured", 0.4)], "measured", 0.5),  # root-sum-square
    ([fig(1, "measured", 0.1), fig(2, "reported")], "mixed", None),
    ([fig(0, "estimated", 0), fig(0, "estimated", 0)], "estimated", 0.0),
    ([fig(1e-12, "sampled", 0)], "sampled", 0.0),
])
def test_sum_table(figures, label, unc) -> None:
    s = CarbonFigure.sum(figures)
    assert s.provenance == label
    assert s.g == pytest.approx(sum(f.g for f in figures))
    assert (s.uncertainty is None) == (unc is None)
    if unc is not None:
        assert grams(s.uncertainty) == pytest.approx(unc)


def test_empty_sum_is_refused_not_zero() -> None:
    with pytest.raises(InvalidValueError, match="figures"):
        CarbonFigure.sum([])


@given(st.lists(st.tuples(finite, st.sampled_from(["measured", "reported", "estimated"])),
                min_size=1, max_size=8))
@settings(max_examples=40)
def test_sum_split_adds_up(items) -> None:
    s = CarbonFigure.sum([fig(g, lab) for g, lab in items])
    split = s.by_provenance or {s.provenance: s.value}
    assert sum(grams(v) for v in split.values()) == pytest.approx(s.g, rel=1e-9, abs=1e-9)


def test_job_figure_is_the_job_asc_e() -> None:
    job = training_job()
    f = figure_of_job(job)
    b = asc_e(job)
    assert f.g == pytest.approx(b.asc_e_g)
    # the server's embodied carbon states no range: the ASC^e figure's uncertainty is unknown
    assert f.uncertainty is None and b.uncertainty is None
    assert "embodied carbon" in (f.uncertainty_unknown or "")
    assert f.provenance == "measured" and f.source == "NVML energy counter"
    box = job.energy[0].system.model_copy(update={"embodied_uncertainty": Q_(500, "kgCO2e")})
    stated = job.model_copy(update={"energy": [job.energy[0].model_copy(update={"system": box})]})
    f2 = figure_of_job(stated)
    assert grams(f2.uncertainty) == pytest.approx(asc_e(stated).uncertainty_g)
    assert f2.uncertainty_unknown is None


def test_per_request_parts_sum_to_total_and_inference_only() -> None:
    epc = figure_of_job(training_job())
    pr = per_request_section(request_job(), epc=epc, lifetime_requests=1e6)
    assert list(pr.parts) == list(PARTS)
    assert pr.total.g == pytest.approx(sum(f.g for f in pr.parts.values()))
    assert pr.inference_only.g == pytest.approx(sum(pr.parts[p].g for p in INFERENCE_ONLY_PARTS))
    assert pr.parts["products"].g == pytest.approx(epc.g / 1e6)
    # the per-request figure is the carbon engine's, with the EPC share by requests
    no_epc = per_request_section(request_job(), epc=None)
    assert no_epc.total.g == pytest.approx(asc_e(request_job()).asc_e_g)
    assert pr.total.g - no_epc.total.g == pytest.approx(epc.g / 1e6)


def test_per_request_by_time() -> None:
    epc = fig(1e6, "reported")
    pr = per_request_section(request_job(), epc=epc, lifetime=Q_(2, "year"), parallel_jobs=4)
    seconds = 2 * 365 * 86400
    assert pr.parts["products"].g == pytest.approx(1e6 * 0.040 / (seconds * 4))


@pytest.mark.parametrize("kw", [{}, {"lifetime_requests": 1e6, "lifetime": Q_(1, "year")}])
def test_per_request_needs_exactly_one_basis(kw) -> None:
    with pytest.raises(InvalidValueError, match="lifetime_requests"):
        per_request_section(request_job(), epc=fig(1.0), **kw)


def test_curve_falls_towards_the_rest() -> None:
    c = cost_curve_figure(1000.0, 0.5, 1.0, 1e9, points=20)
    totals = [grams(p.per_request) for p in c.points]
    assert all(a > b for a, b in itertools.pairwise(totals))
    assert totals[-1] == pytest.approx(0.5, rel=1e-5)
    assert all(grams(p.operational) == 0.5 for p in c.points)


@given(epc=st.floats(0.0, 1e9), rest=st.floats(1e-9, 10.0), alt_epc=st.floats(0.0, 1e9),
       alt_rest=st.floats(1e-9, 10.0))
@example(epc=1000.0, rest=0.001, alt_epc=3.0, alt_rest=0.004)  # reuse vs from scratch
@example(epc=5.0, rest=1.0, alt_epc=5.0, alt_rest=1.0)  # identical lineages
@settings(max_examples=60)
def test_break_even_against_a_naive_oracle(epc, rest, alt_epc, alt_rest) -> None:
    be = break_even_figure(fig(epc), rest, "alt", fig(alt_epc), Q_(alt_rest, "gCO2e"))

    def cheaper_here(n: float) -> bool:  # naive: evaluate both lifetime totals
        return epc + n * rest < alt_epc + n * alt_rest

    if be.requests is None:
        # one lineage is cheaper (or equal) at every volume: no sign change on a wide grid
        signs = {cheaper_here(10.0 ** k) for k in range(-3, 16)
                 if not math.isclose(epc + 10.0 ** k * rest, alt_epc + 10.0 ** k * alt_rest)}
        assert len(signs) <= 1
    else:
        n = be.requests
        assert n > 0
        assert epc + n * rest == pytest.approx(alt_epc + n * alt_rest, rel=1e-6)


def test_figures_display_lineages_arithmetic() -> None:
    """One home: the curve and the break-even are lineage's numbers, shown as records."""
    c = cost_curve_figure(1000.0, 0.5, 1.0, 1e9, points=5)
    volumes = [p.requests for p in c.points]
    want = cost_curve(Q_(1000.0, "gCO2e"), Q_(0.5, "gCO2e"), volumes).m_as("gCO2e").tolist()
    assert [grams(p.per_request) for p in c.points] == want
    be = break_even_figure(fig(1000.0), 0.001, "alt", fig(3.0), Q_(0.004, "gCO2e"))
    assert be.requests == break_even(Q_(1000.0, "gCO2e"), Q_(0.001, "gCO2e"),
                                     Q_(3.0, "gCO2e"), Q_(0.004, "gCO2e"))
    assert be.requests == pytest.approx(997 / 0.003)
    assert "this lineage" in be.explanation
    never = break_even_figure(fig(1.0), 0.001, "alt", fig(3.0), Q_(0.004, "gCO2e"))
    assert never.requests is None and never.explanation.startswith(
        "No break-even: this lineage costs less")
