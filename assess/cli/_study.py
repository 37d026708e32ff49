"""``modelcarbon study NAME``: run one of the empirical studies and write its table and chart.

Studies (``compress``): ``search`` (Optuna samplers compared by energy to reach a validation
accuracy and by accuracy within an energy budget, :func:`compress.compare_strategies`),
``architecture`` (layer type x activation x size, :func:`compress.architecture_study`) and
``data`` (six scikit-learn algorithms x row and feature fractions,
:func:`compress.data_study`). Each writes under ``OUT/NAME/``: ``runs.csv`` (one row per
measured run), ``summary.csv`` (mean and CV per configuration), ``stats.txt`` (Kruskal-Wallis
H and p, eta squared, Shapiro-Wilk and CV per level) and ``chart.svg`` (matplotlib, Agg).
Energies are this machine's measured (or labelled estimated) figures; seeds are fixed, so
accuracies repeat exactly and energies within their spread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from assess.cli._json import JsonFlag, echo_json, frame_records
from carbon import UnknownKeyError

__all__ = ["SIZES", "STUDIES", "register", "run_study"]

STUDIES = ("search", "architecture", "data")
#: keyword arguments of each study per size: ``small`` (minutes here), ``tiny`` (seconds)
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "small": {
        "search": {"seeds": (0, 1, 2, 3, 4), "n_trials": 8, "target": 0.9},
        "architecture": {"repeats": 3, "epochs": 3, "min_seconds": 0.3},
        "data": {"repeats": 3, "min_seconds": 0.05},
    },
    "tiny": {
        "search": {"names": ("random", "tpe"), "seeds": (0, 1), "n_trials": 2,
                   "target": 0.5},
        "architecture": {"layers": ("linear", "conv"), "activations": ("relu",),
                         "sizes": ("small",), "repeats": 2, "epochs": 1, "min_seconds": 0.05},
        "data": {"algorithms": ("naive_bayes", "decision_tree"), "row_fractions": (0.25, 1.0),
                 "feature_fractions": (0.5, 1.0), "repeats": 2, "min_seconds": 0.02},
    },
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _search(setting: Any, kw: dict[str, Any]) -> tuple[Any, Any, list[str], Callable[..., None]]:
    import compress

    c = compress.compare_strategies(setting=setting, **kw)
    stats = [f"target accuracy {c.target:g}, energy budget {c.budget.m_as('J'):.4g} J", *c.notes]
    for label, g in (("energy to reach the target", c.energy_to_target),
                     ("accuracy within the budget", c.accuracy_in_budget)):
        stats += ["", f"{label}:", g.summary() if g is not None else "no group test"]

    def chart(ax: Any) -> None:
        colours = dict(zip(c.runs, ("C0", "C1", "C2", "C3", "C4"), strict=False))
        for name, runs in c.runs.items():
            for i, r in enumerate(runs):
                e, best, xs, ys = 0.0, 0.0, [], []
                for t in r.trials:
                    e += t.energy.m_as("J")
                    best = max(best, t.accuracy)
                    xs.append(e)
                    ys.append(best)
                ax.step(xs, ys, where="post", color=colours[name], alpha=0.7,
                        label=name if i == 0 else None)
        ax.axhline(c.target, color="grey", linestyle=":", label="target")
        ax.axvline(c.budget.m_as("J"), color="grey", linestyle="--", label="budget")
        ax.set_xlabel("cumulative search energy [J]")
        ax.set_ylabel("best validation accuracy so far")

    return c.table(), None, stats, chart


def _architecture(setting: Any, kw: dict[str, Any]
                  ) -> tuple[Any, Any, list[str], Callable[..., None]]:
    import compress

    st = compress.architecture_study(setting=setting, **kw)
    summary = st.summary()
    stats: list[str] = []
    for f in st.factors:
        if st.table[f].nunique() < 2:
            continue
        for col in ("energy_per_epoch [J]", "energy_per_inference [J]"):
            stats += [f"{col} by {f}:", st.effect(f, col).summary(), ""]

    def chart(ax: Any) -> None:
        labels = ["-".join(str(row[f]) for f in st.factors) for _, row in summary.iterrows()]
        mean = summary["energy_per_epoch [J] mean"]
        spread = (summary["energy_per_epoch [J] CV"] * mean).fillna(0.0)
        ax.bar(range(len(labels)), mean, yerr=spread, color="C0", capsize=3)
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("energy per epoch [J] (bar: mean, line: one s.d.)")

    return st.table, summary, stats, chart


def _data(setting: Any, kw: dict[str, Any]) -> tuple[Any, Any, list[str], Callable[..., None]]:
    import compress

    st = compress.data_study(setting=setting, **kw)
    stats: list[str] = [*st.notes]
    for f, col in (("algorithm", "training_energy [J]"), ("rows", "training_energy [J]"),
                   ("features", "training_energy [J]"), ("rows", "accuracy"),
                   ("features", "accuracy")):
        stats += [f"{col} by {f}:", st.effect(f, col).summary(), ""]
    for algo in st.table["algorithm"].unique():
        for f in ("rows", "features"):
            if st.table[f].nunique() > 1:
                stats += [f"training_energy [J] by {f}, {algo} only:",
                          st.effect(f, algorithm=str(algo)).summary(), ""]

    def chart(ax: Any) -> None:
        t = st.table
        for i, (algo, g) in enumerate(t.groupby("algorithm", sort=False)):
            ax.scatter(g["training_energy [J]"], g["accuracy"], s=12 + 60 * g["rows"],
                       color=f"C{i}", alpha=0.6, label=algo)
        ax.set_xscale("log")
        ax.set_xlabel("training energy [J] (marker size: row fraction)")
        ax.set_ylabel("held-out accuracy")

    return st.table, st.summary(), stats, chart


_RUN = {"search": _search, "architecture": _architecture, "data": _data}


def run_study(name: str, out: Path, *, size: str = "small", setting: Any = None
              ) -> list[Path]:
    """Run study ``name`` at ``size`` and write its files under ``out/name``; returns them.

    ``setting``: a ``compress.JobSetting`` (default: ``Monitor.auto()`` on this machine as
    the demo's local system).
    """
    if name not in _RUN:
        raise UnknownKeyError("NAME", name, f"one of {', '.join(STUDIES)}")
    if size not in SIZES:
        raise UnknownKeyError("--size", size, f"one of {', '.join(SIZES)}")
    import compress
    from assess.demo._pipeline import local_system
    from measure import Monitor

    mon = None
    if setting is None:
        mon = Monitor.auto()
        setting = compress.JobSetting(mon, local_system())
    try:
        table, summary, stats, chart = _RUN[name](setting, dict(SIZES[size][name]))
    finally:
        if mon is not None:
            mon.close()
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "runs.csv", folder / "stats.txt", folder / "chart.svg"]
    table.to_csv(files[0], index=False)
    files[1].write_text("\n".join(stats).rstrip() + "\n", encoding="utf-8")
    if summary is not None:
        files.append(folder / "summary.csv")
        summary.to_csv(files[-1], index=False)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    try:
        chart(ax)
        ax.set_title(f"{name} study ({size})")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(files[2], format="svg")
    finally:
        plt.close(fig)
    return files


def register(app: typer.Typer) -> None:
    """Add the study command."""

    @app.command(help=__doc__.split("\n\n")[1] if __doc__ else None)
    def study(
        name: Annotated[str, typer.Argument(help=f"One of: {', '.join(STUDIES)}.")],
        out: Annotated[Path, typer.Option(help="Folder for the study's files.")] = Path("out"),
        size: Annotated[str, typer.Option(
            help="small (minutes on 2 cores) or tiny (seconds, for tests).")] = "small",
        as_json: JsonFlag = False,
    ) -> None:
        """Run one empirical study and write its table, statistics and chart."""
        from assess.cli._console import pipe_console

        console = pipe_console()
        files = run_study(name, out, size=size)
        stats = next(f for f in files if f.name == "stats.txt")
        if as_json:
            import pandas as pd

            tables = {f.stem: frame_records(pd.read_csv(f)) for f in files
                      if f.suffix == ".csv"}
            echo_json({"command": "study", "study": name, "size": size, "files": files,
                       "stats": stats.read_text(encoding="utf-8").splitlines(), **tables})
            return
        console.print(stats.read_text(encoding="utf-8"), markup=False, highlight=False)
        for f in files:
            console.print(f"wrote {f}", markup=False, highlight=False)
