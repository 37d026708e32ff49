"""Portfolio report: every model of a ledger with its EPC, per-request ASC^e and annual
totals at given request rates, as one table (CSV, Parquet, HTML) for a sustainability report.

Columns carry their unit in brackets (``"epc [gCO2e]"``). A figure that cannot be computed
(no request measured, no lifetime stated) is missing (NaN / empty cell) with the reason in
``note``: never zero.

    annual operational = requests per year * inference-only ASC^e per request
    annual total       = requests per year * per-request ASC^e (extended boundary)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from assess.datasheet._build import build_datasheet
from assess.datasheet._escape import csv_cell
from assess.datasheet._format import fmt_count, fmt_g, fmt_num, fmt_range
from assess.datasheet._model import Datasheet
from assess.datasheet._render_html import render_template
from carbon import InvalidValueError, Job, quantity

__all__ = [
    "REPORT_COLUMNS",
    "csv_safe",
    "portfolio",
    "portfolio_from_datasheets",
    "render_portfolio_html",
    "request_from_batch",
    "write_portfolio",
]

REPORT_COLUMNS = (
    "product", "name", "kind", "epc [gCO2e]", "own [gCO2e]", "epc provenance",
    "epc uncertainty [gCO2e]", "complete", "conserving", "per-request ASC^e [gCO2e]",
    "per-request uncertainty [gCO2e]", "inference-only [gCO2e]", "per-request provenance",
    "lifetime requests", "requests per year", "annual operational [kgCO2e]",
    "annual ASC^e [kgCO2e]", "note",
)


def request_from_batch(batch: Job, requests: float) -> Job:
    """One request of a measured batch of ``requests`` equal requests: energy, uncertainty
    and duration divided by ``requests`` (exact for every ASC^e part, which are linear in
    energy and time).

    >>> from carbon import EnergyUse, Facility, System
    >>> fac = Facility(name="dc", pue=1.1, mix="300 gCO2e/kWh")
    >>> box = System(name="box", embodied="100 kgCO2e", lifetime="4 year", facility=fac)
    >>> batch = Job(name="1000 requests", duration="20 s", energy=[EnergyUse(
    ...     system=box, energy="2 kJ", provenance="measured")])
    >>> one = request_from_batch(batch, 1000)
    >>> one.energy[0].energy.to("J"), one.duration
    (<Quantity(2.0, 'joule')>, <Quantity(0.02, 'second')>)
    """
    if not (requests > 0 and math.isfinite(requests)):
        raise InvalidValueError("requests", requests, "a number of requests > 0")
    uses = [u.model_copy(update={
        "energy": u.energy / requests,
        "uncertainty": None if u.uncertainty is None else u.uncertainty / requests,
        "duration": None if u.duration is None else u.duration / requests,
        "power": None}) for u in batch.energy]
    return batch.model_copy(update={
        "name": f"one request of {batch.name}", "energy": uses,
        "duration": batch.duration / requests,  # type: ignore[operator]
        "start": None, "end": None, "id": f"{batch.id}/1"})


def _per_model(value: Mapping[str, float] | float | None, pid: str) -> float | None:
    if value is None or isinstance(value, (int, float)):
        return None if value is None else float(value)
    got = value.get(pid)
    return None if got is None else float(got)


def portfolio_from_datasheets(datasheets: Iterable[Datasheet], *,
                              requests_per_year: Mapping[str, float] | float | None = None,
                              conserving: Mapping[str, bool] | None = None,
                              complete: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """The portfolio table from built datasheets (one row each, in the given order)."""
    rows: list[dict[str, Any]] = []
    for ds in datasheets:
        pid = ds.identity.id
        rate = _per_model(requests_per_year, pid)
        pr = ds.per_request
        note = ds.per_request_missing or ""
        per_g = inf_g = ann_op = ann_tot = per_u = math.nan
        if pr is not None:
            per_g, inf_g = pr.total.g, pr.inference_only.g
            if pr.total.uncertainty is not None:
                per_u = float(pr.total.uncertainty.m_as("gCO2e"))
            if rate is not None:
                ann_op = rate * inf_g / 1e3
                ann_tot = rate * per_g / 1e3
            elif ds.identity.kind == "model":
                note = "no request rate given: annual totals unknown"
        eu = ds.epc.total.uncertainty
        rows.append({
            "product": pid, "name": ds.identity.name, "kind": ds.identity.kind,
            "epc [gCO2e]": math.nan if ds.epc.total.provenance == "unknown" else ds.epc.total.g,
            "own [gCO2e]": math.nan if ds.epc.own is None else ds.epc.own.g,
            "epc provenance": ds.epc.total.provenance,
            "epc uncertainty [gCO2e]": math.nan if eu is None else float(eu.m_as("gCO2e")),
            "complete": ds.epc.complete if complete is None else bool(complete.get(pid, True)),
            "conserving": (ds.lineage.conservation.conserving if conserving is None
                           else bool(conserving.get(pid, True))),
            "per-request ASC^e [gCO2e]": per_g, "inference-only [gCO2e]": inf_g,
            "per-request uncertainty [gCO2e]": per_u,
            "per-request provenance": "" if pr is None else pr.total.provenance,
            "lifetime requests": (math.nan if pr is None or pr.lifetime_requests is None
                                  else pr.lifetime_requests),
            "requests per year": math.nan if rate is None else rate,
            "annual operational [kgCO2e]": ann_op, "annual ASC^e [kgCO2e]": ann_tot,
            "note": note,
        })
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


def portfolio(graph: Any, *, requests: Mapping[str, Job] | None = None,
              lifetime_requests: Mapping[str, float] | float | None = None,
              requests_per_year: Mapping[str, float] | float | None = None,
              kinds: tuple[str, ...] = ("model",),
              progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The portfolio table of every product of ``kinds`` in ``graph``.

    ``requests`` maps a model id to one inference request (``carbon.Job``);
    ``lifetime_requests`` and ``requests_per_year`` are one number for all or a mapping.
    """
    frame = graph.epc_all()
    sheets = []
    for pid in graph.products():
        if str(graph.product(pid)["kind"]) not in kinds:
            continue
        if progress is not None:
            progress(pid)
        sheets.append(build_datasheet(
            graph, pid, request=None if requests is None else requests.get(pid),
            lifetime_requests=_per_model(lifetime_requests, pid)))
    return portfolio_from_datasheets(
        sheets, requests_per_year=requests_per_year,
        complete={str(k): bool(v) for k, v in frame["complete"].items()},
        conserving={str(k): bool(v) for k, v in frame["conserving"].items()})


