"""``modelcarbon assess``: adoption advice for techniques, as a table and optional JSON;
``modelcarbon check-calibration``: the validator's findings for a calibration file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from carbon import DataError

if TYPE_CHECKING:  # the command imports the framework and rich when it runs (a fast --help)
    from rich.table import Table

    from assess.adoption import Assessment, Contribution

__all__ = ["register"]

_COLOUR = {"positive": "green", "neutral": "dark_orange", "negative": "red"}
_SHORT = {"complexity": "C", "effort": "E", "disruption": "D", "energy_reduction": "R"}
_BRIEF = {"perceived_benefits": "benefits", "environmental_awareness": "awareness",
          "information": "information", "resources": "resources", "complexity": "complexity",
          "effort": "effort", "disruption": "disruption", "energy_reduction": "energy"}


def _cell(c: Contribution) -> str:
    return (f"{_BRIEF[c.barrier]} {c.barrier_level.value} x {_BRIEF[c.characteristic]} "
            f"{c.characteristic_level.value}: {c.weight:+d}")


def _levels(a: Assessment) -> str:
    from assess.adoption import CHARACTERISTICS

    ch = a.advice.characteristics
    return " ".join(
        f"{_SHORT[c]}={ch.level(c).value}{'*' if ch.basis[c].label == 'measured' else ''}"
        for c in CHARACTERISTICS)


def _break_even(a: Assessment) -> str:
    b = a.business
    if b is None:
        return "-"
    if b.break_even_requests is None or b.break_even_time is None:
        return "never" if b.one_time_carbon is not None else "unknown"
    return f"{b.break_even_requests:.3g} req, {b.break_even_time.m_as('day'):.3g} d"


def _table(rows: tuple[Assessment, ...], title: str) -> Table:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title)
    for col, just in (("technique", "left"), ("score", "right"), ("verdict", "left"),
                      ("levels, *measured", "left"), ("most up", "left"),
                      ("most down", "left"), ("first flip", "left"),
                      ("break-even", "right")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for a in rows:
        adv = a.advice
        up, down = adv.pushed_up(1), adv.pushed_down(1)
        flip = adv.flips[0] if adv.flips else None
        table.add_row(
            escape(a.technique.name), str(adv.score),
            f"[{_COLOUR[adv.verdict]}]{adv.verdict}[/]", _levels(a),
            _cell(up[0]) if up else "-", _cell(down[0]) if down else "-",
            f"{_BRIEF[flip.name]} {flip.before.value}->{flip.after.value}: {flip.verdict}"
            if flip else "none", _break_even(a))
    return table


def register(app: typer.Typer) -> None:
    """Add the ``assess`` and ``check-calibration`` commands."""

    @app.command("assess")
    def assess_cmd(
        org: Path = typer.Option(..., "--org", help="Organisation file (barriers, "  # noqa: B008
                                 "calibration, thresholds, business settings)."),
        techniques: Path = typer.Option(..., "--techniques",  # noqa: B008
                                        help="Techniques file (ratings, measurements)."),
        as_json: bool = typer.Option(False, "--json", help="Print the full advice as one "
                                     "JSON object on stdout (nothing else there)."),
        json_out: Path | None = typer.Option(None, "--json-out",  # noqa: B008
                                             help="Also write the full advice as JSON here."),
        explain: bool = typer.Option(False, "--explain",
                                     help="Print the full explanation of each advice."),
    ) -> None:
        """Advise whether each technique is viable for the organisation (adoption framework)."""
        from rich.markup import escape

        from assess.adoption import assess_techniques, load_organisation, load_techniques
        from assess.cli._console import pipe_console

        console = pipe_console(stderr=as_json)  # with --json, stdout holds the JSON alone
        of = load_organisation(org)
        rows = assess_techniques(of, load_techniques(techniques))
        doc = {
            "organisation": of.organisation.name,
            "calibration": of.calibration.name,
            "calibration_findings": [str(f) for f in of.calibration.report.findings],
            "standalone": of.standalone,
            "assessments": [a.to_dict() for a in rows],
        }
        if as_json:
            from assess.cli._json import echo_json

            echo_json(doc)
        name = escape(of.organisation.name or org.stem)
        console.print(_table(rows, f"Adoption advice for {name} (calibration "
                                   f"{escape(repr(of.calibration.name))})"))
        for a in rows:
            for c in a.advice.measured:
                console.print(f"[dim]{escape(a.technique.name)}: {c} measured: "
                              f"{escape(str(a.advice.characteristics.basis[c].detail))}[/dim]")
            if a.business is not None and a.business.saving_carbon_per_year is not None:
                b = a.business
                money = f", {b.saving_money_per_year}/year" if b.saving_money_per_year else ""
                once = "unknown" if b.one_time_carbon is None else \
                    f"{b.one_time_carbon.to('kgCO2e'):.3g~P}"
                console.print(f"[dim]{escape(a.technique.name)}: one-time {once}; saves "
                              f"{b.saving_carbon_per_year:.3g~P}/year{money}[/dim]")
            if explain:
                console.print(f"[bold]{escape(a.technique.name)}[/bold]\n"
                              f"{escape(a.advice.explain())}")
        warnings = of.calibration.report.warnings
        if warnings:
            console.print(f"[dim]calibration {escape(repr(of.calibration.name))}: {len(warnings)} "
                          "warning(s), see `modelcarbon check-calibration`[/dim]")
        if json_out is not None:
            try:
                json_out.write_text(json.dumps(doc, indent=2, default=str) + "\n",
                                    encoding="utf-8")
            except OSError as e:
                raise DataError("--json-out", str(json_out), "a file that can be written "
                                f"({e.strerror or type(e).__name__})") from e
            console.print(f"wrote {escape(str(json_out))}", markup=True)

    @app.command("check-calibration")
    def check_calibration(
        path: Path | None = typer.Argument(None, help="Calibration YAML; none = published."),  # noqa: B008
    ) -> None:
        """List every finding of the calibration validator (a blocking error exits 2)."""
        from rich.markup import escape

        from assess.adoption import load_calibration, published_calibration
        from assess.cli._console import pipe_console

        console = pipe_console()
        cal = published_calibration() if path is None else load_calibration(path)
        console.print(f"calibration {escape(repr(cal.name))}: score range {cal.score_range}")
        console.print(str(cal.report), markup=False)
