"""Shared builders for the datasheet tests: real carbon jobs, figures computed by the code."""

from __future__ import annotations

from typing import Any

import pytest

from assess.datasheet._figures import assumptions_of_jobs, figure_of_job, per_request_section
from assess.datasheet._model import (
    AncestorShare,
    CarbonFigure,
    Conservation,
    Datasheet,
    EpcSection,
    Identity,
    JobLine,
    LineageEdge,
    LineageNode,
    LineageSection,
    PhaseShare,
)
from carbon import (
    Q_,
    EnergyUse,
    Facility,
    Job,
    PlatformUse,
    RetrainingUse,
    System,
    country,
    hardware,
)
from lineage import ProvenanceGraph, ReportedCarbon

INJECTION = '<script>alert("x")</script><img src=x onerror=alert(1)> $x$ | *b* `c`'


def server() -> System:
    entry = hardware("generic server with 8 x 80GB GPUs")
    fac = Facility(name="Frankfurt data centre", pue=1.2, mix=country("DEU"))
    return System(name=entry.item, embodied=entry.embodied, lifetime=entry.lifetime,
                  facility=fac, source=entry.source)


def training_job(energy_kwh: float = 62.0) -> Job:
    return Job(name="training run", duration=Q_(12, "hour"),
               energy=[EnergyUse(system=server(), energy=Q_(energy_kwh, "kWh"),
                                 provenance="measured", uncertainty=Q_(3, "kWh"),
                                 source="NVML energy counter")])


def request_job() -> Job:
    return Job(name="one request", duration=Q_(40, "ms"),
               energy=[EnergyUse(system=server(), energy=Q_(9, "J"), provenance="measured",
                                 uncertainty=Q_(0.5, "J"), fraction=1 / 8,
                                 source="NVML energy counter")],
               platform=PlatformUse(name="serving stack", rate=Q_(2, "kgCO2e/day"),
                                    concurrent_jobs=64),
               retraining=RetrainingUse(carbon=Q_(30, "kgCO2e"), requests=2e7))


def make_datasheet(*, name: str = "DistilBERT", train_kwh: float = 62.0,
                   parent_share: float = 0.5, lifetime_requests: float = 5e8) -> Datasheet:
    """A datasheet for a model distilled from a reported parent, every figure computed."""
    train = training_job(train_kwh)
    own = figure_of_job(train)
    parent = CarbonFigure(value=Q_(650, "kgCO2e"), provenance="reported",
                          source="Strubell et al. 2019, Table 3")
    inherited = parent.scaled(parent_share)
    total = CarbonFigure.sum([own, inherited])
    pr = per_request_section(request_job(), epc=total, lifetime_requests=lifetime_requests,
                             model_name=name,
                             alternative=("small model from scratch",
                                          CarbonFigure(value=Q_(3, "kgCO2e"),
                                                       provenance="measured"),
                                          Q_(0.004, "gCO2e")))
    return Datasheet(
        generated_by="modelcarbon test",
        identity=Identity(id="child", name=name, kind="model", revision="v1",
                          licence="apache-2.0", task="fill-mask", lifetime="2 year",
                          functional_units=["one inference request", "one training run"]),
        lineage=LineageSection(
            nodes=[LineageNode(id="child", name=name, kind="model", depth=0),
                   LineageNode(id="bert-base-uncased", name="BERT base", kind="model", depth=1,
                                   hub_id="google-bert/bert-base-uncased")],
            edges=[LineageEdge(child="child", parent="bert-base-uncased", kind="distilled_from",
                               share=parent_share, policy="share")],
            policy="share",
            conservation=Conservation(conserving=True, message="complete, conserving")),
        epc=EpcSection(
            total=total, own=own, complete=True,
            by_phase=[PhaseShare(phase="training", carbon=own)],
            by_ancestor=[AncestorShare(id="bert-base-uncased", name="BERT base",
                                       share=parent_share, carbon=inherited)],
            jobs=[JobLine(product="child", name=train.name, phase="training", carbon=own,
                          energy=train.energy[0].energy, systems=[server().name])]),
        per_request=pr,
        assumptions=assumptions_of_jobs([train, request_job()]),
        notes=["test datasheet"],
    )


@pytest.fixture
def datasheet() -> Datasheet:
    return make_datasheet()


@pytest.fixture
def hostile() -> Datasheet:
    return make_datasheet(name=INJECTION)


def grams(q: Any) -> float:
    return float(q.m_as("gCO2e"))


#: Lifetime requests of the model in the test graph.
N = 1e8


def graph(distil_kwh: float = 62.0, *, policy_share: float = 0.5) -> ProvenanceGraph:
    g = ProvenanceGraph()
    g.add_dataset("wiki", name="English Wikipedia")
    g.add_model("bert", name="BERT base", licence="apache-2.0")
    g.add_model("distil", name="DistilBERT", revision="r1", task="fill-mask",
                lifetime="2 year")
    g.derive("bert", "wiki", "trained_on", share=1.0)
    g.derive("distil", "bert", "distilled_from", share=policy_share)
    g.add_job("wiki", ReportedCarbon(carbon="10 kgCO2e", source="data prep log", id="r-wiki"),
              phase="data")
    g.add_job("bert", ReportedCarbon(carbon="650 kgCO2e", source="Strubell et al. 2019",
                                     id="r-bert"), phase="training")
    g.add_job("distil", training_job(distil_kwh).model_copy(update={"id": "distil-run"}),
              phase="distillation")
    return g


def revalidated(record: Any, **update: Any) -> Any:
    """A copy of a carbon record with fields replaced *and validated*.

    ``record.model_copy(update=...)`` skips validation: a quantity given there is kept in its
    own unit (``Q_(90, "J")``) while the fast paths read canonical magnitudes (kWh), so a
    90 J update would count as 90 kWh. Build changed records through the constructor.
    """
    return type(record)(**{**dict(record), **update})
