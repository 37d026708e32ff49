"""Read what a datasheet needs from a ledger: the graph and the measured inference requests.

A measured inference batch is a ledger job that is not attached to a product, with
``meta = {"role": "inference", "model": <model id>, "requests": <count>}``; one request of
it is the batch divided by the count (``request_from_batch``). When a model
has several, the latest (by end time, then by order in the ledger) is used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assess.datasheet._portfolio import request_from_batch
from carbon import DataError, Job, ModelCarbonError

__all__ = ["INFERENCE_ROLE", "inference_meta", "inference_requests", "open_ledger"]

#: ``Job.meta["role"]`` of a measured inference batch.
INFERENCE_ROLE = "inference"


def inference_meta(model: str, requests: int) -> dict[str, Any]:
    """The ``meta`` that marks a job as ``requests`` inference requests of ``model``."""
    return {"role": INFERENCE_ROLE, "model": model, "requests": int(requests)}


def open_ledger(location: str) -> tuple[Any, Any]:
    """Open a ledger (SQLite path or SQLAlchemy URL) and load its graph: ``(ledger, graph)``.

    A path that does not exist is an error (a ledger is never created by reading it).
    """
    is_url = "://" in location
    if not is_url and not Path(location).is_file():
        raise DataError("ledger", location, "an existing ledger file (SQLite) or a database "
                        "URL such as postgresql://...; `modelcarbon demo` writes one to "
                        "out/ledger.sqlite")
    from lineage import Ledger

    try:
        ledger = Ledger(location, readonly=True)
        graph = ledger.load()
    except ModelCarbonError:
        raise
    except Exception as e:  # a vendor error (SQLAlchemy, sqlite3): one clear line
        raise DataError("ledger", location, f"a readable modelcarbon ledger ({type(e).__name__}:"
                        f" {str(e).splitlines()[0] if str(e) else 'unreadable'})") from e
    return ledger, graph


def _record(item: Any) -> Any:
    return getattr(item, "record", item)


def inference_requests(jobs: Any) -> dict[str, Job]:
    """One request per model from the ledger's measured inference batches."""
    latest: dict[str, tuple[tuple[Any, int], Job]] = {}
    for order, item in enumerate(jobs):
        rec = _record(item)
        if not isinstance(rec, Job) or rec.meta.get("role") != INFERENCE_ROLE:
            continue
        model = rec.meta.get("model")
        n = rec.meta.get("requests")
        if not isinstance(model, str) or not isinstance(n, (int, float)) or n <= 0:
            raise DataError(f"job {rec.id}.meta", rec.meta,
                            "an inference job's meta with 'model' (id) and 'requests' (> 0)")
        key = (rec.end.timestamp() if rec.end is not None else float("-inf"), order)
        if model not in latest or key >= latest[model][0]:
            latest[model] = (key, request_from_batch(rec, float(n)))
    return {m: job for m, (_, job) in latest.items()}
