"""The inventory of a reporting period from the ledger: by GHG scope, by product, both ways.

:func:`inventory` takes the jobs of a ledger (or any ``LedgerJob``-like items) whose start falls
in the period (``2026-Q3``, ``2026-07``, ``2026``, or ``2026-07-01..2026-09-30``, UTC) and gives
one row per product and scope: the location-based figure (the breakdown's, always) and the
market-based one (:func:`carbon.scope2`: with the contractual instruments and residual mix the
caller states, or else each facility's own, ``Facility.instruments`` and
``Facility.residual_mix``, their volumes drawn down job by job over the period; unknown, not
zero, without either). Reported figures (``ReportedCarbon``) have no
breakdown and no date: they cannot be placed in a period and are counted apart
(``frame.attrs["undated"]``), never silently added. Inference runs
(``meta.role = inference``) give the SCI per request of their model (inference-only boundary).
:func:`write_inventory` writes CSV (cells neutralised), Parquet, JSON and HTML.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from assess.datasheet._escape import csv_cell
from carbon import (
    ContractualInstrument,
    InvalidValueError,
    Job,
    asc_e,
    quantity,
    sci,
    scope2,
    scopes,
)

__all__ = ["INVENTORY_COLUMNS", "inventory", "parse_period", "write_inventory"]

#: The columns of an inventory table (units in the headers).
INVENTORY_COLUMNS = ("product", "scope", "jobs", "location-based [gCO2e]",
                     "market-based [gCO2e]", "SCI per request [gCO2e]", "note")

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of ``2026-Q3``, ``2026-07``, ``2026`` or ``A..B`` (ISO dates).

    >>> [d.date().isoformat() for d in parse_period("2026-Q3")]
    ['2026-07-01', '2026-10-01']
    """
    if not isinstance(text, str):
        raise InvalidValueError("period", text, "a period such as 2026-Q3")
    s = text.strip()
    try:
        if m := _QUARTER.match(s):
            y, q = int(m.group(1)), int(m.group(2))
            start = datetime(y, 3 * q - 2, 1, tzinfo=UTC)
            end = datetime(y + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=UTC)
        elif m := _MONTH.match(s):
            y, mo = int(m.group(1)), int(m.group(2))
            start = datetime(y, mo, 1, tzinfo=UTC)
            end = datetime(y + (mo == 12), 1 if mo == 12 else mo + 1, 1, tzinfo=UTC)
        elif m := _YEAR.match(s):
            start, end = datetime(int(s), 1, 1, tzinfo=UTC), datetime(int(s) + 1, 1, 1,
                                                                        tzinfo=UTC)
        elif ".." in s:
            a, b = (datetime.fromisoformat(x.strip()) for x in s.split("..", 1))
            start, end = (x if x.tzinfo else x.replace(tzinfo=UTC) for x in (a, b))
        else:
            raise ValueError(s)
    except ValueError as e:
        raise InvalidValueError("period", text, "2026-Q3, 2026-07, 2026 or "
                                "2026-07-01..2026-10-01") from e
    if end <= start:
        raise InvalidValueError("period", text, "an end after the start")
    return start, end


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def inventory(jobs: Iterable[Any], period: str, *,
              instruments: tuple[ContractualInstrument, ...] = (),
              residual_mix: Any = None) -> pd.DataFrame:
    """The inventory of ``period`` (see the module doc): one row per product and scope.

    ``jobs``: ``lineage.LedgerJob`` items (``Ledger.jobs()``) or ``(record, product)`` pairs.
    ``instruments`` and ``residual_mix`` give the market-based Scope 2 figure, shared over the
    period's jobs in order; without them each facility's own apply (drawn down over the
    period's jobs); without either that column is empty and the note says why.
    """
    start, end = parse_period(period)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    left = list(instruments)
    stated = bool(instruments) or residual_mix is not None
    pools: dict[str, tuple[ContractualInstrument, ...]] = {}
    undated = 0
    for item in jobs:
        record, product = (item.record, item.product) if hasattr(item, "record") else item
        when = getattr(record, "start", None) if isinstance(record, Job) else None
        if when is None:
            undated += 1
            continue
        if not (start <= _utc(when) < end):
            continue
        pid = product or record.meta.get("model") or "(no product)"
        b = asc_e(record)
        for scope, value in scopes(b).items():
            r = rows.setdefault((pid, scope), _row(pid, scope, ""))
            r["jobs"] += 1
            r["location-based [gCO2e]"] += float(value.m_as("gCO2e"))
        r2 = rows[(pid, "scope 2")]
        if stated:
            market, left, why = _market(b, left, residual_mix)
        else:
            market, why = _facility_market(b, pools)
        if market is None:
            r2["market-based [gCO2e]"] = None
            r2["note"] = why
        elif r2["market-based [gCO2e]"] is not None:
            r2["market-based [gCO2e]"] = (r2["market-based [gCO2e]"] or 0.0) + market
        n = record.meta.get("requests") if record.meta.get("role") == "inference" else None
        if isinstance(n, (int, float)) and n > 0:
            score = sci(energy=b.facility_energy,
                        intensity=_mean_intensity(b), embodied=quantity(b.embodied_g, "gCO2e"),
                        functional_units=float(n), unit="request")
            r2["SCI per request [gCO2e]"] = float(score.score.m_as("gCO2e"))
    frame = pd.DataFrame(list(rows.values()), columns=list(INVENTORY_COLUMNS))
    frame.attrs["period"] = f"{start.date().isoformat()} to {end.date().isoformat()} (UTC)"
    frame.attrs["undated"] = undated
    return frame