def _cell(col: str, v: Any, row: Any) -> tuple[str, bool, str]:
    """(text, numeric, style) of one cell, plain text: the template escapes it."""
    if isinstance(v, bool):
        return ("yes" if v else "no"), False, ""
    if isinstance(v, float):
        if math.isnan(v):
            return "unknown", True, ""
        if col.endswith("[gCO2e]"):
            text = fmt_g(v)
            unc = _UNCERTAINTY_OF.get(col)
            if unc is not None:
                u = row[unc]
                text = fmt_range(quantity(v, "gCO2e"), None if math.isnan(u)
                                 else quantity(u, "gCO2e"))
            if col == "epc [gCO2e]" and not bool(row["complete"]):
                text = "≥ " + text  # a lower bound
            return text, True, ""
        if col.endswith("[kgCO2e]"):
            return fmt_g(v * 1e3), True, ""
        if "requests" in col:
            return fmt_count(v), True, ""
        return fmt_num(v), True, ""
    return str(v), False, "min-width:260px" if col == "note" else ""


#: Columns shown as a range, and the column holding their uncertainty.
_UNCERTAINTY_OF = {"epc [gCO2e]": "epc uncertainty [gCO2e]",
                   "per-request ASC^e [gCO2e]": "per-request uncertainty [gCO2e]"}


def render_portfolio_html(df: pd.DataFrame, *, title: str = "Model carbon portfolio") -> str:
    """The portfolio table as a self-contained HTML page (``portfolio.html.j2``), with totals.

    Every string cell is escaped by the template (autoescape); a carbon figure with a known
    uncertainty is shown as a range, one without says ``uncertainty unknown``.
    """
    cols = [c for c in df.columns if c != "product" and c not in _UNCERTAINTY_OF.values()]
    rows = [[_cell(c, row[c], row) for c in cols] for _, row in df.iterrows()]
    annual = df["annual ASC^e [kgCO2e]"].dropna()
    known = len(annual)
    return render_template(
        "portfolio.html.j2", title=title, wide=True, columns=cols, rows=rows, n=len(df),
        known=known, annual=fmt_g(float(annual.sum()) * 1e3) if known else "unknown",
        lower=bool((~df["complete"].astype(bool)).any()),
        year=str(quantity(1, "year").to("day")))


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every string cell that a spreadsheet would read as a formula prefixed
    with ``'`` (:func:`assess.datasheet._escape.csv_cell`); numbers stay numbers."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(csv_cell)
    return out


def write_portfolio(df: pd.DataFrame, out: Path, *,
                    formats: Iterable[str] = ("csv", "parquet", "html"),
                    stem: str = "portfolio") -> list[Path]:
    """Write the table as ``<stem>.csv``, ``.parquet`` and ``.html`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = out / f"{stem}.{fmt}"
        if fmt == "csv":  # strings that start a formula neutralised; Parquet keeps types
            csv_safe(df).to_csv(path, index=False)
        elif fmt == "parquet":
            df.to_parquet(path, index=False)
        elif fmt == "html":
            path.write_text(render_portfolio_html(df), encoding="utf-8")
        else:
            raise InvalidValueError("format", fmt, "csv, parquet or html")
        written.append(path)
    return written
