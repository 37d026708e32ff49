"""Serving logs for the tests: the worked example of specs/serving.md, JSON lines writers, and
a hypothesis strategy of random logs (batches measured apart, in total or not at all; idle
rows inside and outside the requests' windows; empty batches)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "serving.md"
T0 = pd.Timestamp("2026-03-01T10:00Z")
PARAMETERS = {"llm-8b": 8.0, "llm-70b": 70.0}


def spec_jsonl() -> str:
    """The JSON lines of the spec's worked example."""
    m = re.search(r"```jsonl\n(.*?)```", SPEC.read_text(encoding="utf-8"), re.S)
    assert m, "specs/serving.md has no ```jsonl block"
    return m.group(1)


def spec_table() -> pd.DataFrame:
    """The spec's table of per-request results (request, prefill, decode, idle, energy...)."""
    rows = [line.strip().strip("|").split("|")
            for line in SPEC.read_text(encoding="utf-8").splitlines()
            if re.match(r"^\| r\d+ \|", line)]
    cols = ["request", "batch", "prefill", "decode", "idle", "energy", "duration", "provenance"]
    df = pd.DataFrame([[c.strip() for c in r] for r in rows], columns=cols)
    for c in cols[2:7]:
        df[c] = df[c].astype(float)
    return df


def write_jsonl(path: Path, rows: list[dict[str, Any]] | str) -> Path:
    text = rows if isinstance(rows, str) else "".join(json.dumps(r) + "\n" for r in rows)
    path.write_text(text, encoding="utf-8")
    return path


def iso(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@st.composite
def serving_frames(draw: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(requests, batches) frames of a random valid log."""
    n_b = draw(st.integers(1, 6))
    reqs: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for i in range(n_b):
        dev = draw(st.sampled_from(["gpu0", "gpu1"]))
        start = T0 + pd.Timedelta(seconds=draw(st.integers(0, 3 * 3600)))
        span = draw(st.integers(0, 120))
        end = start + pd.Timedelta(seconds=span)
        how = draw(st.sampled_from(["total", "parts", "none"]))
        e = draw(st.floats(0, 1e4))
        f = draw(st.floats(0, 1))
        rows.append({"kind": "batch", "batch": f"b{i}", "device": dev, "start": start,
                     "end": end, "energy [J]": None if how == "none" else e,
                     "prefill_energy [J]": e * f if how == "parts" else None,
                     "decode_energy [J]": e - e * f if how == "parts" else None,
                     "energy_provenance": None if how == "none" else "measured"})
        for j in range(draw(st.integers(0, 4))):
            first = start + pd.Timedelta(seconds=draw(st.integers(0, span)))
            reqs.append({"request": f"r{i}.{j}", "batch": f"b{i}",
                         "model": draw(st.sampled_from(sorted(PARAMETERS))), "device": dev,
                         "region": "FRA", "start": start, "first_token": first, "end": end,
                         "prompt_tokens": draw(st.integers(0, 2000)),
                         "completion_tokens": draw(st.integers(0, 2000))})
    for _ in range(draw(st.integers(0, 4))):
        start = T0 + pd.Timedelta(seconds=draw(st.integers(-3600, 4 * 3600)))
        rows.append({"kind": "idle", "device": draw(st.sampled_from(["gpu0", "gpu1"])),
                     "start": start, "end": start + pd.Timedelta(
                         seconds=draw(st.integers(0, 3 * 3600))),
                     "energy [J]": draw(st.one_of(st.none(), st.floats(0, 1e5))),
                     "energy_provenance": "measured"})
    cols = ["request", "batch", "model", "device", "region", "start", "first_token", "end",
            "prompt_tokens", "completion_tokens"]
    return pd.DataFrame(reqs, columns=cols), pd.DataFrame(rows)


def balance(batches: pd.DataFrame, parameters: dict[str, float], requests: pd.DataFrame,
            ) -> float:
    """The oracle: measured batch energy + each unmeasured batch's EcoLogits estimate + the
    measured idle energy, computed without the library's attribution."""
    from carbon import ecologits_energy_per_token

    total = 0.0
    for _, b in batches.iterrows():
        e = b.get("energy [J]")
        if b["kind"] == "idle" or (e is not None and not pd.isna(e)):
            total += 0.0 if e is None or pd.isna(e) else float(e)
            continue
        mine = requests[requests["batch"] == b["batch"]]
        for _, r in mine.iterrows():
            per = ecologits_energy_per_token(parameters[r["model"]], len(mine)).m_as("J")
            total += float(r["completion_tokens"]) * float(per)
    return float(np.float64(total))
