"""``modelcarbon demo``: the main job on embedded defaults."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from assess._carbon_demo import breakdown_rows, example_jobs
from carbon import asc_e

__all__ = ["register"]


def _print_breakdowns(console: Console) -> None:
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


def register(app: typer.Typer) -> None:
    """Add the demo command."""

    @app.command()
    def demo(
        out: Path = typer.Option(  # noqa: B008 (typer's idiom)
            Path("out"), help="Folder for the ledger, datasheets and reports."
        ),
    ) -> None:
        """Run the main job on embedded defaults and print the ASC^e breakdowns."""
        console = Console()
        _print_breakdowns(console)
