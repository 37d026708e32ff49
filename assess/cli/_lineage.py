"""``modelcarbon product|lineage|job``: build and read a ledger's lineage from the command line.

The same as from Python (``lineage.Ledger``): products (models, datasets, platforms) are added
with ``product add``, edges with ``lineage derive`` (a share or an allocation policy), reported
figures with ``job add``; ``product list``, ``job list``, ``lineage show`` and
``lineage validate`` read them back. Measured jobs come from ``modelcarbon measure --ledger``
(``--product``/``--phase`` for a job of making a product, ``--inference-of``/``--requests`` for
an inference run). Every command that prints figures takes ``--json``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

__all__ = ["register"]

LedgerArg = Annotated[str, typer.Argument(
    help="The ledger: a SQLite file or a database URL (postgresql://user@host/db). "
         "`product add` creates a SQLite file that does not exist yet; every other command "
         "needs an existing ledger.", show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _open(location: str, *, create: bool = False, write: bool = False) -> Any:
    """The ledger: read-only unless the command writes; only ``product add`` creates one."""
    from pathlib import Path

    from carbon import DataError
    from lineage import Ledger

    if not create and "://" not in location and not Path(location).is_file():
        raise DataError("ledger", location, "an existing ledger file or a database URL "
                        "(`modelcarbon product add` creates one)")
    return Ledger(location, readonly=not (create or write))


def _print(rows: list[dict[str, Any]], columns: list[str], as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    from rich.markup import escape
    from rich.table import Table

    from assess.cli._console import pipe_console

    table = Table(title=escape(title))
    for c in columns:  # escape: "[gCO2e]" is a unit, not rich markup
        table.add_column(escape(c), overflow="fold")
    for r in rows:
        table.add_row(*("-" if r.get(c) is None else escape(str(r.get(c))) for c in columns))
    pipe_console(soft_wrap=True).print(table if rows else escape(f"{title}: none recorded"))


def register(app: typer.Typer) -> None:
    """Add the ``product``, ``lineage`` and ``job`` command groups."""
    product = typer.Typer(help="Add and list products (models, datasets, platforms).",
                          no_args_is_help=True)
    edges = typer.Typer(help="Derive edges between products, show and validate the lineage.",
                        no_args_is_help=True)
    jobs = typer.Typer(help="Attach reported figures to products and list jobs.",
                       no_args_is_help=True)
    app.add_typer(product, name="product")
    app.add_typer(edges, name="lineage")
    app.add_typer(jobs, name="job")

    @product.command("add")
    def product_add(
        ledger: LedgerArg,
        id: Annotated[str, typer.Argument(help="The product id (unique in the ledger).")],
        kind: Annotated[str, typer.Option(help="model, dataset or platform.")],
        name: Annotated[str, typer.Option(help="A readable name.")],
        lifetime: Annotated[str | None, typer.Option(
            help="Expected lifetime, e.g. '2 year' (needed to share EPC by time).")] = None,
        source: Annotated[str | None, typer.Option(help="Where the product comes from.")] = None,
        revision: Annotated[str | None, typer.Option(help="A revision or version.")] = None,
    ) -> None:
        """Add a product to the ledger (a new SQLite file is created when needed)."""
        with _open(ledger, create=True) as book:
            book.add_product(id, kind=kind, name=name, lifetime=lifetime, source=source,
                             revision=revision)
        typer.echo(f"added {kind} {id} to {ledger}", err=True)

    @product.command("list")
    def product_list(ledger: LedgerArg, as_json: Json = False) -> None:
        """List the products with their EPC (a lower bound where something is unknown)."""
        with _open(ledger) as book:
            graph = book.load()
        frame = graph.epc_all() if len(graph) else None
        rows = []
        for pid in graph.products():
            p = graph.product(pid)
            row: dict[str, Any] = {"id": pid, "kind": p["kind"], "name": p["name"]}
            if frame is not None:
                row["epc [gCO2e]"] = float(frame.loc[pid, "epc [gCO2e]"])
                row["complete"] = bool(frame.loc[pid, "complete"])
            rows.append(row)
        _print(rows, ["id", "kind", "name", "epc [gCO2e]", "complete"], as_json, "products")

    @edges.command("derive")
    def derive(
        ledger: LedgerArg,
        child: Annotated[str, typer.Argument(help="The product made.")],
        parent: Annotated[str, typer.Argument(help="The product it was made from.")],
        kind: Annotated[str, typer.Argument(
            help="trained_on, fine_tuned_from, distilled_from, pruned_from, quantised_from, "
                 "derived_from or runs_on.")],
        share: Annotated[float | None, typer.Option(
            help="The share [0, 1] of the parent's EPC the child carries.")] = None,
        policy: Annotated[str | None, typer.Option(
            help="An allocation policy instead of a share: equal, cut_off, full, ...")] = None,
    ) -> None:
        """Add the edge PARENT -> CHILD (both products must be in the ledger)."""
        with _open(ledger, write=True) as book:
            book.derive(child, parent, kind, share=share, policy=policy)
        typer.echo(f"derived {child} from {parent} ({kind})", err=True)

    @edges.command("validate")
    def validate(ledger: LedgerArg, as_json: Json = False) -> None:
        """Check the lineage: cycles, shares over 1, unknown costs (an error exits 2)."""
        with _open(ledger) as book:
            report = book.load().validate()
        problems = [{"severity": severity, "code": p.code, "field": p.field,
                     "value": str(p.value)[:80], "expected": p.expected,
                     "path": " -> ".join(p.path) or None}
                    for severity, found in (("problem", report.problems),
                                            ("warning", report.warnings)) for p in found]
        _print(problems, ["severity", "code", "field", "value", "expected", "path"], as_json,
               "problems")
        if not report.ok:
            raise typer.Exit(code=2)

    @edges.command("show")
    def show(ledger: LedgerArg,
             product_id: Annotated[str | None, typer.Argument(
                 help="One product: its EPC by phase and by ancestor.")] = None,
             as_json: Json = False) -> None:
        """Show the edges, or one product's EPC with where each gram comes from."""
        with _open(ledger) as book:
            graph = book.load()
        if product_id is None:
            _print(graph.edges(), ["parent", "child", "kind", "policy", "share"], as_json,
                   "edges")
            return
        e = graph.epc(product_id)
        out = {"product": product_id, "epc [gCO2e]": e.total_g, "own [gCO2e]": e.own_g,
               "by_phase [gCO2e]": e.by_phase_g, "by_ancestor [gCO2e]": e.by_ancestor_g,
               "label": e.label}
        if as_json:
            typer.echo(json.dumps(out, indent=2))
            return
        rows = [{"part": f"own: {k}", "gCO2e": v} for k, v in e.by_phase_g.items()]
        rows += [{"part": f"from {k}", "gCO2e": v} for k, v in e.by_ancestor_g.items()]
        _print(rows, ["part", "gCO2e"], False, f"EPC of {product_id}: {e.total_g:.6g} gCO2e "
               f"({e.label})")

    @jobs.command("add")
    def job_add(
        ledger: LedgerArg,
        product_id: Annotated[str, typer.Option("--product", help="The product it made.")],
        phase: Annotated[str, typer.Option(
            help="data, development, experiment, training, fine_tuning, distillation, "
                 "compression or retraining.")],
        carbon: Annotated[str, typer.Option(help="The figure, e.g. '2.5 tCO2e'.")],
        source: Annotated[str, typer.Option(help="Who reported it (a paper, a bill).")],
        provenance: Annotated[str, typer.Option(
            help="measured, sampled, estimated or reported.")] = "reported",
        name: Annotated[str | None, typer.Option(help="A name for the job.")] = None,
    ) -> None:
        """Attach a reported carbon figure to a product."""
        from lineage import ReportedCarbon

        kw: dict[str, Any] = {"carbon": carbon, "source": source, "provenance": provenance}
        if name is not None:
            kw["name"] = name
        record = ReportedCarbon(**kw)
        with _open(ledger, write=True) as book:
            if product_id not in book.load():
                from lineage import UnknownProductError

                raise UnknownProductError("--product", product_id,
                                          "a product of this ledger (`product add` first)")
            seq = book.add_job(record, product=product_id, phase=phase)
        typer.echo(f"recorded {record.id} on {product_id} ({phase}, #{seq})", err=True)

    @jobs.command("list")
    def job_list(ledger: LedgerArg,
                 product_id: Annotated[str | None, typer.Option(
                     "--product", help="Only the jobs of this product.")] = None,
                 as_json: Json = False) -> None:
        """List the stored jobs: product, phase, ASC^e and how each was obtained."""
        with _open(ledger) as book:
            stored = book.jobs(product_id)
        rows = [{"seq": j.seq, "id": j.record.id, "name": j.record.name, "product": j.product,
                 "phase": j.phase, "role": (getattr(j.record, "meta", None) or {}).get("role"),
                 "carbon [gCO2e]": j.carbon_g, "provenance": j.provenance} for j in stored]
        _print(rows, ["seq", "name", "product", "phase", "role", "carbon [gCO2e]",
                      "provenance"], as_json, "jobs")
