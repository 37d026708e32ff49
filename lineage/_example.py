"""The BERT-family example lineage, built from published facts shipped in ``_data``.

Energies are computed with units from the published inputs (devices x power x duration):
RoBERTa 1024 x 300 W x 1 day = 7,372.8 kWh; DistilBERT 8 x 250 W x 3.5 days = 168 kWh;
DistilBERT inference on the STS-B dev set 410 s x 135 W = 0.015375 kWh (61 % of BERT's
668 s x 135 W = 0.02505 kWh). Carbon needs a facility (PUE, grid mix): the caller gives it.
mBERT, DistilmBERT and the datasets have no published energy: their EPC is unknown (each
figure says it is a lower bound), never zero.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from carbon import Q_, EnergyUse, Facility, InvalidValueError, Job, System
from lineage._graph import ProvenanceGraph

__all__ = ["bert_family", "bert_family_data", "example_energies"]


@cache
def bert_family_data() -> dict[str, Any]:
    """The shipped facts (``lineage/_data/bert_family.yaml``) with their sources."""
    # by file path: importlib.resources misreads a stale editable install (namespace package)
    path = Path(__file__).resolve().parent / "_data" / "bert_family.yaml"
    with path.open(encoding="utf-8") as f:
        data: dict[str, Any] = yaml.safe_load(f)
    return data


def _energy(row: dict[str, Any]) -> Any:
    return (row.get("devices", 1) * Q_(row["power"]) * Q_(row["duration"])).to("kWh")


def example_energies() -> dict[str, Any]:
    """Energy of every published job and inference run [kWh quantities], by name.

    >>> e = example_energies()
    >>> e["RoBERTa pre-training"], e["DistilBERT distillation"]
    (<Quantity(7372.8, 'kilowatt_hour')>, <Quantity(168.0, 'kilowatt_hour')>)
    >>> round(e["inference: distilbert"].m, 6), round(e["inference: bert"].m, 5)
    (0.015375, 0.02505)
    """
    data = bert_family_data()
    out = {j["name"]: _energy(j) for j in data["jobs"]}
    out.update({f"inference: {r['model']}": _energy(r) for r in data["inference"]})
    return out


def _source(data: dict[str, Any], keys: str) -> str:
    return "; ".join(data["sources"][k.strip()] for k in keys.split(";"))


def bert_family(facility: Facility, *, gpu_embodied: Any = None,
                gpu_lifetime: Any = "3 year") -> ProvenanceGraph:
    """The BERT family lineage with its published jobs run in ``facility``.

    ``gpu_embodied``: embodied carbon of one V100 card [gCO2e]; no sourced figure is shipped,
    so without it the systems' embodied carbon is unknown (``embodied_unknown``) and every
    EPC that includes them is a lower bound.

    >>> g = bert_family(Facility(name="example", pue=1.1, mix="400 gCO2e/kWh"))
    >>> round(g.epc("roberta").total.m_as("tCO2e"), 3)
    3.244
    >>> g.epc("distilbert").complete
    False
    """
    data = bert_family_data()
    g = ProvenanceGraph()
    for p in data["products"]:
        add = g.add_dataset if p["kind"] == "dataset" else g.add_model
        add(p["id"], name=p["name"], source=_source(data, p["source"]))
    for e in data["edges"]:
        g.derive(e["child"], e["parent"], e["kind"])
    for j in data["jobs"]:
        n = j.get("devices", 1)
        if gpu_embodied is None:
            system = System(name=f"{n} x {j['device']}", lifetime=gpu_lifetime,
                            facility=facility, embodied_unknown="no sourced figure for this "
                            "hardware is shipped (pass gpu_embodied)")
        else:
            one = Q_(gpu_embodied) if isinstance(gpu_embodied, str) else gpu_embodied
            system = System(name=f"{n} x {j['device']}", embodied=n * one,
                            lifetime=gpu_lifetime, facility=facility,
                            source="embodied given by the caller")
        energy = _energy(j)
        if energy.m <= 0:  # pragma: no cover - data check
            raise InvalidValueError("energy", energy, "a positive published energy")
        job = Job(name=j["name"], duration=Q_(j["duration"]), id=f"bert-family:{j['name']}",
                  energy=[EnergyUse(system=system, energy=energy, provenance="estimated",
                                    source=_source(data, j["source"]))])
        g.add_job(j["product"], job, phase=j["phase"])
    return g
