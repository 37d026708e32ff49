"""Fixtures of the command-line tests: ``cli`` runs ``modelcarbon ARGS`` in this process;
``ledger`` is a small ledger with two models, a dataset and inference batches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assess.datasheet._ledger import inference_meta
from carbon import Q_, EnergyUse, Facility, Job, System
from lineage import Ledger, ProvenanceGraph, ReportedCarbon
from tests.assess.cli.runner import Run


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """``modelcarbon ARGS`` in this process, through the same ``main`` (quicker)."""
    from assess.cli import main

    def run(*args: str) -> Run:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except Exception:  # an escaped exception is what a user would see as a traceback
            import traceback

            out = capsys.readouterr()
            return Run(1, out.out, out.err + "Traceback\n" + traceback.format_exc())
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    return run


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fac = Facility(name="dc", pue=1.2, mix="300 gCO2e/kWh")
    box = System(name="box", embodied="1000 kgCO2e", lifetime="4 year", facility=fac,
                 source="test fixture")
    g = ProvenanceGraph()
    g.add_dataset("corpus", name="a corpus")
    g.add_model("base", name="base <b>model</b>")
    g.add_model("small", name="small model", lifetime="2 year")
    g.derive("base", "corpus", "trained_on", share=1.0)
    g.derive("small", "base", "distilled_from", share=0.5)
    g.add_job("corpus", ReportedCarbon(carbon="5 kgCO2e", source="log", id="c"), phase="data")
    g.add_job("base", ReportedCarbon(carbon="500 kgCO2e", source="paper", id="b"),
              phase="training")
    g.add_job("small", Job(name="distil", duration="2 h", id="s", energy=[EnergyUse(
        system=box, energy="3 kWh", provenance="measured", uncertainty="0.1 kWh")]),
        phase="distillation")
    path = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    with Ledger(str(path)) as store:
        store.save(g)
        for model, joules in (("small", 200.0), ("base", 900.0)):
            store.add_job(Job(name=f"{model} x100", duration="5 s", meta=inference_meta(
                model, 100), energy=[EnergyUse(system=box, energy=Q_(joules, "J"),
                                               provenance="measured")]))
    return path
