"""A carbon amount given by a person or a paper, attached to a product like a job."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from carbon import Carbon, Provenance, Record

__all__ = ["ReportedCarbon"]


class ReportedCarbon(Record):
    """A carbon figure with its provenance and source, standing in for a job record.

    Use it where only a total is known (a paper's reported training emissions). ``carbon``
    is the job's whole ASC^e-boundary figure [gCO2e]; ``uncertainty`` an absolute +- on it.

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
