"""Serving logs at fleet scale: attribution, then the request engine, then per-token figures.

:func:`account_serving` runs :func:`carbon.attribute_serving` (vectorised: every batch's energy
split across its requests, idle energy charged by window) and hands the per-request frame, in
the request-log schema, to :func:`assess.fleet.account_requests`: the same ASC^e arithmetic and
aggregates as any request log. The per-token figures (:func:`carbon.serving_per_token`) come
from the attributed frame and the engine's per-request ASC^e.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from assess.fleet._engine import account_requests
from carbon import (
    RequestReport,
    RequestTables,
    ServingAttribution,
    attribute_serving,
    serving_per_token,
)

__all__ = ["ServingReport", "account_serving"]


@dataclass(frozen=True)
class ServingReport:
    """What :func:`account_serving` returns: the attribution, the request report, and the
    per-token figures overall (``per_token``, one row ``all``), per model and per batch size."""

    attribution: ServingAttribution
    report: RequestReport
    per_token: pd.DataFrame
    by_model: pd.DataFrame
    by_batch_size: pd.DataFrame

    @property
    def idle(self) -> dict[str, float]:
        """Idle energy by status [J]: charged, unattributed, apart."""
        return {s: self.attribution.idle_energy(s) for s in ("charged", "unattributed", "apart")}


def account_serving(log: Any, tables: RequestTables, *,
                    idle: Literal["charge", "apart"] = "charge", idle_window: Any = "1 hour",
                    idle_split: Literal["energy", "requests"] = "energy",
                    prefill_share: float | None = None,
                    parameters: Mapping[str, float] | None = None,
                    gpus: Mapping[str, int] | None = None) -> ServingReport:
    """ASC^e and per-token figures of every request of a serving log.

    ``log``: anything :func:`carbon.read_serving_log` reads. The attribution options are
    :func:`carbon.attribute_serving`'s; ``tables`` as for :func:`account_requests` (devices
    with PUE and embodied carbon, models with EPC, the hourly grid).

    >>> from carbon import Facility, System, device_table, model_table
    >>> t = pd.Timestamp("2026-03-01T10:00Z")
    >>> req = pd.DataFrame({"request": ["r1"], "batch": ["b1"], "model": ["m"],
    ...     "device": ["gpu0"], "region": ["-"], "start": [t],
    ...     "first_token": [t + pd.Timedelta("1s")], "end": [t + pd.Timedelta("4s")],
    ...     "prompt_tokens": [100], "completion_tokens": [200]})
    >>> bat = pd.DataFrame({"kind": ["batch"], "batch": ["b1"], "device": ["gpu0"],
    ...     "start": [t], "end": [t + pd.Timedelta("4s")], "energy [J]": [360.0]})
    >>> dev = device_table({"gpu0": System(name="gpu0", embodied="0 gCO2e", lifetime="4 year",
    ...     facility=Facility(name="dc", pue=1.0, mix="100 gCO2e/kWh"))})
    >>> tables = RequestTables(dev, model_table({"m": "0 gCO2e"}, lifetime_requests={"m": 1e6}))
    >>> r = account_serving((req, bat), tables)
    >>> round(float(r.per_token["asc_e_per_1k_tokens [gCO2e]"].iloc[0]), 6)
    0.033333
    """
    attribution = attribute_serving(log, idle=idle, idle_window=idle_window,
                                    idle_split=idle_split, prefill_share=prefill_share,
                                    parameters=parameters, gpus=gpus)
    requests = attribution.requests
    report = account_requests(requests, tables)
    carbon = report.per_request
    return ServingReport(attribution, report, serving_per_token(requests, carbon),
                         serving_per_token(requests, carbon, by="model"),
                         serving_per_token(requests, carbon, by="batch_size"))
