"""Job records attached to products: a reported carbon figure, and a job as the graph holds it.

``ReportedCarbon`` is a carbon amount given by a person or a paper, attached to a product like a
``carbon.Job``; ``JobEntry`` is either of them once attached (its phase, ASC^e, provenance).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import Field

from carbon import Carbon, Job, Provenance, Record, Uncertainty, asc_e, quantity

__all__ = ["JobEntry", "ReportedCarbon"]


class ReportedCarbon(Record):
    """A carbon figure with its provenance and source, standing in for a job record.

    Use it where only a total is known (a paper's reported training emissions). ``carbon``
    is the job's whole ASC^e-boundary figure [gCO2e]; ``uncertainty`` an absolute +- on it
    (optional: left out, it is unknown, never zero, and so is every EPC that carries it).

    >>> r = ReportedCarbon(carbon="1438 lb * 453.59237 gCO2e/lb", provenance="reported",
    ...                    source="Strubell et al. 2019, Table 3")
    >>> round(r.carbon.to("kgCO2e").m, 1)
    652.3
    """

    carbon: Carbon
    provenance: Provenance = Provenance.REPORTED
    source: str = Field(min_length=1)
    name: str | None = None
    uncertainty: Carbon | None = None
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    meta: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class JobEntry:
    """A job attached to a product: its phase, its ASC^e [gCO2e], how it was obtained.

    >>> e = JobEntry("j1", "bert", "training", 5.0, "reported", "paper", None)
    >>> e.carbon, e.record.source
    (<Quantity(5.0, 'gram_CO2e')>, 'paper')
    """

    id: str
    product: str
    phase: str
    carbon_g: float
    provenance: str
    source: str | None
    stored: Any  # carbon.Job or lineage.ReportedCarbon; None for a bulk reported figure
    #: What the job's ASC^e leaves out (a lower bound when not empty), one reason each.
    unknown: tuple[str, ...] = ()

    @property
    def record(self) -> Any:
        """The job record (a bulk reported figure is rebuilt as a ``ReportedCarbon``)."""
        if self.stored is not None:
            return self.stored
        return ReportedCarbon(carbon=quantity(self.carbon_g, "gCO2e"),
                              provenance=self.provenance, source=self.source, id=self.id)

    @property
    def carbon(self) -> Any:
        """ASC^e of the job [gCO2e quantity]."""
        return quantity(self.carbon_g, "gCO2e")

    @property
    def uncertainty(self) -> Uncertainty:
        """The +- on ``carbon_g`` [gCO2e]: a ``carbon.Job``'s ``asc_e(job).uncertainty_of()``
        (root-sum-square of its inputs), a ``ReportedCarbon``'s stated ``uncertainty``;
        unknown, with the reason, where none is stated.

        >>> JobEntry("j1", "bert", "training", 5.0, "reported", "paper", None).uncertainty.g
        >>> r = ReportedCarbon(carbon="5 gCO2e", uncertainty="1 gCO2e", source="paper")
        >>> JobEntry("j1", "bert", "training", 5.0, "reported", "paper", r).uncertainty.g
        1.0
        """
        rec = self.stored
        if isinstance(rec, Job):
            return asc_e(rec).uncertainty_of("asc_e")
        if isinstance(rec, ReportedCarbon) and rec.uncertainty is not None:
            return Uncertainty.known(float(rec.uncertainty.magnitude))
        return Uncertainty.missing(f"job {self.id} of {self.product} ({self.provenance}): "
                                   "no stated uncertainty")
