"""``modelcarbon measure -- python train.py ...``: run a command, measure it, record the job.

The command runs under ``measure.run_command`` (Monitor.auto: NVML GPUs, RAPL or an
estimate for CPU and memory, each figure labelled), checkpointing partial energy to an
append-only journal every ``--checkpoint`` seconds. On start, jobs a crash left open in the
journal are recovered as ``incomplete`` with the energy up to their last checkpoint. With
``--ledger`` the job (and any recovered one) is appended to the lineage ledger; that needs the
system it ran on: the grid (``--country`` or ``--intensity``), ``--pue``, and the hardware
(``--hardware`` from the shipped table, or ``--embodied`` and ``--lifetime``). Nothing is
assumed: without them the command refuses to record, before running anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from carbon import (
    Facility,
    InvalidValueError,
    Job,
    System,
    asc_e,
    country,
    hardware,
    magnitude,
)

__all__ = ["build_system", "register"]


def build_system(*, country_code: str | None, intensity: str | None, pue: float | None,
                 hardware_item: str | None, embodied: str | None, lifetime: str | None,
                 system_name: str | None) -> System:
    """The system a measured job ran on, from the command's options (nothing assumed)."""
    if (country_code is None) == (intensity is None):
        raise InvalidValueError("--country/--intensity", (country_code, intensity),
                                "exactly one: a grid (ISO3 code such as FRA) or an intensity "
                                "such as '250 gCO2e/kWh'")
    if pue is None:
        raise InvalidValueError("--pue", None, "the facility's PUE (1.0 for none, stated)")
    mix: Any = country(country_code) if country_code is not None else intensity
    facility = Facility(name=f"facility of {system_name or 'the measured host'}", pue=pue,
                        mix=mix)
    if hardware_item is not None:
        if embodied is not None or lifetime is not None:
            raise InvalidValueError("--hardware", hardware_item,
                                    "either --hardware or --embodied with --lifetime")
        entry = hardware(hardware_item)
        return System(name=system_name or entry.item, embodied=entry.embodied,
                      lifetime=entry.lifetime, facility=facility, source=entry.source)
    if embodied is None or lifetime is None:
        raise InvalidValueError("--embodied/--lifetime", (embodied, lifetime),
                                "both (e.g. '1500 kgCO2e' and '4 year'), or --hardware ITEM")
    return System(name=system_name or "measured host", embodied=embodied, lifetime=lifetime,
                  facility=facility, source="given on the command line")


def _fmt(q: Any | None, unit: str = "kJ") -> str:
    return "unknown" if q is None else f"{magnitude(q, unit, 'energy'):.4g} {unit}"


def _summary(console: Console, m: Any, title: str) -> None:
    table = Table(title=title)
    for col in ("device", "method", "label", "energy", "+-", "idle", "dynamic", "flags"):
        table.add_column(col, justify="right" if col in ("energy", "+-", "idle",
                                                         "dynamic") else "left")
    for d in m.devices:
        table.add_row(d.key, d.method, d.provenance or "-", _fmt(d.energy), _fmt(d.uncertainty),
                      _fmt(d.idle), _fmt(d.dynamic), ", ".join(d.flags) or "-")
    console.print(table)
    total = m.total_energy
    console.print(f"duration {magnitude(m.duration, 's', 'duration'):.3f} s from "
                  f"{m.start.isoformat()}; total {_fmt(total)}"
                  + ("" if total is not None else f" (unknown: {', '.join(m.unknown_devices)})"))
    for note in m.notes:
        console.print(f"[dim]note: {note}[/dim]")
    for d in m.devices:
        if d.reason:
            console.print(f"[dim]{d.key}: {d.reason}[/dim]")


