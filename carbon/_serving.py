"""LLM serving logs (``specs/serving.md``): one row per request, one per batch or idle period.

A serving loop writes JSON lines, each an object with ``kind`` ``request``, ``batch`` or
``idle``; the same two tables come from pandas (a requests frame, and a batches frame whose
``kind`` is ``batch`` or ``idle``) or Parquet (a directory holding ``requests.parquet`` and
``batches.parquet``, or the two paths). :func:`read_serving_log` reads any of them into a
validated :class:`ServingLog`: timestamps as UTC, tokens as integers, every energy column
converted once to joules from the unit in its header (``energy [kWh]``), and every error
naming the file, the row (a JSON line number, or a 0-based row) and the field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carbon._columns import column_factor
from carbon._errors import DataError, InvalidValueError
from carbon._request_tables import unit_column
from carbon._utc import utc_ns

__all__ = ["PROVENANCES", "REQUEST_FIELDS", "ServingLog", "read_serving_log"]

#: The fields of a request row (specs/serving.md).
REQUEST_FIELDS = ("request", "batch", "model", "device", "region", "start", "first_token",
                  "end", "prompt_tokens", "completion_tokens")
_BATCH_KEYS = ("batch", "device", "start", "end")
_IDLE_KEYS = ("device", "start", "end")
#: How a logged energy was obtained (as in every modelcarbon record); null: not said.
PROVENANCES = ("measured", "sampled", "estimated", "reported")
#: Optional energy-like columns of a batch row and their canonical unit.
_BATCH_AMOUNTS = {"energy": "J", "prefill_energy": "J", "decode_energy": "J",
                  "energy_uncertainty": "J", "peak_power": "W"}


def _where(source: str, rows: np.ndarray, i: int, lines: bool) -> str:
    return f"{source} {'line' if lines else 'row'} {int(rows[i])}"


@dataclass(frozen=True)
class ServingLog:
    """A validated serving log: ``requests``, ``batches`` and ``idle`` frames.

    ``requests``: :data:`REQUEST_FIELDS` (ids and keys as str, timestamps as UTC datetimes,
    tokens as int64). ``batches``: ``batch``, ``device``, ``start``, ``end``, ``energy [J]``,
    ``prefill_energy [J]``, ``decode_energy [J]``, ``energy_uncertainty [J]``,
    ``peak_power [W]`` (NaN where the server did not measure), ``energy_provenance`` (None where
    not said), ``note``. ``idle``: ``device``, ``start``, ``end``, ``energy [J]``,
    ``energy_provenance``. Each frame keeps ``row``: the JSON line number (``lines=True``) or
    the 0-based row of its source, for messages. Build with :meth:`from_frames` or
    :func:`read_serving_log`, which check every rule of ``specs/serving.md``.
    """

    requests: pd.DataFrame
    batches: pd.DataFrame
    idle: pd.DataFrame
    source: str = "serving log"
    lines: bool = False
    sources: Mapping[str, str] = field(default_factory=dict)

    def where(self, table: str, i: int) -> str:
        """``'<file> line N'`` or ``'<file> row N'`` of position ``i`` of ``table``."""
        frame = getattr(self, table)
        return _where(self.sources.get(table, self.source), frame["row"].to_numpy(), i,
                      self.lines)

    @classmethod
    def from_frames(cls, requests: pd.DataFrame, batches: pd.DataFrame, *,
                    source: str = "serving log", lines: bool = False,
                    sources: Mapping[str, str] | None = None) -> ServingLog:
        """Validate and normalise a requests frame and a batches frame (``kind`` column
        ``batch`` or ``idle``; without one, every row is a batch).

        >>> t = pd.Timestamp("2026-03-01T10:00Z")
        >>> req = pd.DataFrame({"request": ["r1"], "batch": ["b1"], "model": ["m"],
        ...     "device": ["gpu0"], "region": ["FRA"], "start": [t],
        ...     "first_token": [t + pd.Timedelta("1s")], "end": [t + pd.Timedelta("5s")],
        ...     "prompt_tokens": [10], "completion_tokens": [20]})
        >>> bat = pd.DataFrame({"kind": ["batch"], "batch": ["b1"], "device": ["gpu0"],
        ...     "start": [t], "end": [t + pd.Timedelta("5s")], "energy [kJ]": [1.5],
        ...     "energy_provenance": ["measured"]})
        >>> float(ServingLog.from_frames(req, bat).batches["energy [J]"].iloc[0])
        1500.0
        """
        srcs = dict(sources or {})
        r_src = srcs.setdefault("requests", source)
        b_src = srcs.setdefault("batches", source)
        srcs.setdefault("idle", b_src)
        req = _requests(requests, r_src, lines)
        kind = (batches["kind"].astype(object).to_numpy() if "kind" in batches.columns
                else np.full(len(batches), "batch", dtype=object))
        rows = _rows(batches)
        bad = np.flatnonzero(~np.isin(kind, ["batch", "idle"]))
        if len(bad):
            raise DataError(f"{_where(b_src, rows, int(bad[0]), lines)}: kind",
                            kind[bad[0]], "'batch' or 'idle' (or 'request' in JSON lines)")
        is_batch = kind == "batch"
        bat = _timed(batches.loc[is_batch], rows[is_batch], b_src, lines, _BATCH_KEYS)
        idl = _timed(batches.loc[~is_batch], rows[~is_batch], b_src, lines, _IDLE_KEYS)
        log = cls(req, bat, idl, source, lines, srcs)
        _check_links(log)
        return log


def _rows(frame: pd.DataFrame) -> np.ndarray:
    if "row" in frame.columns:
        return frame["row"].to_numpy(dtype=np.int64)
    return np.arange(len(frame), dtype=np.int64)


def _text(frame: pd.DataFrame, col: str, rows: np.ndarray, source: str, lines: bool) -> Any:
    if col not in frame.columns:
        raise DataError(f"{source}: columns", list(map(str, frame.columns)),
                        f"a {col!r} column (specs/serving.md)")
    values = frame[col].astype(object).to_numpy()
    bad = np.flatnonzero(pd.isna(values) | (values == ""))
    if len(bad):
        raise DataError(f"{_where(source, rows, int(bad[0]), lines)}: {col}", values[bad[0]],
                        f"a non-empty {col} in every row")
    return values.astype(str)


def _times(frame: pd.DataFrame, col: str, rows: np.ndarray, source: str,
           lines: bool) -> np.ndarray:
    if col not in frame.columns:
        raise DataError(f"{source}: columns", list(map(str, frame.columns)),
                        f"a {col!r} column (ISO 8601, UTC)")
    values = frame[col]
    try:
        return utc_ns(values, f"{source}: {col}")
    except DataError:
        for i, v in enumerate(values):  # name the first bad row (only on the error path)
            try:
                utc_ns(pd.Series([v]), col)
            except DataError as e:
                raise DataError(f"{_where(source, rows, i, lines)}: {col}", v,
                                "an ISO 8601 timestamp (UTC)") from e
        raise


def _order(start: np.ndarray, end: np.ndarray, rows: np.ndarray, source: str,
           lines: bool, what: str = "end", bound: str = "start") -> None:
    """``end >= start`` in every row, else an error naming ``what``: the later time
    (``bound="start"``) or the earlier one, checked against the end (``bound="end"``)."""
    bad = np.flatnonzero(end < start)
    if len(bad):
        i = int(bad[0])
        value, other = (end[i], start[i]) if bound == "start" else (start[i], end[i])
        relation = "not before start" if bound == "start" else "not after end"
        raise InvalidValueError(f"{_where(source, rows, i, lines)}: {what}",
                                str(pd.Timestamp(int(value), tz="UTC")),
                                f"a time {relation} {pd.Timestamp(int(other), tz='UTC')}")


def _stamp(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.astype("datetime64[ns]"), tz="UTC").as_unit("ns")


def _unique(ids: np.ndarray, rows: np.ndarray, source: str, lines: bool, col: str) -> None:
    dup = pd.Index(ids).duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise DataError(f"{_where(source, rows, i, lines)}: {col}", str(ids[i]),
                        f"a unique {col} id (it appears earlier in {source})")


def _requests(frame: pd.DataFrame, source: str, lines: bool) -> pd.DataFrame:
    rows = _rows(frame)
    out: dict[str, Any] = {c: _text(frame, c, rows, source, lines)
                           for c in ("request", "batch", "model", "device", "region")}
    _unique(out["request"], rows, source, lines, "request")
    ns = {c: _times(frame, c, rows, source, lines) for c in ("start", "first_token", "end")}
    _order(ns["start"], ns["end"], rows, source, lines)
    _order(ns["start"], ns["first_token"], rows, source, lines, "first_token")
    _order(ns["first_token"], ns["end"], rows, source, lines, "first_token", bound="end")
    for c in ("prompt_tokens", "completion_tokens"):
        if c not in frame.columns:
            raise DataError(f"{source}: columns", list(map(str, frame.columns)),
                            f"a {c!r} column (an integer >= 0)")
        v = pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(v) | (v < 0) | (v != np.floor(v)))
        if len(bad):
            raise InvalidValueError(f"{_where(source, rows, int(bad[0]), lines)}: {c}",
                                    frame[c].iloc[int(bad[0])], "an integer >= 0 of tokens")
        out[c] = v.astype(np.int64)
    out.update({c: _stamp(ns[c]) for c in ns})
    out["row"] = rows
    return pd.DataFrame(out)[[*REQUEST_FIELDS, "row"]]


def _amount(frame: pd.DataFrame, kind: str, unit: str, rows: np.ndarray, source: str,
            lines: bool) -> np.ndarray:
    col = unit_column(frame, kind, unit, required=False)
    if col is None:
        return np.full(len(frame), np.nan)
    raw = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
    given = frame[col].notna().to_numpy()
    bad = np.flatnonzero((given & ~np.isfinite(raw)) | (raw < 0))
    if len(bad):
        raise InvalidValueError(f"{_where(source, rows, int(bad[0]), lines)}: {col}",
                                frame[col].iloc[int(bad[0])], f"a finite {kind} >= 0, or null "
                                "where the server did not measure it")
    return raw * column_factor(col, unit, field=f"{source}: {col}")


def _timed(frame: pd.DataFrame, rows: np.ndarray, source: str, lines: bool,
           keys: tuple[str, ...]) -> pd.DataFrame:
    out: dict[str, Any]
    if len(frame) == 0:
        out = {c: np.zeros(0, dtype=object) for c in keys if c not in ("start", "end")}
        ns = {"start": np.zeros(0, np.int64), "end": np.zeros(0, np.int64)}
    else:
        out = {c: _text(frame, c, rows, source, lines) for c in keys
               if c not in ("start", "end")}
        ns = {c: _times(frame, c, rows, source, lines) for c in ("start", "end")}
    _order(ns["start"], ns["end"], rows, source, lines)
    out.update({c: _stamp(ns[c]) for c in ns})
    amounts = _BATCH_AMOUNTS if "batch" in keys else {"energy": "J"}
    for kind, unit in amounts.items():
        out[f"{kind} [{unit}]"] = _amount(frame, kind, unit, rows, source, lines)
    prov = (frame["energy_provenance"].astype(object).to_numpy(copy=True) if "energy_provenance"
            in frame.columns else np.full(len(frame), None, dtype=object))
    missing = np.asarray(pd.isna(prov), dtype=bool)
    prov[missing] = None
    bad = np.flatnonzero(~missing & ~np.isin(prov, np.array(PROVENANCES, dtype=object)))
    if len(bad):
        raise DataError(f"{_where(source, rows, int(bad[0]), lines)}: energy_provenance",
                        prov[bad[0]], f"one of {list(PROVENANCES)} or null")
    out["energy_provenance"] = prov
    if "batch" in keys:
        _unique(out["batch"], rows, source, lines, "batch")
        out["note"] = (frame["note"].astype(object).to_numpy() if "note" in frame.columns
                       else np.full(len(frame), None, dtype=object))
        _parts(out, rows, source, lines)
    out["row"] = rows
    return pd.DataFrame(out)


def _parts(out: dict[str, Any], rows: np.ndarray, source: str, lines: bool) -> None:
    """Complete the total or a missing part from the others; refuse parts that disagree."""
    e, p, d = out["energy [J]"], out["prefill_energy [J]"], out["decode_energy [J]"]
    one = np.isnan(p) != np.isnan(d)
    bad = np.flatnonzero(one & np.isnan(e))
    if len(bad):
        raise DataError(f"{_where(source, rows, int(bad[0]), lines)}: prefill_energy",
                        "only one of prefill_energy and decode_energy",
                        "both parts, or the total energy with them")
    p = np.where(np.isnan(p) & one, e - d, p)
    d = np.where(np.isnan(d) & one, e - p, d)
    both = ~np.isnan(p) & ~np.isnan(d)
    e = np.where(np.isnan(e) & both, p + d, e)
    off = both & ~np.isclose(p + d, e, rtol=1e-6, atol=1e-9)
    neg = both & ((p < 0) | (d < 0))
    bad = np.flatnonzero(off | neg)
    if len(bad):
        i = int(bad[0])
        raise InvalidValueError(f"{_where(source, rows, i, lines)}: energy", float(e[i]),
                                f"prefill_energy + decode_energy ({p[i]:g} + {d[i]:g} J), "
                                "each >= 0")
    out["energy [J]"], out["prefill_energy [J]"], out["decode_energy [J]"] = e, p, d


def _check_links(log: ServingLog) -> None:
    """Every request's batch exists and ran on the request's device."""
    req, bat = log.requests, log.batches
    at = pd.Index(bat["batch"]).get_indexer(req["batch"])
    bad = np.flatnonzero(at < 0)
    if len(bad):
        i = int(bad[0])
        raise DataError(f"{log.where('requests', i)}: batch", req["batch"].iloc[i],
                        f"the id of a batch row of {log.sources['batches']}")
    other = np.flatnonzero(bat["device"].to_numpy()[at] != req["device"].to_numpy())
    if len(other):
        i = int(other[0])
        raise DataError(f"{log.where('requests', i)}: device", req["device"].iloc[i],
                        f"the device of its batch {req['batch'].iloc[i]!r} "
                        f"({bat['device'].iloc[int(at[i])]!r})")


def _jsonl(path: Path) -> ServingLog:
    rows: dict[str, list[dict[str, Any]]] = {"request": [], "batch": []}
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path} line {n}", line.strip()[:80], "one JSON object per "
                                "line") from e
            kind = obj.get("kind") if isinstance(obj, dict) else None
            if kind not in ("request", "batch", "idle"):
                raise DataError(f"{path} line {n}: kind", kind, "'request', 'batch' or 'idle'")
            obj["row"] = n
            rows["request" if kind == "request" else "batch"].append(obj)
    req = pd.DataFrame(rows["request"], columns=None if rows["request"] else
                       [*REQUEST_FIELDS, "row"])
    bat = pd.DataFrame(rows["batch"], columns=None if rows["batch"] else
                       ["kind", *_BATCH_KEYS, "row"])
    return ServingLog.from_frames(req, bat, source=str(path), lines=True)


def read_serving_log(source: Any) -> ServingLog:
    """A :class:`ServingLog` from JSON lines, Parquet or pandas (``specs/serving.md``).

    ``source``: a ``.jsonl`` path; a directory holding ``requests.parquet`` and
    ``batches.parquet``; a pair of Parquet paths (requests, batches); a pair of DataFrames
    (requests, batches); or a ServingLog (returned as is).

    >>> import tempfile
    >>> lines = [{"kind": "batch", "batch": "b1", "device": "gpu0", "energy [Wh]": 0.5,
    ...           "start": "2026-03-01T10:00Z", "end": "2026-03-01T10:00:08Z"},
    ...          {"kind": "request", "request": "r1", "batch": "b1", "model": "m",
    ...           "device": "gpu0", "region": "FRA", "start": "2026-03-01T10:00Z",
    ...           "first_token": "2026-03-01T10:00:01Z", "end": "2026-03-01T10:00:08Z",
    ...           "prompt_tokens": 12, "completion_tokens": 30}]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = Path(d) / "log.jsonl"
    ...     _ = path.write_text("".join(json.dumps(x) + "\\n" for x in lines))
    ...     log = read_serving_log(path)
    >>> float(log.batches["energy [J]"].iloc[0]), log.requests["request"].tolist()
    (1800.0, ['r1'])
    """
    if isinstance(source, ServingLog):
        return source
    if isinstance(source, tuple | list) and len(source) == 2:
        a, b = source
        if isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame):
            return ServingLog.from_frames(a, b, source="frames", sources={
                "requests": "requests frame", "batches": "batches frame"})
        pa, pb = Path(a), Path(b)
        return ServingLog.from_frames(pd.read_parquet(pa), pd.read_parquet(pb),
                                      source=str(pa.parent), sources={
                                          "requests": str(pa), "batches": str(pb)})
    if not isinstance(source, str | Path):
        raise DataError("serving log", repr(source)[:80], "a .jsonl file, a directory with "
                        "requests.parquet and batches.parquet, or a pair of frames or paths")
    path = Path(source)
    if path.is_dir():
        pr, pb = path / "requests.parquet", path / "batches.parquet"
        for p in (pr, pb):
            if not p.exists():
                raise DataError("serving log", str(path), f"a directory holding {p.name} "
                                "(requests.parquet and batches.parquet)")
        return read_serving_log((pr, pb))
    if path.suffix in (".jsonl", ".ndjson"):
        if not path.exists():
            raise DataError("serving log", str(path), "an existing JSON lines file")
        return _jsonl(path)
    raise DataError("serving log", str(source), "a .jsonl file, a directory with "
                    "requests.parquet and batches.parquet, or a pair of frames or paths")
