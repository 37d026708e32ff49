"""The carbon part of the demo: ASC^e breakdowns of an inference request and a training run,
built from embedded defaults only (a country's grid, the shipped embodied-hardware table)."""

from __future__ import annotations

from carbon import (
    PARTS,
    Q_,
    Breakdown,
    EnergyUse,
    Facility,
    Job,
    PlatformUse,
    ProductUse,
    RetrainingUse,
    System,
    asc_e,
    country,
    hardware,
)

__all__ = ["breakdown_rows", "example_jobs"]


def example_jobs() -> dict[str, Job]:
    """Two example jobs on an 8-GPU server in a German data centre (PUE 1.2)."""
    grid = country("DEU")
    dc = Facility(name="Frankfurt data centre (PUE 1.2)", pue=1.2, mix=grid)
    entry = hardware("generic server with 8 x 80GB GPUs")
    server = System(name=entry.item, embodied=entry.embodied, lifetime=entry.lifetime,
                    facility=dc, source=entry.source)
    serving = PlatformUse(name="model-serving stack", rate=Q_(2, "kgCO2e/day"),
                          concurrent_jobs=64)
    training = Job(
        name="training run (8 GPUs, 12 h)",
        duration=Q_(12, "hour"),
        energy=[EnergyUse(system=server, energy=Q_(62, "kWh"), provenance="reported",
                          source="example figure: 8 GPUs x ~650 W x 12 h",
                          uncertainty=Q_(3, "kWh"))],
        platform=PlatformUse(name="training cluster", rate=Q_(20, "kgCO2e/day"),
                             concurrent_jobs=8),
    )
    request = Job(
        name="inference request (1 of 8 GPUs, 40 ms)",
        duration=Q_(40, "ms"),
        energy=[EnergyUse(system=server, energy=Q_(9, "J"), provenance="reported",
                          source="example figure: ~225 W for 40 ms", fraction=1 / 8)],
        platform=serving,
        products=[ProductUse(name="the model's EPC over 500M requests",
                             epc=asc_e(training).asc_e * 1.5, requests=5e8)],
        retraining=RetrainingUse(carbon=Q_(30, "kgCO2e"), requests=2e7),
    )
    return {"inference request": request, "training run": training}


def breakdown_rows(b: Breakdown) -> list[tuple[str, str]]:
    """Rows (part, value) of a breakdown in readable units, ending with the views."""
    rows = []
    for p in PARTS:
        rows.append((p, f"{b.parts()[p].to_compact():.4g~P}"))
    for view in ("jsc", "asc", "jsc_e", "asc_e"):
        rows.append((view.upper().replace("_E", "^e"), f"{getattr(b, view).to_compact():.4g~P}"))
    return rows
