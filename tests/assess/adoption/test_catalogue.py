"""Catalogues as data: the study's four techniques and the 30 green tactics (ADOPTION.md)."""

from __future__ import annotations

import pytest

from assess import (
    TACTIC_GROUPS,
    BeforeAfter,
    Characteristics,
    ClaimedSaving,
    Level,
    Rating,
    tactics,
    technique,
    techniques,
)
from carbon import InvalidValueError, UnknownKeyError

# Golden, transcribed from ADOPTION.md ("Its technique catalogue ...").
GOLDEN_TECHNIQUES = {
    "batch sampling": "33 %",
    "energy consumption as a model constraint": "32-74 %",
    "GPU power limiting": "up to 33 %",
    "energy-aware pruning": "24-73 %",
}
# Golden, transcribed from ADOPTION.md ("the 30 green architectural tactics ... six groups").
GOLDEN_TACTICS = {
    "data_centric": "apply sampling; remove redundant data; reduce number of features; use "
                    "input quantization; use data projection",
    "algorithm_design": "choose an energy-efficient algorithm; choose a lightweight "
                        "alternative; decrease model complexity; consider reinforcement "
                        "learning for energy efficiency; use dynamic parameter adaptation; use "
                        "built-in library functions",
    "model_optimization": "set energy consumption as a model constraint; consider graph "
                          "substitution; enhance model sparsity; consider energy-aware pruning; "
                          "consider transfer learning; consider knowledge distillation",
    "model_training": "use quantization-aware training; use checkpoints during training; "
                      "design for memory constraints",
    "deployment": "consider federated learning; use computation partitioning; apply cloud-fog "
                  "architecture; use energy-efficient hardware; use power capping; use "
                  "energy-aware scheduling; minimize referencing to data",
    "management": "use informed adaptation; retrain the model if needed; monitor computing "
                  "power",
}


def test_four_techniques_with_claimed_savings() -> None:
    got = {t.name: str(t.claimed_saving) for t in techniques()}
    assert got == GOLDEN_TECHNIQUES
    assert all(t.kind == "technique" and t.source for t in techniques())


def test_thirty_tactics_in_six_groups() -> None:
    assert tuple(GOLDEN_TACTICS) == TACTIC_GROUPS
    for group, names in GOLDEN_TACTICS.items():
        assert [t.name for t in tactics(group)] == names.split("; ")
    assert len(tactics()) == 30 and len({t.id for t in tactics()}) == 30
    assert all(t.claimed_saving is None and "ICSE-SEIS 2024" in t.source for t in tactics())


def test_related_tactics_exist() -> None:
    for t in techniques():
        assert t.related_tactic is not None
        assert technique(t.related_tactic).kind == "tactic"


def test_lookup_errors() -> None:
    with pytest.raises(UnknownKeyError, match="technique"):
        technique("magic")
    with pytest.raises(UnknownKeyError, match="group"):
        tactics("hardware")


def test_ratings_and_measurements_are_labelled() -> None:
    t = technique("energy_aware_pruning").rated(
        {"complexity": "H", "effort": "H", "disruption": "L", "energy_reduction": "M"},
        by="vision team")
    assert [e.label for e in t.evidence] == ["claimed", "rated"]
    assert t.characteristics().basis["energy_reduction"].label == "rated"
    t2 = t.measured(BeforeAfter(name="prune", energy_before="2 J", energy_after="1.2 J",
                                energy_provenance="sampled", ratio_ci=(0.55, 0.65),
                                trials=10, metric_name="accuracy",
                                metric_before=0.95, metric_after=0.94))
    assert [e.label for e in t2.evidence] == ["claimed", "rated", "measured"]
    c = t2.characteristics()
    assert c.energy_reduction == Level.H and c.basis["energy_reduction"].label == "measured"
    assert c.disruption == Level.M and c.basis["disruption"].label == "measured"
    assert technique("energy_aware_pruning").ratings == ()  # the catalogue is not mutated


def test_a_measurement_alone_cannot_rate_complexity() -> None:
    t = technique("gpu_power_limiting").measured(
        BeforeAfter(name="cap", energy_before="2 J", energy_after="1.5 J",
                    energy_provenance="measured"))
    with pytest.raises(InvalidValueError, match="complexity"):
        t.characteristics()


def test_rating_refuses_measured_levels() -> None:
    from assess import Basis

    c = Characteristics(complexity="L", effort="L", disruption="L", energy_reduction="H",
                        basis={"energy_reduction": Basis(label="measured")})
    with pytest.raises(InvalidValueError, match="measured"):
        Rating(characteristics=c)


@pytest.mark.parametrize("kwargs", [
    {"qualifier": "up_to", "low_pct": 10, "high_pct": 33},
    {"qualifier": "range", "high_pct": 33},
    {"qualifier": "range", "low_pct": 50, "high_pct": 33},
    {"qualifier": "exact", "low_pct": 10, "high_pct": 130},
])
def test_bad_claims(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidValueError):
        ClaimedSaving(**kwargs)  # type: ignore[arg-type]
