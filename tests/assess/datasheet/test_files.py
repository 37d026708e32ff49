"""Writing datasheets: one file per format, named after the product id made safe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from assess.datasheet._files import FORMATS, safe_stem, write_datasheet
from assess.datasheet._model import Datasheet
from assess.datasheet._schema import validate_datasheet_json
from carbon import UnknownKeyError


@given(st.text(max_size=40))
@example("../../etc/passwd")
@example("org/model:v1")
@example("...")
@example("")
@example("bert-base_uncased.v2")
def test_a_safe_stem_is_a_plain_file_name(product: str) -> None:
    stem = safe_stem(product)
    assert stem and "/" not in stem and "\\" not in stem
    assert not stem.startswith(".") and stem not in (".", "..")
    assert all(c.isalnum() or c in "-_." for c in stem)


def test_a_safe_stem_keeps_ordinary_ids() -> None:
    assert safe_stem("bert-base_uncased.v2") == "bert-base_uncased.v2"
    assert safe_stem("org/model:v1").startswith("org_model_v1-")
    assert safe_stem("...").startswith("product-")


@given(st.lists(st.text(max_size=30), min_size=2, max_size=6, unique=True))
@example(["a/b", "a_b", "a:b"])  # bug: the three overwrote one another's files
@example(["a_b", "a/b-0000000000"])
@example(["x" * 300, "x" * 301])  # bug: a 300-character id crashed (file name too long)
def test_distinct_ids_never_share_a_file_name(ids: list[str]) -> None:
    stems = [safe_stem(i) for i in ids]
    assert len(set(stems)) == len(stems)
    assert all(len(s.encode()) <= 120 for s in stems)


def test_every_format_is_written(datasheet: Datasheet, tmp_path: Path) -> None:
    out = tmp_path / "new" / "dir"
    paths = write_datasheet(datasheet, out, list(FORMATS))
    assert [p.name for p in paths] == ["child.html", "child.md", "child.json", "child.hf.yaml"]
    validate_datasheet_json(json.loads((out / "child.json").read_text(encoding="utf-8")))
    assert (out / "child.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_only_the_asked_formats_are_written(datasheet: Datasheet, tmp_path: Path) -> None:
    assert [p.name for p in write_datasheet(datasheet, tmp_path, ["md"])] == ["child.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["child.md"]
    with pytest.raises(UnknownKeyError, match="formats"):
        write_datasheet(datasheet, tmp_path, ["pdf"])
