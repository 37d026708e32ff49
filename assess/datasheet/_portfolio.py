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
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
from markupsafe import Markup

from assess.datasheet._build import build_datasheet
from assess.datasheet._escape import csv_cell
from assess.datasheet._files import safe_stem
from assess.datasheet._format import UNKNOWN_UNCERTAINTY, carbon_unit, fmt_count, fmt_g, fmt_num
from assess.datasheet._model import Datasheet
from assess.datasheet._render_charts import svg_bar
from assess.datasheet._render_html import render_template
from carbon import InvalidValueError, Job, quantity

__all__ = [
    "REPORT_COLUMNS",
    "csv_safe",
    "datasheet_links",
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


#: Columns shown as a range, and the column holding their uncertainty.
_UNCERTAINTY_OF = {"epc [gCO2e]": "epc uncertainty [gCO2e]",
                   "per-request ASC^e [gCO2e]": "per-request uncertainty [gCO2e]"}

#: The page's carbon columns: header, table column, grams per unit of that column.
_CARBON_SHOWN = (("EPC", "epc [gCO2e]", 1.0), ("own jobs", "own [gCO2e]", 1.0),
                 ("per-request ASC^e", "per-request ASC^e [gCO2e]", 1.0),
                 ("inference only", "inference-only [gCO2e]", 1.0),
                 ("annual operational", "annual operational [kgCO2e]", 1e3),
                 ("annual ASC^e", "annual ASC^e [kgCO2e]", 1e3))

#: A cell of the page: text, numeric?, a second line (small) and a link (relative URL).
Cell = tuple[str, bool, str, str]


def _carbon_cells(df: pd.DataFrame, head: str, col: str, grams: float
                  ) -> tuple[str, list[Cell]]:
    """One carbon column: ``x ± u`` or ``x`` over ``uncertainty unknown``, ``≥ x`` for a lower
    bound. All its cells are in one unit, named in the header, when each reads in it
    without an exponent; a column spanning more decades prints each cell in its own unit
    and its header names none (never a header unit over cells in another)."""
    values = df[col].astype(float) * grams
    factor, unit = carbon_unit(float(values.abs().max()) if values.notna().any() else 0.0)
    if any("e" in fmt_num(v / factor) for v in values.dropna() if v != 0):
        return head, [_own_unit_cell(df, i, col, v) for i, v in enumerate(values)]
    cells: list[Cell] = []
    for i, v in enumerate(values):
        row = df.iloc[i]
        if math.isnan(v):
            cells.append(("unknown", True, "", ""))
            continue
        text, sub = fmt_num(v / factor), ""
        unc = _UNCERTAINTY_OF.get(col)
        if unc is not None:
            u = float(row[unc])
            if math.isnan(u):
                sub = UNKNOWN_UNCERTAINTY
            else:
                text += f" ± {fmt_num(u / factor)}"
        lower = not bool(row["complete"]) and col in _LOWER
        cells.append((("≥ " if lower else "") + text, True, sub, ""))
    return f"{head} [{unit}]", cells


def _own_unit_cell(df: pd.DataFrame, i: int, col: str, v: float) -> Cell:
    """A carbon cell in the unit that reads best for it (``12.4 mgCO2e ± 1 mgCO2e``)."""
    if math.isnan(v):
        return "unknown", True, "", ""
    row = df.iloc[i]
    unc = _UNCERTAINTY_OF.get(col)
    u = math.nan if unc is None else float(row[unc])
    text = fmt_g(v) if math.isnan(u) else f"{fmt_g(v)} ± {fmt_g(u)}"
    lower = not bool(row["complete"]) and col in _LOWER
    return ("≥ " if lower else "") + text, True, UNKNOWN_UNCERTAINTY if (
        unc is not None and math.isnan(u)) else "", ""


#: Columns that are lower bounds where the lineage is incomplete.
_LOWER = ("epc [gCO2e]", "per-request ASC^e [gCO2e]", "annual ASC^e [kgCO2e]")


def _table(df: pd.DataFrame, links: Mapping[str, str]) -> tuple[list[str], list[list[Cell]]]:
    """The page's columns (a choice that fits a 1280 px screen) and its rows of cells."""
    heads = ["model"]
    cols: list[list[Cell]] = [[(str(r["name"]), False,
                                "" if r["kind"] == "model" else str(r["kind"]),
                                links.get(str(r["product"]), "")) for _, r in df.iterrows()]]
    for head, col, grams in _CARBON_SHOWN[:4]:
        h, cells = _carbon_cells(df, head, col, grams)
        heads.append(h)
        cols.append(cells)
    for head, col in (("lifetime requests", "lifetime requests"),
                      ("requests per year", "requests per year")):
        heads.append(head)
        cols.append([("unknown", True, "", "") if math.isnan(float(v))
                     else (fmt_count(float(v)), True, "", "") for v in df[col]])
    for head, col, grams in _CARBON_SHOWN[4:]:
        h, cells = _carbon_cells(df, head, col, grams)
        heads.append(h)
        cols.append(cells)
    heads += ["provenance", "checks", "note"]
    cols.append([(f"EPC {r['epc provenance']}", False,
                  f"per request {r['per-request provenance']}"
                  if r["per-request provenance"] else "", "") for _, r in df.iterrows()])
    cols.append([(("complete" if bool(r["complete"]) else "incomplete: lower bound"), False,
                  "conserving" if bool(r["conserving"]) else "NOT conserving", "")
                 for _, r in df.iterrows()])
    cols.append([(str(r["note"]), False, "", "") for _, r in df.iterrows()])
    return heads, [list(row) for row in zip(*cols, strict=True)] if len(df) else []


def _summary_chart(df: pd.DataFrame) -> str | None:
    """Bars of the annual ASC^e per model where known, else of the EPC; None with no data."""
    col = "annual ASC^e [kgCO2e]"
    grams, title = 1e3, "Annual ASC^e by model (at the stated request rate)"
    if not df[col].notna().any():
        col, grams, title = "epc [gCO2e]", 1.0, "EPC by model"
    values: dict[str, float] = {}
    for _, r in df.iterrows():
        if math.isnan(float(r[col])):
            continue
        label = str(r["name"])
        if label in values:  # two models of one name: the id tells them apart
            label = f"{label} ({r['product']})"
        values[label] = float(r[col]) * grams
    if not values:
        return None
    return svg_bar(values, title=title, salt="portfolio")


def render_portfolio_html(df: pd.DataFrame, *, title: str = "Model carbon portfolio",
                          links: Mapping[str, str] | None = None) -> str:
    """The portfolio table as a self-contained HTML page (``portfolio.html.j2``), with totals
    and a summary chart.

    Every string cell is escaped by the template (autoescape); each carbon column is printed
    in one unit, named in its header; a figure with a known uncertainty is shown as a range,
    one without says ``uncertainty unknown``. ``links`` maps a product id to its datasheet
    (a URL relative to the page); the model's name then links to it.
    """
    heads, rows = _table(df, links or {})
    annual = df["annual ASC^e [kgCO2e]"].dropna()
    known = len(annual)
    chart = _summary_chart(df)
    return render_template(
        "portfolio.html.j2", title=title, wide=True, columns=heads, rows=rows, n=len(df),
        known=known, annual=fmt_g(float(annual.sum()) * 1e3) if known else "unknown",
        lower=bool((~df["complete"].astype(bool)).any()),
        chart=None if chart is None else Markup(chart),  # drawn here, labels escaped
        year=str(quantity(1, "year").to("day")))


def datasheet_links(df: pd.DataFrame, page_dir: Path, datasheets: Path) -> dict[str, str]:
    """Product id -> the URL of its HTML datasheet relative to ``page_dir``, for every
    product whose datasheet file exists under ``datasheets``."""
    links = {}
    for pid in df["product"]:
        path = datasheets / f"{safe_stem(str(pid))}.html"
        if path.is_file():
            rel = os.path.relpath(path.resolve(), page_dir.resolve())
            links[str(pid)] = quote(Path(rel).as_posix())
    return links


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
                    stem: str = "portfolio", datasheets: Path | None = None) -> list[Path]:
    """Write the table as ``<stem>.csv``, ``.parquet`` and ``.html`` under ``out``.

    The HTML page links each model to its datasheet in ``datasheets`` (default
    ``out/datasheets``) where that file exists."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        path = out / f"{stem}.{fmt}"
        if fmt == "csv":  # strings that start a formula neutralised; Parquet keeps types
            csv_safe(df).to_csv(path, index=False)
        elif fmt == "parquet":
            df.to_parquet(path, index=False)
        elif fmt == "html":
            links = datasheet_links(df, out, out / "datasheets" if datasheets is None
                                    else datasheets)
            path.write_text(render_portfolio_html(df, links=links), encoding="utf-8")
        else:
            raise InvalidValueError("format", fmt, "csv, parquet or html")
        written.append(path)
    return written
