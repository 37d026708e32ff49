"""Organisation and technique files: the shipped examples load, a calibration named in the
organisation file is read beside it, and every malformed file is refused naming the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assess.adoption._catalogue import Technique
from assess.adoption._files import (
    Assessment,
    OrganisationFile,
    assess_techniques,
    load_organisation,
    load_techniques,
)
from carbon import DataError, InvalidValueError, ModelCarbonError, UnknownKeyError

EXAMPLES = Path(__file__).resolve().parents[3] / "assess" / "adoption" / "_data" / "examples"


def test_own_calibration_from_org_file(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "monotone_calibration.yaml", tmp_path / "cal.yaml")
    text = (EXAMPLES / "org.yaml").read_text().replace("calibration: published",
                                                        "calibration: cal.yaml")
    (tmp_path / "org.yaml").write_text(text)
    of = load_organisation(tmp_path / "org.yaml")
    assert of.calibration.name == "published, made monotone" and of.calibration.report.ok


@pytest.mark.parametrize(("org_text", "error", "match"), [
    ("name: x\n", InvalidValueError, "barriers"),
    ("barriers: {perceived_benefits: M, environmental_awareness: M, information: M}\n",
     InvalidValueError, "resources"),
    ("barriers: {perceived_benefits: M, environmental_awareness: M, information: M, "
     "resources: M, budget: H}\n", UnknownKeyError, "budget"),
    ("colour: red\n", UnknownKeyError, "colour"),
    ("barriers: {perceived_benefits: M, environmental_awareness: M, information: M, "
     "resources: M}\nstandalone: draft\n", InvalidValueError, "standalone"),
])
def test_bad_organisation_files(tmp_path: Path, org_text: str, error: type[Exception],
                                match: str) -> None:
    p = tmp_path / "org.yaml"
    p.write_text(org_text)
    with pytest.raises(error, match=match):
        load_organisation(p)


@pytest.mark.parametrize(("text", "match"), [
    ("techniques: [{id: teleportation, rated: {}}]\n", "teleportation"),
    ("techniques: [{name: x}]\n", "rated"),
    ("techniques: [{rated: {}}]\n", "'id'"),
    ("techniques: [{name: x, rated: {complexity: L, effort: L, disruption: L}}]\n",
     "energy_reduction"),
    ("techniques: [{name: x, colour: red}]\n", "colour"),
    ("techniques: {}\n", "list"),
])
def test_bad_technique_files(tmp_path: Path, text: str, match: str) -> None:
    p = tmp_path / "t.yaml"
    p.write_text(text)
    with pytest.raises((InvalidValueError, UnknownKeyError), match=match):
        load_techniques(p)


def test_the_shipped_examples_load() -> None:
    of = load_organisation(EXAMPLES / "org.yaml")
    assert of.organisation.name == "Example OCR team"
    assert of.organisation.information.value == "L" and of.calibration.name == "published"
    assert of.standalone is None and of.thresholds.energy_high_pct == 30
    assert of.business["currency"] == "EUR"
    items = load_techniques(EXAMPLES / "techniques.yaml")
    assert [t.id for t in items][:2] == ["gpu_power_limiting", "energy_aware_pruning"]
    assert items[2].id == "int8_post_training_quantisation"  # a name becomes its slug
    assert "organisation file techniques.yaml" in (items[2].source or "")
    assert [len(t.measurements) for t in items] == [0, 1, 1]


def test_assessments_have_a_business_case_only_with_a_measurement() -> None:
    of = load_organisation(EXAMPLES / "org.yaml")
    rows = assess_techniques(of, load_techniques(EXAMPLES / "techniques.yaml"))
    assert [r.business is not None for r in rows] == [False, True, True]
    assert all(r.advice.technique == r.technique.name for r in rows)
    d = rows[1].to_dict()
    assert d["id"] == "energy_aware_pruning" and d["business_case"]["break_even_requests"] > 0
    # without a business block nothing is computed, and nothing becomes zero
    plain = OrganisationFile(of.organisation, of.calibration, None, of.thresholds, {})
    assert all(r.business is None for r in assess_techniques(plain, rows_techniques(rows)))


def rows_techniques(rows: tuple[Assessment, ...]) -> tuple[Technique, ...]:
    return tuple(r.technique for r in rows)


def test_an_absolute_calibration_path_is_used_as_is(tmp_path: Path) -> None:
    cal = tmp_path / "elsewhere" / "cal.yaml"
    cal.parent.mkdir()
    shutil.copy(EXAMPLES / "monotone_calibration.yaml", cal)
    org = tmp_path / "org.yaml"
    org.write_text("barriers: {perceived_benefits: M, environmental_awareness: M, "
                   f"information: M, resources: M}}\ncalibration: {cal}\n")
    assert load_organisation(org).calibration.report.ok


@pytest.mark.parametrize(("text", "match"), [
    (None, "readable organisation YAML file"),
    ("barriers: [unclosed\n", "valid YAML"),
    ("- a list\n", "a mapping"),
    ("barriers: M\n", "a mapping"),
])
def test_unreadable_organisation_files(tmp_path: Path, text: str | None, match: str) -> None:
    p = tmp_path / "org.yaml"
    if text is not None:
        p.write_text(text)
    with pytest.raises(ModelCarbonError, match=match) as info:
        load_organisation(p)
    assert isinstance(info.value, (DataError, InvalidValueError))


def test_rated_on_must_be_a_date(tmp_path: Path) -> None:
    p = tmp_path / "t.yaml"
    p.write_text("techniques: [{name: x, rated_on: yesterday, rated: {complexity: L, "
                 "effort: L, disruption: L, energy_reduction: L}}]\n")
    with pytest.raises(InvalidValueError) as info:
        load_techniques(p)
    assert info.value.field == f"{p}: techniques[0].rated_on"  # the file is named too


@pytest.mark.parametrize(("data", "needle"), [
    (bytes(range(256)), "UTF-8"),
    ("name: caf\xe9\n".encode("latin-1"), "UTF-8"),
    (b"a: [1, 2\n", "at line 2, column 1"),
    (("barriers: {perceived_benefits: 1" + "0" * 5000 + "}\n").encode(), "sensible size"),
])
def test_unreadable_yaml_is_one_line(tmp_path: Path, data: bytes, needle: str) -> None:
    from carbon import DataError

    p = tmp_path / "org.yaml"
    p.write_bytes(data)
    for load in (load_organisation, load_techniques):
        with pytest.raises(DataError) as info:
            load(p)
        assert needle in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_wrong_shapes_name_the_file(tmp_path: Path) -> None:
    p = tmp_path / "org.yaml"
    p.write_text("barriers: {perceived_benefits: H, environmental_awareness: H, information: H,"
                 " resources: L}\nmeasured_thresholds: [1]\n")
    with pytest.raises(InvalidValueError, match="measured_thresholds") as info:
        load_organisation(p)
    assert str(p) in str(info.value)
    p.write_text("techniques: [{name: x, rated: 5}]\n")
    with pytest.raises(InvalidValueError, match="rated") as bad:
        load_techniques(p)
    assert str(p) in str(bad.value) and "techniques[0]" in str(bad.value)
