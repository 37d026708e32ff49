"""Published training footprints as sourced, reported data, loadable into the lineage.

:func:`published_footprints` reads the shipped table (``_data/published_footprints.yaml``: GPT-3,
T5, BLOOM, LLaMA, Llama 2, Llama 3.1, OPT, BERT), each row with its inputs (accelerator,
device-hours, power, PUE, intensity), its published results, what the figure covers and its
source. :func:`add_published` adds one as a model with its training footprint as a
``reported`` job, so that a fine-tune of a published base model inherits its EPC::

    energy [kWh] = device_hours [h] * power [W] * PUE / 1000        (where the inputs are given)
    carbon [gCO2e] = the published tCO2e * 1e6                     (what is booked)

:func:`check_inputs` recomputes energy and carbon from the inputs and returns the difference
from the published figure, so that a result that does not follow from its inputs is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from carbon import InvalidValueError, UnknownKeyError, quantity
from lineage._graph import ProvenanceGraph
from lineage._reported import ReportedCarbon

__all__ = ["PublishedFootprint", "add_published", "check_inputs", "published_footprints"]


@dataclass(frozen=True)
class PublishedFootprint:
    """One published footprint (magnitudes in the units of their names; None: not published)."""

    id: str
    name: str
    device: str
    tco2e: float
    covers: str
    source: str
    device_hours: float | None = None
    devices: int | None = None
    power_w: float | None = None
    pue: float | None = None
    intensity_gco2e_per_kwh: float | None = None
    energy_mwh: float | None = None
    tco2e_total: float | None = None
    tco2e_market: float | None = None
    embodied_tco2e: float | None = None
    idle_energy_mwh: float | None = None
    idle_tco2e: float | None = None
    note: str | None = None

    @property
    def carbon(self) -> Any:
        """The booked figure [gCO2e quantity]."""
        return quantity(self.tco2e * 1e6, "gCO2e")


@cache
def published_footprints() -> dict[str, PublishedFootprint]:
    """Every shipped footprint by id.

    >>> published_footprints()["gpt-3"].tco2e
    552
    """
    path = Path(__file__).resolve().parent / "_data" / "published_footprints.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["models"]
    return {r["id"]: PublishedFootprint(**r) for r in rows}


def add_published(graph: ProvenanceGraph, footprint: str, *, id: str | None = None,
                  lifetime: Any = None) -> str:
    """Add a published model to ``graph`` with its training footprint as a reported job;
    returns its product id. The job's source names the paper and what the figure covers.

    >>> g = ProvenanceGraph()
    >>> pid = add_published(g, "llama-2-7b")
    >>> g.add_model("my-ft", name="my fine-tune")
    >>> g.derive("my-ft", pid, "fine_tuned_from", share=0.01)
    >>> round(g.epc("my-ft").total.m_as("tCO2e"), 4)
    0.3122
    """
    table = published_footprints()
    if footprint not in table:
        raise UnknownKeyError("footprint", footprint, f"one of {', '.join(sorted(table))}")
    f = table[footprint]
    pid = id or f.id
    if pid in graph:
        raise InvalidValueError("id", pid, "a product id not yet in the graph")
    graph.add_model(pid, name=f.name, lifetime=lifetime, source=f.source)
    graph.add_job(pid, ReportedCarbon(carbon=f.carbon, source=f"{f.source} ({f.covers})",
                                      name=f"{f.name}: published training footprint",
                                      id=f"published:{f.id}"), phase="training")
    return pid


def check_inputs(footprint: str) -> dict[str, float | None]:
    """The published figures recomputed from their inputs: ``energy_mwh`` (device-hours x
    power x PUE) and ``tco2e`` (that energy x intensity), each None where an input is not
    published, beside the published values and the relative differences.

    >>> c = check_inputs("llama-65b")
    >>> round(c["energy_mwh"], 1), round(c["tco2e"], 1)
    (449.8, 173.2)
    """
    f = published_footprints()[footprint]
    energy = None
    if f.device_hours is not None and f.power_w is not None:
        energy = f.device_hours * f.power_w * (f.pue or 1.0) / 1e6
    tco2e = None if energy is None or f.intensity_gco2e_per_kwh is None else \
        energy * f.intensity_gco2e_per_kwh / 1e3
    return {
        "energy_mwh": energy, "published_energy_mwh": f.energy_mwh,
        "energy_rel_diff": None if energy is None or f.energy_mwh is None
        else energy / f.energy_mwh - 1,
        "tco2e": tco2e, "published_tco2e": f.tco2e,
        "tco2e_rel_diff": None if tco2e is None else tco2e / f.tco2e - 1,
    }
