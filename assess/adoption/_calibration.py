"""Calibrations of the framework: 16 reference matrices and thresholds.

A calibration maps every (barrier, characteristic) pair to a 3x3 matrix of integer weights:
row = the barrier's level (L, M, H), column = the characteristic's level (L, M, H). The
published one ships unchanged with the package (``published_calibration.yaml``); an
organisation may load its own with :func:`load_calibration`. Every calibration is checked on
load (:func:`assess.adoption.validate_calibration`).

>>> cal = published_calibration()
>>> cal.matrix("information", "effort")[2]      # information H; effort L, M, H
(4, 2, 0)
>>> cal.positive_above, cal.negative_below
(2, -2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from assess.adoption._calibration_check import (
    _LEVELS,
    _STANDALONE_SETS,
    CalibrationReport,
    Matrix,
    _score_range,
    validate_calibration,
)
from assess.adoption._errors import CalibrationError
from assess.adoption._framework import BARRIERS, CHARACTERISTICS, Level
from carbon import DataError, UnknownKeyError

__all__ = ["Calibration", "load_calibration", "published_calibration"]

# The package's data folder, found from this file (works for regular, editable and namespace
# imports alike; importlib.resources fails on a namespace import through an editable finder).
_DATA = Path(__file__).resolve().parent / "_data"


@dataclass(frozen=True)
class Calibration:
    """A usable calibration: 16 integer 3x3 matrices, thresholds, optional standalone weights.

    Build with :meth:`from_mapping`, :func:`load_calibration` or :func:`published_calibration`
    (never directly). ``matrices[(barrier, characteristic)][barrier rank][characteristic
    rank]`` is a weight; ``standalone_weights[set][characteristic][rank]`` documented data.
    """

    name: str
    source: str | None
    positive_above: int
    negative_below: int
    matrices: Mapping[tuple[str, str], Matrix]
    standalone_weights: Mapping[str, Mapping[str, tuple[int, int, int]]] = field(
        default_factory=dict)
    report: CalibrationReport = field(default_factory=lambda: CalibrationReport(()))

    @classmethod
    def from_mapping(cls, data: Any, *, origin: str = "calibration") -> Calibration:
        """Validate ``data`` and build; every blocking finding is raised at once.

        >>> Calibration.from_mapping({"thresholds": {"positive_above": 2, "negative_below": -2}})
        Traceback (most recent call last):
        ...
        assess.adoption._errors.CalibrationError: calibration is not usable (1 error): ...
        """
        report = validate_calibration(data)
        if report.errors:
            n = len(report.errors)
            raise CalibrationError(
                origin, data.get("name") if isinstance(data, Mapping) else data,
                "a complete calibration with integer 3x3 matrices and integer thresholds",
                f"{origin} is not usable ({n} error{'s' if n > 1 else ''}): "
                + "; ".join(f.message for f in report.errors),
                findings=report.errors)
        mats: dict[tuple[str, str], Matrix] = {}
        for b in BARRIERS:
            for c in CHARACTERISTICS:
                raw = data["matrices"][b][c]
                rows = [raw[lv] for lv in _LEVELS] if isinstance(raw, Mapping) else raw
                mats[(b, c)] = tuple(tuple(int(v) for v in r) for r in rows)  # type: ignore[assignment]
        sw: dict[str, dict[str, tuple[int, int, int]]] = {}
        for name, ws in (data.get("standalone_weights") or {}).items():
            if name in _STANDALONE_SETS:
                sw[name] = {c: tuple(int(v) for v in ws[c])  # type: ignore[misc]
                            for c in CHARACTERISTICS}
        th = data["thresholds"]
        return cls(name=str(data.get("name") or origin), source=data.get("source"),
                   positive_above=int(th["positive_above"]),
                   negative_below=int(th["negative_below"]),
                   matrices=mats, standalone_weights=sw, report=report)

    def matrix(self, barrier: str, characteristic: str) -> Matrix:
        """The 3x3 matrix of one pair (rows barrier L, M, H; columns characteristic L, M, H)."""
        try:
            return self.matrices[(barrier, characteristic)]
        except KeyError as e:
            raise UnknownKeyError("pair", (barrier, characteristic),
                                  f"a barrier in {BARRIERS} and a characteristic in "
                                  f"{CHARACTERISTICS}") from e

    def cell(self, barrier: str, b_level: Level, characteristic: str, c_level: Level) -> int:
        """One weight: the barrier's row, the characteristic's column."""
        return self.matrix(barrier, characteristic)[b_level.rank][c_level.rank]

    def verdict(self, score: int) -> Literal["positive", "neutral", "negative"]:
        """``positive`` if score > positive_above, ``negative`` if < negative_below, else
        ``neutral``.

        >>> cal = published_calibration()
        >>> [cal.verdict(s) for s in (3, 2, -2, -3)]
        ['positive', 'neutral', 'neutral', 'negative']
        """
        if score > self.positive_above:
            return "positive"
        if score < self.negative_below:
            return "negative"
        return "neutral"

    @cached_property
    def weight_array(self) -> np.ndarray:
        """All weights as one int64 array ``W[barrier, characteristic, b rank, c rank]`` in
        the order of ``BARRIERS`` and ``CHARACTERISTICS`` (read-only, computed once)."""
        w = np.array([[self.matrices[(b, c)] for c in CHARACTERISTICS] for b in BARRIERS],
                     dtype=np.int64)
        w.setflags(write=False)
        return w

    @cached_property
    def score_range(self) -> tuple[int, int]:
        """The lowest and highest score any input can reach (exact, 3^8 combinations)."""
        return _score_range({k: [list(r) for r in m] for k, m in self.matrices.items()})

    def to_mapping(self) -> dict[str, Any]:
        """The calibration as plain data (the file format), for saving or editing."""
        out: dict[str, Any] = {
            "name": self.name,
            "thresholds": {"positive_above": self.positive_above,
                           "negative_below": self.negative_below},
            "matrices": {b: {c: {lv: list(self.matrices[(b, c)][i])
                                 for i, lv in enumerate(_LEVELS)}
                             for c in CHARACTERISTICS} for b in BARRIERS},
        }
        if self.source is not None:
            out["source"] = self.source
        if self.standalone_weights:
            out["standalone_weights"] = {k: {c: list(v) for c, v in ws.items()}
                                         for k, ws in self.standalone_weights.items()}
        return out


def read_yaml(path: str | Path, what: str) -> Any:
    """The content of a YAML file; anything that stops it being read is one
    :class:`carbon.DataError` on one line, naming the file (and the line and column where
    YAML's parser stopped).

    >>> read_yaml("/nope.yaml", "organisation")
    Traceback (most recent call last):
    ...
    carbon._errors.DataError: organisation='/nope.yaml' is invalid: expected ... file (No such ...)
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise DataError(what, str(p), f"a UTF-8 {what} YAML file (byte {e.start} is not UTF-8: "
                        "binary, or saved in another encoding)") from e
    except OSError as e:
        raise DataError(what, str(p), f"a readable {what} YAML file "
                        f"({e.strerror or type(e).__name__})") from e
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or type(e).__name__
        at = "" if mark is None else f" at line {mark.line + 1}, column {mark.column + 1}"
        raise DataError(what, str(p), f"valid YAML ({problem}{at})") from e
    except (ValueError, RecursionError) as e:  # an integer of > 4300 digits, deep nesting
        raise DataError(what, str(p), f"valid YAML of sensible size ({str(e)[:80]})") from e


def load_calibration(path: str | Path) -> Calibration:
    """Read a calibration YAML file (the format of ``published_calibration.yaml``).

    Raises :class:`assess.CalibrationError` listing every blocking finding; non-monotone cells
    are kept in ``calibration.report`` as warnings.
    """
    return Calibration.from_mapping(read_yaml(path, "calibration"), origin=str(Path(path)))


_PUBLISHED: Calibration | None = None


def published_calibration() -> Calibration:
    """The published calibration, read from the shipped data file (cached, immutable).

    >>> published_calibration().name
    'published'
    """
    global _PUBLISHED
    if _PUBLISHED is None:
        text = (_DATA / "published_calibration.yaml").read_text(encoding="utf-8")
        _PUBLISHED = Calibration.from_mapping(yaml.safe_load(text),
                                              origin="published_calibration.yaml")
    return _PUBLISHED
