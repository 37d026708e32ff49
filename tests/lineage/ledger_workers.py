"""Processes that write to a ledger (run by the multi-process and SIGKILL tests)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

from lineage import Ledger
from tests.lineage.conftest import make_job


def write_jobs(url: str, worker: int, n: int) -> None:
    """``n`` jobs, each its own transaction."""
    ledger = Ledger(url)
    for k in range(n):
        ledger.add_job(make_job(0.5 + k % 7, name=f"w{worker}", job_id=f"w{worker}-{k}"))
    ledger.close()


def killed_mid_transaction(url: str, marker: str, committed: int, pending: int) -> None:
    """Commit ``committed`` jobs, then hang inside a transaction of ``pending`` more."""
    ledger = Ledger(url)
    for k in range(committed):
        ledger.add_job(make_job(1.0, job_id=f"ok-{k}"))

    def hanging() -> Iterator[object]:
        for k in range(pending):
            yield make_job(2.0, job_id=f"lost-{k}")
        Path(marker).write_text("inside the transaction")
        time.sleep(600)

    ledger.add_jobs(hanging())


if __name__ == "__main__":  # pragma: no cover - used through subprocess
    if sys.argv[1] == "write":
        write_jobs(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        killed_mid_transaction(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
