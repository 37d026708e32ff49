"""The golden vectors of specs/golden/published_footprints.yaml, built through the public API.

:func:`figures` turns one case into the figures its source publishes (``expected`` keys), using
only public names of ``carbon`` (no private module, no workaround): a facility with its
contractual instruments, a (composed) system, ``device_energy`` or a reported energy, an idle
and infrastructure figure, ``asc_e`` and ``scope2``; ``sci`` and ``green_algorithms`` cases
call those functions. ``reported`` cases are checked through ``lineage.add_published``
(tests/lineage/test_published.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

import carbon
from carbon import Q_

GOLDEN = (Path(__file__).resolve().parents[2] / "specs" / "golden"
          / "published_footprints.yaml")
CASES: list[dict[str, Any]] = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))


def cases(*kinds: str) -> list[dict[str, Any]]:
    """The cases of ``kinds``, for ``pytest.mark.parametrize``."""
    return [c for c in CASES if c["kind"] in kinds]


def ids(cs: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in cs]


def _facility(case: dict[str, Any]) -> carbon.Facility:
    f = case["facility"]
    insts = tuple(carbon.ContractualInstrument(**i) for i in f.get("instruments", ()))
    return carbon.Facility(name=f"{case['id']} facility", pue=f["pue"], mix=Q_(f["intensity"]),
                           instruments=insts, residual_mix=f.get("residual_mix"))


def breakdown(case: dict[str, Any]) -> carbon.Breakdown:
    """A training case's ASC^e breakdown, from its inputs as its source states them."""
    fac = _facility(case)
    e = case["energy"]
    emb = case.get("embodied")
    if emb is not None:
        system = carbon.composed_system(case["id"], facility=fac, source=case["source"], **emb)
    else:
        system = carbon.System(name=case["id"], lifetime="4 year", facility=fac,
                               embodied_unknown="not part of the published figure")
    devices = e.get("devices", 1)
    if "device_hours" in e:
        hours = Q_(e["device_hours"] / devices, "h")
        uses = [carbon.device_energy(system, devices=devices, duration=hours,
                                     power=Q_(e["power"]), provenance="reported",
                                     source=case["source"])]
    else:
        hours = Q_(e["duration"])
        uses = [carbon.EnergyUse(system=system, energy=Q_(e["energy"]), provenance="reported",
                                 source=case["source"])]
    if "idle_energy" in case:
        uses.append(carbon.EnergyUse(system=system, energy=Q_(case["idle_energy"]),
                                     provenance="reported", role="idle", duration=hours,
                                     source=case["source"]))
    return carbon.asc_e(carbon.Job(name=case["id"], duration=hours, energy=uses))


def figures(case: dict[str, Any]) -> dict[str, float]:
    """The case's figures in the units of the ``expected`` keys."""
    if case["kind"] == "sci":
        s = carbon.sci(**{k: Q_(v) if isinstance(v, str) and k != "unit" else v
                          for k, v in case["inputs"].items()})
        return {"sci_g": s.score.m_as("gCO2e")}
    if case["kind"] == "green_algorithms":
        kw = {k: Q_(v) if isinstance(v, str) and k != "processor" else v
              for k, v in case["inputs"].items()}
        kw["core_power"] = carbon.green_algorithms_tdp(kw.pop("processor")).core_power
        g = carbon.green_algorithms(**kw)
        return {"energy_kwh": g.energy.m_as("kWh"), "carbon_g": g.carbon.m_as("gCO2e")}
    b = breakdown(case)
    out = {"energy_mwh": b.facility_energy.m_as("MWh"),
           "operational_t": (b.operational_g + b.overhead_g) / 1e6,
           "idle_t": b.idle_g / 1e6, "embodied_t": b.embodied_g / 1e6,
           "total_t": b.asc_e.m_as("tCO2e")}
    if "market_t" in case["expected"]:
        out["market_t"] = carbon.scope2(b).market_based.m_as("tCO2e")
    return out