def _row(pid: str, scope: str, note: str) -> dict[str, Any]:
    return {"product": pid, "scope": scope, "jobs": 0, "location-based [gCO2e]": 0.0,
            "market-based [gCO2e]": 0.0 if scope == "scope 2" else None,
            "SCI per request [gCO2e]": None, "note": note}


def _mean_intensity(b: Any) -> Any:
    e = b.facility_energy.m_as("kWh")
    return quantity(b.jsc_g / e if e > 0 else 0.0, "gCO2e/kWh")


def _market(b: Any, left: list[ContractualInstrument], residual: Any
            ) -> tuple[float | None, list[ContractualInstrument], str]:
    if not left and residual is None:
        return None, left, "market-based unknown: no contractual instruments or residual mix"
    try:
        s = scope2(b, instruments=tuple(left), residual_mix=residual)
    except InvalidValueError as e:
        return None, left, f"market-based unknown: {e}"
    used = s.covered_energy.m_as("kWh")
    rest: list[ContractualInstrument] = []
    for inst in left:  # what this job used of each instrument is no longer available
        cov = inst.covered.m_as("kWh")
        take = min(cov, used)
        used -= take
        if cov - take > 0:
            rest.append(replace(inst, covered=quantity(cov - take, "kWh")))
    return float(s.market_based.m_as("gCO2e")), rest, ""


def _facility_market(b: Any, pools: dict[str, tuple[ContractualInstrument, ...]]
                     ) -> tuple[float | None, str]:
    bare = sorted({line.facility.name for line in b.systems if line.facility is not None
                   and not line.facility.instruments and line.facility.residual_mix is None})
    if bare:
        return None, ("market-based unknown: no contractual instruments or residual mix "
                      f"(facility {', '.join(bare)})")
    try:
        s = scope2(b, available=pools)
    except InvalidValueError as e:
        return None, f"market-based unknown: {e}"
    pools.update(s.remaining)  # what this job used of each volume is no longer available
    return float(s.market_based.m_as("gCO2e")), ""


def write_inventory(frame: pd.DataFrame, out: Path, *,
                    formats: Iterable[str] = ("csv", "parquet", "json", "html"),
                    stem: str = "inventory") -> list[Path]:
    """Write the inventory as ``<stem>.csv|.parquet|.json|.html`` under ``out``."""
    from jinja2 import Environment, select_autoescape

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = out / f"{stem}.{fmt}"
        if fmt == "csv":
            frame.map(csv_cell).to_csv(path, index=False)
        elif fmt == "parquet":
            frame.to_parquet(path, index=False)
        elif fmt == "json":
            path.write_text(json.dumps({"period": frame.attrs.get("period"),
                                        "rows": frame.to_dict(orient="records")},
                                       indent=2, default=str), encoding="utf-8")
        elif fmt == "html":
            env = Environment(autoescape=select_autoescape(default=True))
            page = env.from_string(
                "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
                "<title>Inventory {{ period }}</title></head><body style='font-family:"
                "sans-serif;max-width:1200px'><h1>GHG inventory, {{ period }}</h1>"
                "<table><thead><tr>{% for c in cols %}<th>{{ c }}</th>{% endfor %}</tr>"
                "</thead><tbody>{% for r in rows %}<tr>{% for c in cols %}<td>"
                "{{ '' if r[c] is none else r[c] }}</td>{% endfor %}</tr>{% endfor %}"
                "</tbody></table></body></html>")
            path.write_text(page.render(period=frame.attrs.get("period"),
                                        cols=list(frame.columns),
                                        rows=frame.to_dict(orient="records")),
                            encoding="utf-8")
        else:
            raise InvalidValueError("format", fmt, "csv, parquet, json or html")
        written.append(path)
    return written