def register(app: typer.Typer) -> None:
    """Add the ``measure`` command."""

    @app.command(context_settings={"allow_interspersed_args": False})
    def measure(
        command: list[str] = typer.Argument(  # noqa: B008 (typer's idiom)
            ..., help="The command to run, after `--` (e.g. -- python train.py --lr 3e-4)."),
        journal: Path = typer.Option(  # noqa: B008
            Path("modelcarbon-journal.jsonl"), help="Append-only journal (JSON lines)."),
        checkpoint: float = typer.Option(60.0, help="Seconds between journal checkpoints."),
        interval: float = typer.Option(0.1, help="Sampler period [s] for power readings."),
        idle_seconds: float = typer.Option(1.0, help="Idle power measured first for [s]."),
        name: str | None = typer.Option(None, help="Job name (default: the command)."),
        ledger: str | None = typer.Option(None, help="Record the job in this lineage ledger "
                                          "(SQLite path or SQLAlchemy URL)."),
        product: str | None = typer.Option(None, help="Attach the job to this product."),
        phase: str | None = typer.Option(None, help="Phase of the product (with --product)."),
        charge: str = typer.Option("dynamic", help="Book 'dynamic' (minus idle) or 'total'."),
        attribution: str = typer.Option(
            "process", help="CPU/RAM estimates count 'process' (the command's tree) or "
            "'host' (every process on the machine)."),
        country_code: str | None = typer.Option(None, "--country", help="Grid: ISO3 code."),
        intensity: str | None = typer.Option(None, help="Grid: e.g. '250 gCO2e/kWh'."),
        pue: float | None = typer.Option(None, help="Facility PUE."),
        hardware_item: str | None = typer.Option(None, "--hardware",
                                                 help="Hardware item of the shipped table."),
        embodied: str | None = typer.Option(None, help="Embodied carbon, e.g. '1500 kgCO2e'."),
        lifetime: str | None = typer.Option(None, help="Hardware lifetime, e.g. '4 year'."),
        system_name: str | None = typer.Option(None, help="Name of the measured system."),
    ) -> None:
        """Run COMMAND measured; print a summary; journal it; record it in --ledger."""
        from measure import Monitor, recover, run_command

        if charge not in ("dynamic", "total"):
            raise InvalidValueError("--charge", charge, "'dynamic' or 'total'")
        if attribution not in ("process", "host"):
            raise InvalidValueError("--attribution", attribution, "'process' or 'host'")
        console = Console()
        system = None
        book = None
        if ledger is not None:
            from lineage import Ledger

            system = build_system(country_code=country_code, intensity=intensity, pue=pue,
                                  hardware_item=hardware_item, embodied=embodied,
                                  lifetime=lifetime, system_name=system_name)
            book = Ledger(ledger)
        try:
            for old in recover(journal):
                _summary(console, old, f"recovered incomplete job: {old.name}")
                if book is not None and system is not None:
                    try:
                        job = old.to_job(old.name, system, charge="total", skip_unknown=True,
                                         meta={"incomplete": True})
                    except InvalidValueError as e:
                        console.print(f"[yellow]not recorded (nothing known): {e}[/yellow]")
                        continue
                    seq = book.add_job(job)
                    console.print(f"recorded incomplete job {job.id} in {ledger} (#{seq})")
            mode: Literal["process", "host"] = "host" if attribution == "host" else "process"
            monitor = Monitor.auto(interval=interval, idle_seconds=idle_seconds,
                                   attribution=mode)
            try:
                m = run_command(command, journal_path=journal, checkpoint_interval=checkpoint,
                                name=name, monitor=monitor, attribution=mode)
            finally:
                monitor.close()
            _summary(console, m, f"measured: {m.name}")
            console.print(f"journal: {journal}")
            if book is not None and system is not None:
                done: Job = m.to_job(m.name, system, charge=charge,  # type: ignore[arg-type]
                                     skip_unknown=True)
                seq = book.add_job(done, product=product, phase=phase)
                b = asc_e(done)
                console.print(f"recorded job {done.id} in {ledger} (#{seq}): JSC "
                              f"{b.jsc.to('gCO2e'):.4g~P}, ASC^e {b.asc_e.to('gCO2e'):.4g~P} "
                              f"({charge} energy)")
            else:
                console.print("[dim]not recorded in a ledger: give --ledger with the grid, "
                              "--pue and the hardware to record it[/dim]")
        finally:
            if book is not None:
                book.close()
        rc = int(m.meta.get("exit_code", 0))
        if rc != 0:
            raise typer.Exit(code=rc if rc > 0 else 128 - rc)

