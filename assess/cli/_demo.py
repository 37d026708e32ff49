"""``modelcarbon demo``: the main job on embedded defaults."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assess.cli._json import JsonFlag, echo_json, frame_records, sheet_figures
from carbon import UnknownKeyError

if TYPE_CHECKING:  # rich and the demo are imported when the command runs
    from rich.console import Console

__all__ = ["demo_json", "register"]

TECHNIQUES = ("prune_magnitude", "prune_global", "prune_structured", "quantise_int8",
              "quantise_fp16", "quantise_bf16", "distil_labelled", "distil_transfer",
              "drop_batches")

_DEMO_HELP = "\n\n".join([
    "Run the main job on embedded defaults and write everything into --out.",
    "Prints the ASC^e breakdown of an example request and training run; builds a ledger "
    "(OUT/ledger.sqlite) with the published BERT-family lineage and a lineage measured on "
    "this machine (a digits teacher trained, pruned, quantised and distilled; MiniLM too "
    "when the minilm extra is installed); prints every "
    "EPC, per-request ASC^e and the adoption advice; writes a datasheet per model "
    "(OUT/datasheets/) and the portfolio report (OUT/portfolio.csv, .parquet, .html).",
    "Running it again rebuilds the same ledger content (measured jobs are new measurements "
    "that replace the previous run's). Takes a few minutes on 2 cores.",
])


def _print_breakdowns(console: Console) -> None:
    from rich.table import Table

    from assess.demo import breakdown_rows, example_jobs
    from carbon import asc_e

    for label, job in example_jobs().items():
        b = asc_e(job)
        table = Table(title=f"ASC^e breakdown: {label}", show_lines=False)
        table.add_column("part")
        table.add_column("carbon", justify="right")
        for part, value in breakdown_rows(b):
            table.add_row(part, value)
        console.print(table)
        for line in b.systems:
            console.print(
                f"  {line.system}: {line.energy_kwh:.4g} kWh ({line.provenance}), PUE {line.pue}, "
                f"grid {line.intensity_gco2e_per_kwh:.1f} gCO2e/kWh"
            )
    jobs = example_jobs()
    use = next(iter(jobs.values())).energy[0]
    console.print(f"[dim]grid: {use.system.facility.mix.source}[/dim]")
    console.print(f"[dim]hardware: {use.system.name}, {use.system.source}[/dim]")
    console.print("[dim]boundary: ASC^e includes embodied hardware, platform, the model's EPC "
                  "share and re-training (extended boundary); no offsets applied.[/dim]")


def _print_results(console: Console, result: object) -> None:
    from rich.table import Table

    from assess.datasheet._format import fmt_carbon, fmt_epc, fmt_g
    from assess.demo._pipeline import DemoResult

    assert isinstance(result, DemoResult)
    table = Table(title="EPC and per-request ASC^e of every model (from the ledger)")
    for col in ("model", "EPC", "provenance", "per request (ASC^e)", "inference only"):
        table.add_column(col, justify="left" if col in ("model", "provenance") else "right",
                         no_wrap=True)
    complete = result.epc["complete"]
    for ds in result.datasheets:
        pr = ds.per_request
        epc = fmt_epc(ds.epc)
        table.add_row(ds.identity.id, epc, ds.epc.total.provenance,
                      "unknown" if pr is None else fmt_carbon(pr.total.value),
                      "unknown" if pr is None else fmt_carbon(pr.inference_only.value))
    console.print(table)
    datasets = result.epc[result.epc["kind"] != "model"]
    for pid, row in datasets.iterrows():
        known = bool(row["complete"])
        value = fmt_g(float(row["epc [gCO2e]"]))
        text = value if known else (
            "unknown (no job recorded)" if float(row["epc [gCO2e]"]) == 0 else f"≥ {value}")
        console.print(f"  {row['kind']} {pid}: EPC {text}")
    if not complete.all():
        console.print("[dim]≥ : a lower bound: a product in its lineage has no job recorded "
                      "(unknown, not zero; see the datasheet notes)[/dim]")
    adv = Table(title="Adoption advice (example organisation, measured levels applied)")
    for col in ("technique", "energy/request saved", "interval", "quality change", "score",
                "advice"):
        adv.add_column(col, justify="right" if col in ("score",) else "left")
    for a, r in zip(result.advice, result.results, strict=True):
        ci = r.energy_reduction_ci_pct
        interval = "none (one shot)" if ci is None else (
            f"{ci[0]:.1f} to {ci[1]:.1f} %" + ("" if r.conclusive else ", not conclusive"))
        adv.add_row(r.technique, f"{r.energy_reduction_pct:.1f} %", interval,
                    f"{r.quality_change:+.3f} {r.metric_name}", str(a.score), str(a.verdict))
    console.print(adv)
    for note in result.notes:
        console.print(f"[dim]note: {note}[/dim]")
    console.print(f"ledger: {result.ledger}")
    console.print(f"wrote {len(result.files)} files: datasheets in "
                  f"{result.ledger.parent / 'datasheets'}, portfolio report in "
                  f"{result.ledger.parent}")


def demo_json(result: Any) -> dict[str, Any]:
    """What the demo prints, as one JSON object: the example breakdowns, every model's EPC
    and per-request ASC^e, every product's EPC row, the advice and the files written
    (grams of CO2e in keys ending ``_g``; null: unknown)."""
    from assess.demo import example_jobs
    from carbon import asc_e

    breakdowns = {}
    for label, job in example_jobs().items():
        b = asc_e(job)
        breakdowns[label] = {**{f"{p}_g": float(v.m_as("gCO2e")) for p, v in b.parts().items()},
                             **{f"{v}_g": float(getattr(b, v).m_as("gCO2e"))
                                for v in ("jsc", "asc", "jsc_e", "asc_e")}}
    advice = []
    for a, r in zip(result.advice, result.results, strict=True):
        ci = r.energy_reduction_ci_pct
        advice.append({"technique": r.technique, "score": a.score, "verdict": str(a.verdict),
                       "energy_reduction_pct": r.energy_reduction_pct,
                       "energy_reduction_ci_pct": None if ci is None else list(ci),
                       "conclusive": r.conclusive, "quality_change": r.quality_change,
                       "metric": r.metric_name})
    products = frame_records(result.epc.reset_index())  # the index is the product id
    return {"command": "demo", "ledger": result.ledger, "files": result.files,
            "breakdowns": breakdowns, "models": [sheet_figures(d) for d in result.datasheets],
            "products": products, "advice": advice, "notes": result.notes}


def register(app: typer.Typer) -> None:
    """Add the demo command."""

    @app.command(help=_DEMO_HELP)
    def demo(
        out: Annotated[Path, typer.Option(
            help="Folder for the ledger, datasheets and reports.")] = Path("out"),
        epochs: Annotated[int, typer.Option(
            help="Training epochs of the digits teacher and students (fewer is quicker).",
            min=1)] = 30,
        techniques: Annotated[str | None, typer.Option(
            help="Comma-separated subset of techniques (default all): prune_magnitude, "
                 "prune_global, prune_structured, quantise_int8, quantise_fp16, "
                 "quantise_bf16, distil_labelled, distil_transfer, drop_batches.")] = None,
        minilm: Annotated[bool | None, typer.Option(
            "--minilm/--no-minilm",
            help="Also distil, quantise and prune all-MiniLM-L6-v2 (default: when the minilm "
                 "extra is installed).", show_default=False)] = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Run the main job on embedded defaults."""
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from assess.cli._console import pipe_console
        from assess.demo._pipeline import run_demo

        console = pipe_console(stderr=as_json)  # with --json, stdout holds the JSON alone
        if not console.is_terminal:
            console = pipe_console(width=max(console.width, 120), stderr=as_json)
        if not as_json:
            _print_breakdowns(console)
        chosen = None if techniques is None else tuple(
            t.strip() for t in techniques.split(",") if t.strip())
        if chosen is not None and (not chosen or set(chosen) - set(TECHNIQUES)):
            raise UnknownKeyError("--techniques", techniques,
                                  f"a comma-separated subset of {', '.join(TECHNIQUES)}")
        started = time.monotonic()
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      TimeElapsedColumn(), console=pipe_console(stderr=True),
                      transient=True) as bar:
            task = bar.add_task("measuring the digits lineage (train, prune, quantise, "
                                "distil)", total=None)

            def step(what: str) -> None:
                bar.update(task, description=f"done: {what}")

            with contextlib.redirect_stdout(sys.stderr if as_json else sys.stdout):
                result = run_demo(out, epochs=epochs, techniques=chosen, minilm=minilm,
                                  step=step)
        if as_json:
            echo_json(demo_json(result))
            return
        _print_results(console, result)
        console.print(f"[dim]finished in {time.monotonic() - started:.0f} s[/dim]")
