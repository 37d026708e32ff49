"""Row and feature reduction: stratified, chi-squared, and child datasets in the lineage."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

import carbon
from compress._data import reduce_rows, select_features


@pytest.fixture()
def xy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(4), 25)
    x = rng.integers(0, 5, size=(100, 6)).astype(float)
    x[:, 2] += y * 4.0  # the informative column
    x[:, 5] = 0.0  # an empty column: no chi-squared statistic
    return x, y


def test_rows_keep_class_shares(xy: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = xy
    r = reduce_rows(x, y, 0.2, seed=1)
    assert len(r.y) == 20 and np.bincount(r.y).tolist() == [5, 5, 5, 5]
    assert np.array_equal(r.x, x[r.kept])
    assert np.array_equal(reduce_rows(x, y, 0.2, seed=1).kept, r.kept)  # reproducible
    assert len(reduce_rows(x, y, 1.0).kept) == 100


def test_features_pick_the_informative_column(xy: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = xy
    r = select_features(x, y, 0.17)
    assert r.kept.tolist() == [2] and r.x.shape == (100, 1)
    assert 5 not in select_features(x, y, 1.0).kept  # the empty column is never chosen


@pytest.mark.parametrize("f", [0.0, 1.5, True, float("nan")])
def test_bad_fractions(xy: tuple[np.ndarray, np.ndarray], f: Any) -> None:
    with pytest.raises(carbon.InvalidValueError):
        reduce_rows(*xy, f)


def test_too_few_rows_and_negative_features(xy: tuple[np.ndarray, np.ndarray]) -> None:
    x, y = xy
    with pytest.raises(carbon.InvalidValueError):
        reduce_rows(x, y, 0.02)
    with pytest.raises(carbon.InvalidValueError):
        select_features(-x - 1, y, 0.5)


def test_child_datasets_in_lineage(xy: tuple[np.ndarray, np.ndarray], setting: Any,
                                   graph: Any) -> None:
    x, y = xy
    r = reduce_rows(x, y, 0.5, graph=graph, parent="digits", child="digits-half",
                    setting=setting)
    f = select_features(r.x, r.y, 0.5, graph=graph, parent="digits-half",
                        child="digits-half-chi2", setting=setting)
    edges = {(e["parent"], e["child"], e["kind"]) for e in graph.edges()}
    assert ("digits", "digits-half", "derived_from") in edges
    assert ("digits-half", "digits-half-chi2", "derived_from") in edges
    assert [e.phase for e in graph.jobs("digits-half-chi2")] == ["data"]
    assert f.job is not None and f.dataset == "digits-half-chi2"
    assert graph.epc("digits-half-chi2").total.m_as("gCO2e") > 0


def test_lineage_arguments_together(xy: tuple[np.ndarray, np.ndarray], graph: Any,
                                    setting: Any) -> None:
    with pytest.raises(carbon.InvalidValueError):
        reduce_rows(*xy, 0.5, graph=graph, parent="digits")
    with pytest.raises(carbon.UnknownKeyError):
        reduce_rows(*xy, 0.5, graph=graph, parent="nope", child="c", setting=setting)
    with pytest.raises(carbon.InvalidValueError):
        reduce_rows(*xy, 0.5, graph=graph, parent="digits", child="teacher", setting=setting)
