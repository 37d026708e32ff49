"""The ledger-to-table join: the models table of request accounting, read from the lineage.

Each model's EPC (every product's, in one sparse solve of the graph) and lifetime go into
:func:`carbon.model_table`, once per model; the per-request arithmetic never touches the graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from carbon import Q_, DataError, UnknownKeyError, model_table
from lineage._graph import ProvenanceGraph
from lineage._ledger import Ledger

__all__ = ["model_table_from_ledger"]


def model_table_from_ledger(ledger: str | Ledger | ProvenanceGraph,
                            models: Iterable[str] | None = None, *,
                            parallel_jobs: Mapping[str, float] | float | None = None,
                            lifetime_requests: Mapping[str, float] | float | None = None
                            ) -> pd.DataFrame:
    """The models table with EPC and lifetime read from the lineage ledger, once per model.

    ``ledger`` is a ledger URL (SQLite path or SQLAlchemy URL), a :class:`lineage.Ledger` or a
    :class:`lineage.ProvenanceGraph`; ``models`` the product ids to include (default: every
    model). ``parallel_jobs`` or ``lifetime_requests`` choose how each EPC is shared among
    requests, as in :func:`carbon.model_table`. Beside the table's columns, ``epc_complete``
    (False: a job is missing upstream, the EPC is a lower bound) and ``epc_conserving`` (False:
    a ``full`` edge upstream, the EPC counts some carbon twice).

    >>> from lineage import ReportedCarbon
    >>> g = ProvenanceGraph()
    >>> g.add_model("m", name="M", lifetime="2 year")
    >>> _ = g.add_job("m", ReportedCarbon(carbon="1 tCO2e", source="example"), phase="training")
    >>> t = model_table_from_ledger(g, parallel_jobs=4)
    >>> t.loc["m", ["epc [gCO2e]", "parallel_jobs"]].tolist()
    [1000000.0, 4.0]
    """
    if isinstance(ledger, str):
        with Ledger(ledger, readonly=True) as book:
            graph = book.load()
    elif isinstance(ledger, Ledger):
        graph = ledger.load()
    else:
        graph = ledger
    frame = graph.epc_all()  # every product's EPC in one solve, not per row
    if models is None:
        ids = [str(m) for m in frame.index[frame["kind"].astype(str) == "model"]]
    else:
        ids = list(models)
        unknown = [m for m in ids if m not in frame.index]
        if unknown:
            raise UnknownKeyError("model", unknown[0] if len(unknown) == 1 else unknown,
                                  "a product id in the ledger")
    if not ids:
        raise DataError("ledger", "no models", "a ledger with at least one model")
    values = frame.loc[ids, "epc [gCO2e]"].to_numpy(dtype=float)
    epc = {m: Q_(float(v), "gCO2e") for m, v in zip(ids, values, strict=True)}
    lifetime = ({m: graph.product(m).get("lifetime") for m in ids}
                if lifetime_requests is None else None)
    table = model_table(epc, lifetime=lifetime, parallel_jobs=parallel_jobs,
                        lifetime_requests=lifetime_requests)
    # how far to trust each EPC: a lower bound (a job missing upstream), double counting
    table["epc_complete"] = frame.loc[ids, "complete"].to_numpy(dtype=bool)
    table["epc_conserving"] = frame.loc[ids, "conserving"].to_numpy(dtype=bool)
    return table
