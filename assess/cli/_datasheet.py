"""``modelcarbon datasheet`` and ``modelcarbon report``: datasheets and the portfolio table
from a ledger."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assess.cli._json import JsonFlag, echo_json, frame_records, sheet_figures
from carbon import InvalidValueError, UnknownKeyError

if TYPE_CHECKING:  # rich and the datasheet modules are imported when a command runs
    from rich.console import Console

__all__ = ["REPORT_FORMATS", "register"]

REPORT_FORMATS = ("csv", "parquet", "html")


def _finite(value: float | None, option: str) -> float | None:
    """NaN and inf pass click's range checks (every comparison with NaN is false)."""
    if value is not None and not math.isfinite(value):
        raise InvalidValueError(option, value, "a finite number")
    return value


def _formats(text: str, allowed: tuple[str, ...], option: str) -> list[str]:
    chosen = [f.strip().lower() for f in text.split(",") if f.strip()]
    if "all" in chosen:
        return list(allowed)
    bad = [f for f in chosen if f not in allowed]
    if bad or not chosen:
        raise UnknownKeyError(option, text, f"a comma-separated list of {', '.join(allowed)} "
                              "(or all)")
    return chosen


@contextmanager
def progress_bar(console: Console, label: str, total: int) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on stderr; yields ``step(description)``."""
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(label, total=total)

        def step(what: str) -> None:  # a product id is text, never rich markup
            bar.update(task, advance=1, description=f"{label}: {escape(what)}")

        yield step


LedgerArg = Annotated[str, typer.Argument(
    help="The ledger: a SQLite file (e.g. out/ledger.sqlite from `modelcarbon demo`) or a "
         "database URL (postgresql://user@host/db).", show_default=False)]


_DATASHEET_HELP = "\n\n".join([
    "Write a carbon datasheet per model (HTML, Markdown, JSON, Hugging Face YAML).",
    "Each datasheet shows the lineage, the EPC by phase and by ancestor, the per-request "
    "ASC^e beside the inference-only figure, the cost curve, and the provenance, source and "
    "uncertainty of every figure with the assumptions behind it.",
    "Example: modelcarbon datasheet out/ledger.sqlite digits-mlp -f html,md --out out/sheets",
])
_REPORT_HELP = "\n\n".join([
    "Write the portfolio report of a ledger (CSV, Parquet, HTML).",
    "One row per model: EPC, per-request ASC^e, the inference-only figure, and annual totals "
    "at the given request rate (unknown, never zero, without one).",
    "Example: modelcarbon report out/ledger.sqlite --requests-per-year 1e8 --out out",
])


def register(app: typer.Typer) -> None:
    """Add ``datasheet`` and ``report``."""

    @app.command(help=_DATASHEET_HELP)
    def datasheet(
        ledger: LedgerArg,
        products: Annotated[list[str] | None, typer.Argument(
            help="Product ids to write a datasheet for (default: every model in the ledger).",
            show_default=False)] = None,
        out: Annotated[Path, typer.Option(help="Folder to write the datasheets to.")] = Path(
            "out/datasheets"),
        format: Annotated[str, typer.Option(
            "--format", "-f",
            help="Comma-separated formats: html (self-contained page), md (Markdown), json "
                 "(valid against specs/datasheet.schema.json), hf (Hugging Face model-card "
                 "YAML), or all.")] = "all",
        lifetime_requests: Annotated[float | None, typer.Option(
            help="Expected lifetime requests per model: the EPC is shared as EPC / N. "
                 "Without it, by the model's deployment lifetime if one is recorded.",
            min=1.0)] = None,
        alternative: Annotated[str | None, typer.Option(
            help="Id of another model in the ledger to compute the break-even against "
                 "(it needs a measured inference request too).")] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Write a carbon datasheet per model (HTML, Markdown, JSON, Hugging Face YAML)."""
        from assess.cli._console import pipe_console
        from assess.datasheet import FORMATS, write_datasheet
        from assess.datasheet._build import alternative_from_graph, build_datasheet
        from assess.datasheet._ledger import inference_requests, open_ledger

        formats = _formats(format, tuple(FORMATS), "--format")
        _finite(lifetime_requests, "--lifetime-requests")
        store, graph = open_ledger(ledger)
        requests = inference_requests(store.jobs())
        ids = list(products or [p for p in graph.products()
                                if graph.product(p)["kind"] == "model"])
        for pid in ids:
            if pid not in graph:
                raise UnknownKeyError("product", pid, "a product id in the ledger (try "
                                      f"one of: {', '.join(graph.products()[:8])})")
        if not ids:
            raise InvalidValueError("products", ids, "a ledger with at least one model")
        alt = None
        if alternative is not None:
            if alternative not in graph:
                raise UnknownKeyError("--alternative", alternative, "a product id in the ledger")
            alt = alternative_from_graph(graph, alternative, requests.get(alternative))
        console = pipe_console(stderr=True)
        written: list[Path] = []
        figures = []
        with progress_bar(console, "datasheets", len(ids)) as step:
            for pid in ids:
                ds = build_datasheet(graph, pid, request=requests.get(pid),
                                     lifetime_requests=lifetime_requests,
                                     alternative=None if pid == alternative else alt)
                written += write_datasheet(ds, out, formats)
                figures.append(sheet_figures(ds))
                step(pid)
        if as_json:
            echo_json({"command": "datasheet", "out": out, "files": written,
                       "products": figures})
            return
        typer.echo(f"wrote {len(written)} file(s) for {len(ids)} product(s) to {out}")

    @app.command(help=_REPORT_HELP)
    def report(
        ledger: LedgerArg,
        out: Annotated[Path, typer.Option(help="Folder to write the report to.")] = Path("out"),
        requests_per_year: Annotated[float | None, typer.Option(
            help="Requests per year of every model, for the annual totals (unknown without "
                 "it).", min=0.0)] = None,
        lifetime_requests: Annotated[float | None, typer.Option(
            help="Expected lifetime requests per model (EPC / N per request).",
            min=1.0)] = None,
        format: Annotated[str, typer.Option(
            "--format", "-f", help="Comma-separated: csv, parquet, html (json with --period), "
            "or all.")] = "all",
        period: Annotated[str | None, typer.Option(
            help="A reporting period (2026-Q3, 2026-07, 2026, or 2026-07-01..2026-10-01): "
                 "write the GHG inventory of the jobs that started in it instead.")] = None,
        by: Annotated[str, typer.Option(
            help="With --period: 'scope' (by product and GHG scope).")] = "scope",
        residual_mix: Annotated[str | None, typer.Option(
            help="With --period: the residual mix for the market-based Scope 2 figure, e.g. "
                 "'520 gCO2e/kWh' (unknown without it).")] = None,
        datasheets: Annotated[Path | None, typer.Option(
            help="Folder of the HTML datasheets (from `modelcarbon datasheet`) that the "
                 "page links each model to (default: OUT/datasheets).",
            show_default=False)] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Write the portfolio report of a ledger, or with --period its GHG inventory."""
        from assess.cli._console import pipe_console
        from assess.datasheet._ledger import inference_requests, open_ledger
        from assess.datasheet._portfolio import portfolio, write_portfolio

        if period is not None:
            from assess.datasheet._inventory import inventory, write_inventory

            if by != "scope":
                raise UnknownKeyError("--by", by, "scope")
            kinds = ("csv", "parquet", "json", "html")
            chosen = _formats(format, kinds, "--format")
            store, _ = open_ledger(ledger)
            inv = inventory(store.jobs(), period, residual_mix=residual_mix)
            paths = write_inventory(inv, out, formats=chosen)
            if as_json:
                echo_json({"command": "report", "period": inv.attrs["period"],
                           "files": paths, "rows": frame_records(inv)})
                return
            typer.echo(f"inventory {inv.attrs['period']}: {len(inv)} row(s); wrote "
                       + ", ".join(str(p) for p in paths))
            return
        formats = _formats(format, REPORT_FORMATS, "--format")
        _finite(lifetime_requests, "--lifetime-requests")
        _finite(requests_per_year, "--requests-per-year")
        store, graph = open_ledger(ledger)
        requests = inference_requests(store.jobs())
        models = [p for p in graph.products() if graph.product(p)["kind"] == "model"]
        console = pipe_console(stderr=True)
        with progress_bar(console, "models", len(models)) as step:
            df = portfolio(graph, requests=requests, lifetime_requests=lifetime_requests,
                           requests_per_year=requests_per_year, progress=step)
        paths = write_portfolio(df, out, formats=formats, datasheets=datasheets)
        if as_json:
            annual = df["annual ASC^e [kgCO2e]"].dropna()
            echo_json({"command": "report", "files": paths, "models": len(df),
                       "annual_asc_e_kgco2e": float(annual.sum()) if len(annual) else None,
                       "rows": frame_records(df)})
            return
        typer.echo(f"{len(df)} model(s); wrote " + ", ".join(str(p) for p in paths))
