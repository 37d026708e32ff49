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

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import typer

from carbon import InvalidValueError

if TYPE_CHECKING:  # carbon's records, rich and measure are imported when the command runs
    from rich.console import Console

    from carbon import Job, System

__all__ = ["build_system", "register"]


def build_system(*, country_code: str | None, intensity: str | None, pue: float | None,
                 hardware_item: str | None, embodied: str | None, lifetime: str | None,
                 system_name: str | None) -> System:
    """The system a measured job ran on, from the command's options (nothing assumed)."""
    from carbon import Facility, System, country, hardware

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


def _executable(command: list[str]) -> str | None:
    """The program the command runs, or None when it cannot be found or run."""
    import os
    import shutil

    prog = command[0] if command else ""
    if os.sep in prog:
        return prog if os.path.isfile(prog) and os.access(prog, os.X_OK) else None
    return shutil.which(prog)


def _attachment(ledger: str | None, product: str | None, phase: str | None,
                inference_of: str | None, requests: int | None) -> dict[str, Any]:
    """Check what the job will be attached to, before anything runs."""
    if product is not None or phase is not None:
        if product is None or phase is None:
            raise InvalidValueError("--product/--phase", (product, phase),
                                    "both: the product the job made and the phase")
        from lineage import PHASES

        if phase not in PHASES:
            raise InvalidValueError("--phase", phase, f"one of {', '.join(PHASES)}")
    if (inference_of is None) != (requests is None):
        raise InvalidValueError("--inference-of/--requests", (inference_of, requests),
                                "both: the model served and how many requests the run serves")
    if requests is not None and requests < 1:
        raise InvalidValueError("--requests", requests, "a count >= 1")
    if inference_of is not None and product is not None:
        raise InvalidValueError("--inference-of", inference_of,
                                "either --product (a job of making it) or --inference-of "
                                "(a run serving it), not both")
    if (product is not None or inference_of is not None) and ledger is None:
        raise InvalidValueError("--ledger", None, "a ledger to record the job in (with "
                                "--product or --inference-of)")
    return {"product": product, "inference_of": inference_of, "requests": requests}


def _check_products(book: Any, attach: dict[str, Any]) -> None:
    wanted = [v for k, v in attach.items() if k in ("product", "inference_of") and v]
    if not wanted:
        return
    graph = book.load()
    for pid in wanted:
        if pid not in graph:
            from lineage import UnknownProductError

            raise UnknownProductError("--product" if pid == attach["product"] else
                                      "--inference-of", pid, "a product of the ledger "
                                      "(`modelcarbon product add LEDGER ID ...` first)")


def _fmt(q: Any | None, unit: str = "kJ") -> str:
    from carbon import magnitude

    return "unknown" if q is None else f"{magnitude(q, unit, 'energy'):.4g} {unit}"


def _summary(console: Console, m: Any, title: str) -> None:
    from rich.table import Table

    from carbon import magnitude

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
        product: str | None = typer.Option(
            None, help="Attach the job to this product of --ledger (with --phase)."),
        phase: str | None = typer.Option(
            None, help="Phase of the product: data, development, experiment, training, "
            "fine_tuning, distillation, compression or retraining."),
        inference_of: str | None = typer.Option(
            None, help="The run serves inference requests of this model of --ledger (with "
            "--requests): its datasheet's per-request figure comes from it."),
        requests: int | None = typer.Option(
            None, help="How many inference requests the run serves (with --inference-of)."),
        as_json: bool = typer.Option(False, "--json",
                                     help="Report as JSON (on stderr, like the table)."),
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
        """Run COMMAND measured; report on stderr; journal it; record it in --ledger.

        The command's own output and exit code are untouched (a command that is not found
        exits 127). Everything the recording needs is checked before the command runs.
        """
        from assess.cli._console import pipe_console
        from measure import Journal, Monitor, run_command

        if charge not in ("dynamic", "total"):
            raise InvalidValueError("--charge", charge, "'dynamic' or 'total'")
        if attribution not in ("process", "host"):
            raise InvalidValueError("--attribution", attribution, "'process' or 'host'")
        if not interval >= 0.001:
            raise InvalidValueError("--interval", interval, "a sampler period >= 0.001 s")
        if not idle_seconds >= 0:
            raise InvalidValueError("--idle-seconds", idle_seconds, "a time >= 0 s")
        if not checkpoint > 0:
            raise InvalidValueError("--checkpoint", checkpoint, "a period > 0 s")
        attach = _attachment(ledger, product, phase, inference_of, requests)
        exe = _executable(command)
        console = pipe_console(stderr=True, soft_wrap=True)
        system = None
        book = None
        if ledger is not None:
            from lineage import Ledger

            system = build_system(country_code=country_code, intensity=intensity, pue=pue,
                                  hardware_item=hardware_item, embodied=embodied,
                                  lifetime=lifetime, system_name=system_name)
            book = Ledger(ledger)
            _check_products(book, attach)
        if exe is None:
            typer.echo(f"error: command not found: {command[0]}", err=True)
            raise typer.Exit(code=127)
        try:
            past = Journal(journal)
            for old in past.incomplete():
                _summary(console, old, f"recovered incomplete job: {old.name}")
                job_id = str(old.meta["job_id"])
                if book is None or system is None:  # kept in the journal until recorded
                    console.print("[dim]kept in the journal: run with --ledger to record it"
                                  "[/dim]")
                    continue
                try:
                    job = old.to_job(old.name, system, charge="total", skip_unknown=True,
                                     meta={"incomplete": True})
                except InvalidValueError as e:
                    console.print(f"[yellow]not recorded (nothing known): {e}[/yellow]")
                    past.mark_recovered(job_id, outcome="nothing known")
                    continue
                seq = book.add_job(job)  # recorded first, marked after: never lost between
                past.mark_recovered(job_id, ledger=str(ledger), seq=seq)
                console.print(f"recorded incomplete job {job.id} in {ledger} (#{seq})")
            mode: Literal["process", "host"] = "host" if attribution == "host" else "process"
            monitor = Monitor.auto(interval=interval, idle_seconds=idle_seconds,
                                   attribution=mode)
            try:
                m = run_command(command, journal_path=journal, checkpoint_interval=checkpoint,
                                name=name, monitor=monitor, attribution=mode)
            finally:
                monitor.close()
            if as_json:
                typer.echo(json.dumps(m.to_dict(), default=str), err=True)
            else:
                _summary(console, m, f"measured: {m.name}")
                console.print(f"journal: {journal}")
            if book is not None and system is not None:
                from assess.datasheet._ledger import inference_meta
                from carbon import asc_e

                meta = None if attach.get("inference_of") is None else \
                    inference_meta(str(attach["inference_of"]), int(attach["requests"]))
                done: Job = m.to_job(m.name, system, charge=charge,  # type: ignore[arg-type]
                                     skip_unknown=True, meta=meta)
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

