"""``modelcarbon requests``: ASC^e of request logs (Parquet) on Dask, with hourly intensities.

Registered by :func:`register_requests` (also exported as ``register``, the hook
``assess.cli`` calls for each command module).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from assess.fleet import account_requests
from carbon import (
    ConstantIntensity,
    Fallback,
    InvalidValueError,
    RequestReport,
    RequestTables,
    magnitude,
    read_devices,
    read_hourly,
)
from lineage import model_table_from_ledger

__all__ = ["register", "register_requests"]


def _fallback(value: str | None, source: str | None) -> Fallback:
    if value is None or value.lower() == "none":
        return None
    if value.lower() == "country":
        return "country"
    if not source:
        raise InvalidValueError("--fallback-source", source,
                                "where the constant fallback intensity comes from")
    return ConstantIntensity(float(magnitude(value, "gCO2e/kWh", "--fallback")),
                             source=f"{source} (given on the command line)")


def _table(title: str, frame: object, key: str) -> Table:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    t = Table(title=title)
    for col, just in ((key, "left"), ("requests", "right"), ("energy [kWh]", "right"),
                      ("operational+overhead [gCO2e]", "right"), ("embodied [gCO2e]", "right"),
                      ("products (EPC) [gCO2e]", "right"), ("ASC^e [gCO2e]", "right"),
                      ("per request [gCO2e]", "right"), ("fallback", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for k, r in frame.iterrows():
        label = k.strftime("%Y-%m-%d") if hasattr(k, "strftime") else str(k)
        t.add_row(label, f"{int(r['requests']):,}", f"{r['energy [kWh]']:.4g}",
                  f"{r['jsc [gCO2e]']:.4g}", f"{r['embodied [gCO2e]']:.4g}",
                  f"{r['products [gCO2e]']:.4g}", f"{r['asc_e [gCO2e]']:.4g}",
                  f"{r['asc_e per request [gCO2e]']:.3g}", f"{int(r['fallback_requests']):,}")
    return t


def _write(report: RequestReport, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    report.by_key.to_csv(out / "by_model_day_region.csv", index=False)
    report.by_model.to_csv(out / "by_model.csv")
    report.by_day.to_csv(out / "by_day.csv")
    report.by_region.to_csv(out / "by_region.csv")


def register_requests(app: typer.Typer) -> None:
    """Add the ``requests`` command."""

    @app.command("requests")
    def requests(
        logs: str = typer.Argument(..., help="Parquet request logs: a file, a glob "
                                   "('logs/*.parquet') or a directory partitioned by day."),
        ledger: str = typer.Option(..., "--ledger", help="Lineage ledger (SQLite path or "
                                   "SQLAlchemy URL): each model's EPC and lifetime."),
        devices: Path = typer.Option(..., "--devices", help="Devices CSV: device, pue, "  # noqa: B008
                                     "embodied [unit], lifetime [unit], power [unit]?, "
                                     "intensity [unit]?"),
        grid: Path | None = typer.Option(None, "--grid", help="Hourly intensity CSV/Parquet "  # noqa: B008
                                         "(specs/hourly_schema.md); without it each "
                                         "device's constant intensity is used."),
        fallback: str | None = typer.Option(None, "--fallback", help="For hours the grid "
                                            "lacks: 'country', or a constant such as "
                                            "'300 gCO2e/kWh' (with --fallback-source). "
                                            "Default: a missing hour is an error."),
        fallback_source: str | None = typer.Option(None, "--fallback-source"),
        parallel_jobs: float | None = typer.Option(None, "--parallel-jobs", help="Share each "
                                                   "model's EPC by time: requests running on "
                                                   "it at once, on average."),
        lifetime_requests: float | None = typer.Option(None, "--lifetime-requests",
                                                       help="Share each model's EPC by "
                                                       "its expected lifetime requests."),
        scheduler: str | None = typer.Option(None, "--scheduler", help="tcp:// address of a "
                                             "Dask scheduler; default: a LocalCluster."),
        workers: int = typer.Option(2, "--workers", help="LocalCluster worker processes."),
        memory_limit: str = typer.Option("4GiB", "--memory-limit",
                                         help="LocalCluster memory per worker."),
        out: Path | None = typer.Option(None, "--out", help="Directory for the aggregate "  # noqa: B008
                                        "CSVs (by model, day, region, and all three)."),
    ) -> None:
        """ASC^e of every logged request, per model, per day and per region, on Dask."""
        models = model_table_from_ledger(ledger, parallel_jobs=parallel_jobs,
                                         lifetime_requests=lifetime_requests)
        tables = RequestTables(read_devices(devices), models,
                               read_hourly(grid) if grid is not None else None,
                               _fallback(fallback, fallback_source))
        report = account_requests(logs, tables, scheduler=scheduler, n_workers=workers,
                                  memory_limit=memory_limit)
        console = Console()
        console.print(_table("ASC^e by model", report.by_model, "model"))
        console.print(_table("ASC^e by region", report.by_region, "region"))
        console.print(_table("ASC^e by day (UTC)", report.by_day, "day"))
        incomplete = [str(m) for m in models.index[~models["epc_complete"]]]
        console.print(f"total {report.total.to('kgCO2e'):.6g~P} over {report.requests:,} "
                      f"requests; EPC share by "
                      f"{'time' if tables.share == 'time' else 'expected requests'}")
        if incomplete:
            console.print(f"[yellow]EPC is a lower bound (a job missing upstream) for: "
                          f"{', '.join(incomplete)}[/yellow]")
        if out is not None:
            _write(report, out)
            console.print(f"wrote {out}/by_model.csv, by_day.csv, by_region.csv, "
                          "by_model_day_region.csv")


register = register_requests
