"""``modelcarbon requests``: ASC^e of request logs (Parquet) on Dask, with hourly intensities;
of LLM serving logs (``specs/serving.md``: a ``.jsonl`` file, or ``--serving`` for Parquet) with
per-token figures, J and gCO2e per 1,000 tokens, prefill and decode apart.

Registered by :func:`register_requests` (also exported as ``register``, the hook
``assess.cli`` calls for each command module).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carbon import InvalidValueError

if TYPE_CHECKING:  # the fleet engine, pandas and rich are imported when the command runs
    from rich.table import Table

    from carbon import Fallback, RequestReport, RequestTables

__all__ = ["register", "register_requests"]


def _fallback(value: str | None, source: str | None) -> Fallback:
    if value is None or value.lower() == "none":
        return None
    if value.lower() == "country":
        return "country"
    if not source:
        raise InvalidValueError("--fallback-source", source,
                                "where the constant fallback intensity comes from")
    from carbon import ConstantIntensity, magnitude

    return ConstantIntensity(float(magnitude(value, "gCO2e/kWh", "--fallback")),
                             source=f"{source} (given on the command line)")


def _table(title: str, frame: object, key: str) -> Table:
    import pandas as pd
    from rich.table import Table

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


def _pairs(values: list[str] | None, option: str, kind: type) -> dict[str, float]:
    """``MODEL=VALUE`` options as a mapping."""
    out: dict[str, float] = {}
    for v in values or []:
        key, sep, num = v.partition("=")
        try:
            if not sep or not key:
                raise ValueError(v)
            out[key.strip()] = kind(num)
        except ValueError as e:
            raise InvalidValueError(option, v, "MODEL=NUMBER, e.g. llm-8b=8") from e
    return out


_TOKEN_VIEW = (("J/1k tokens", "energy_per_1k_tokens [J]"),
               ("prefill J/1k prompt", "prefill_energy_per_1k_prompt_tokens [J]"),
               ("decode J/1k generated", "decode_energy_per_1k_completion_tokens [J]"),
               ("gCO2e/1k tokens", "asc_e_per_1k_tokens [gCO2e]"),
               ("prefill gCO2e/1k prompt", "prefill_asc_e_per_1k_prompt_tokens [gCO2e]"),
               ("decode gCO2e/1k generated", "decode_asc_e_per_1k_completion_tokens [gCO2e]"))


def _token_table(title: str, frame: object, key: str) -> Table:
    import pandas as pd
    from rich.table import Table

    assert isinstance(frame, pd.DataFrame)
    t = Table(title=title)
    for col in (key, "requests", *(label for label, _ in _TOKEN_VIEW)):
        t.add_column(col, justify="left" if col == key else "right")
    for k, r in frame.iterrows():
        t.add_row(str(k), f"{int(r['requests']):,}",
                  *(f"{r[c]:.4g}" for _, c in _TOKEN_VIEW))
    return t


def _records(frame: object) -> dict[str, dict[str, float | None]]:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    return {str(k): {str(c): (None if pd.isna(v) else float(v)) for c, v in row.items()}
            for k, row in frame.iterrows()}


def _serving(logs: str, tables: RequestTables, *, parameters: dict[str, float],
             idle: str, idle_window: str, as_json: bool, out: Path | None) -> None:
    """The serving-log branch of the command: attribution, ASC^e, per-token figures."""
    from assess.cli._console import pipe_console
    from assess.fleet import account_serving

    if idle not in ("charge", "apart"):
        raise InvalidValueError("--idle", idle, "'charge' or 'apart'")
    r = account_serving(logs, tables, idle=idle,  # type: ignore[arg-type]
                        idle_window=None if idle_window.lower() == "none" else idle_window,
                        parameters=parameters)
    a = r.attribution
    # requests whose batch had no measured energy: the EcoLogits estimate (energy_error set);
    # a CPU-time estimate the server measured is "estimated" too, but not this
    estimated = int((a.requests["energy_error"].astype(str) != "").sum())
    if as_json:
        doc = {"requests": r.report.requests, "asc_e [gCO2e]": r.report.total.m_as("gCO2e"),
               "estimated_requests": estimated,
               "idle [J]": r.idle, "per_token": _records(r.per_token)["all"],
               "by_model": _records(r.by_model), "by_batch_size": _records(r.by_batch_size),
               "estimate": sorted({str(x) for x in a.requests["energy_error"] if x})}
        typer.echo(json.dumps(doc, indent=2, default=str))
    else:
        console = pipe_console()
        console.print(_token_table("Per 1,000 tokens", r.per_token, "all"))
        console.print(_token_table("Per 1,000 tokens by model", r.by_model, "model"))
        console.print(_token_table("Per 1,000 tokens by batch size", r.by_batch_size,
                                   "batch size"))
        console.print(f"total {r.report.total.to('kgCO2e'):.6g~P} over "
                      f"{r.report.requests:,} requests; idle charged "
                      f"{r.idle['charged']:.4g} J, apart {r.idle['apart']:.4g} J, "
                      f"unattributed {r.idle['unattributed']:.4g} J")
        if estimated:
            errors = sorted({str(x) for x in a.requests["energy_error"] if x})
            console.print(f"[yellow]{estimated:,} request(s) without measured energy, "
                          f"estimated (EcoLogits): {'; '.join(errors)}[/yellow]")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        a.requests.to_csv(out / "requests.csv", index=False)
        r.by_model.to_csv(out / "per_token_by_model.csv")
        _write(r.report, out)


@contextmanager
def dask_progress(quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar of partitions on stderr, yielding ``step(done, total)``; None (no bar)
    with ``quiet`` or when stderr is not a terminal."""
    from assess.cli._console import pipe_console

    console = pipe_console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(TextColumn("[bold]partitions"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("partitions", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield step


def register_requests(app: typer.Typer) -> None:
    """Add the ``requests`` command."""

    @app.command("requests")
    def requests(
        logs: str = typer.Argument(..., help="Parquet request logs: a file, a glob "
                                   "('logs/*.parquet') or a directory partitioned by day; or "
                                   "a serving log (specs/serving.md): a .jsonl file, or with "
                                   "--serving a directory of requests.parquet and "
                                   "batches.parquet."),
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
        serving: bool = typer.Option(False, "--serving", help="LOGS is a serving log "
                                     "(Parquet directory); a .jsonl file always is."),
        parameters: list[str] | None = typer.Option(None, "--parameters", help="Serving "  # noqa: B008
                                                    "logs: MODEL=BILLIONS of active "
                                                    "parameters, for batches without "
                                                    "measured energy (EcoLogits)."),
        idle: str = typer.Option("charge", "--idle", help="Serving logs: 'charge' idle "
                                 "energy to the requests of its window, or keep it 'apart'."),
        idle_window: str = typer.Option("1 hour", "--idle-window", help="Serving logs: the "
                                        "window idle energy is charged within, or 'none'."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of "
                                     "tables."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar on stderr "
                                   "(there is none either when stderr is not a terminal)."),
    ) -> None:
        """ASC^e of every logged request, per model, per day and per region, on Dask."""
        from assess.cli._console import pipe_console
        from assess.fleet import account_requests
        from carbon import RequestTables, read_devices, read_hourly
        from lineage import model_table_from_ledger

        models = model_table_from_ledger(ledger, parallel_jobs=parallel_jobs,
                                         lifetime_requests=lifetime_requests)
        tables = RequestTables(read_devices(devices), models,
                               read_hourly(grid) if grid is not None else None,
                               _fallback(fallback, fallback_source))
        if serving or logs.endswith((".jsonl", ".ndjson")):
            _serving(logs, tables, parameters=_pairs(parameters, "--parameters", float),
                     idle=idle, idle_window=idle_window, as_json=as_json, out=out)
            return
        with dask_progress(quiet) as step:
            report = account_requests(logs, tables, scheduler=scheduler, n_workers=workers,
                                      memory_limit=memory_limit, progress=step)
        if as_json:
            typer.echo(json.dumps({"requests": report.requests,
                                   "asc_e [gCO2e]": report.total.m_as("gCO2e"),
                                   "by_model": _records(report.by_model)}, indent=2,
                                  default=str))
            if out is not None:
                _write(report, out)
            return
        console = pipe_console()
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
