"""Whole processes: run a command, measure it, checkpoint to the journal, return the window.

``run_command(argv, journal_path=..., checkpoint_interval=...)`` opens a window, starts the
command, writes the open window's energy to the journal every ``checkpoint_interval``
seconds and, when the command exits, the closed window. If this process is killed, the job is
found on the next start by :func:`recover` as ``incomplete`` with the energy up to its last
checkpoint: a crash costs at most one interval (MEASUREMENT.md, recipe 6).
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from carbon import InvalidValueError
from measure._journal import Journal
from measure._measurement import Measurement
from measure._monitor import Attribution, Monitor

__all__ = ["recover", "run_command"]


def run_command(argv: Sequence[str], *, journal_path: str | Path,
                checkpoint_interval: float = 60.0, name: str | None = None,
                monitor: Monitor | None = None, env: Mapping[str, str] | None = None,
                cwd: str | Path | None = None,
                on_checkpoint: Callable[[Measurement], None] | None = None,
                attribution: Attribution = "process") -> Measurement:
    """Run ``argv``, measured, journalled; return its :class:`Measurement`.

    ``checkpoint_interval`` [s] between journal checkpoints; ``monitor`` defaults to
    ``Monitor.auto(attribution=attribution)`` (closed afterwards). With process attribution
    (the default, and whenever the given monitor has it) the CPU and memory estimates of the
    window count the command's process tree only (the command and its descendants, every
    thread), not this process: the command is read once more when it exits, before it is
    reaped, so its last CPU ticks are counted too. The command's exit code is in
    ``measurement.meta["exit_code"]`` (negative: killed by that signal); an interrupt
    (Ctrl-C) is passed on to the command, the window is still closed and journalled, and
    ``KeyboardInterrupt`` is raised again.

    >>> import sys, tempfile, os
    >>> m = run_command([sys.executable, "-c", "pass"], checkpoint_interval=1.0,
    ...                 journal_path=os.path.join(tempfile.mkdtemp(), "j.jsonl"),
    ...                 monitor=Monitor(gpus=None, cpu="estimate", memory=None))
    >>> m.meta["exit_code"], m.devices[0].provenance
    (0, 'estimated')
    """
    args = [str(a) for a in argv]
    if not args:
        raise InvalidValueError("argv", argv, "a command to run (a non-empty list)")
    if not checkpoint_interval > 0:
        raise InvalidValueError("checkpoint_interval", checkpoint_interval, "a period > 0 [s]")
    own = monitor is None
    mon = monitor if monitor is not None else Monitor.auto(attribution=attribution)
    journal = Journal(journal_path)
    job_id = uuid.uuid4().hex
    label = name or " ".join(args)[:120]
    meta: dict[str, Any] = {"job_id": job_id, "argv": args, "host": socket.gethostname(),
                            "monitor_pid": os.getpid()}
    key = f"{label}#run-{job_id}"
    try:
        mon._begin(key, label)
        journal.begin(job_id, label, devices=mon.devices, start=mon.clock.utc_now(), meta=meta)
        try:
            proc = subprocess.Popen(args, env=None if env is None else dict(env), cwd=cwd)
        except OSError:
            mon._read(key, close=True)
            journal.append({"type": "recovered", "job": job_id, "error": "did not start"})
            raise
        mon._set_scope(key, [proc.pid])
        meta["pid"] = proc.pid
        interrupted = False
        waiter = _ExitWaiter(proc)
        try:
            while True:
                try:
                    if waiter.wait(checkpoint_interval):
                        break
                    partial = mon._read(key, close=False).with_(
                        meta={**meta, "checkpoint": True})
                    journal.checkpoint(job_id, partial)
                    if on_checkpoint is not None:
                        on_checkpoint(partial)
                except KeyboardInterrupt:
                    interrupted = True
                    proc.send_signal(signal.SIGINT)
                    waiter.wait(None)
                    break
            m = mon._read(key, close=True)  # the command has exited and is not reaped yet
        finally:
            waiter.close()
        rc = proc.wait()
        notes = list(m.notes)
        if rc != 0:
            notes.append(f"the command exited with code {rc}")
        m = m.with_(notes=tuple(notes), meta={**meta, "exit_code": rc,
                                              "interrupted": interrupted})
        journal.end(job_id, m)
    finally:
        if own:
            mon.close()
    if interrupted:
        raise KeyboardInterrupt
    return m


class _ExitWaiter:
    """Waits for a child to exit *without reaping it*, so that its final CPU time can still be
    read from ``/proc/<pid>/stat`` (a zombie keeps its counters until it is reaped).

    Uses a pidfd where the kernel has one (Linux >= 5.3), else polls ``waitid(WNOWAIT)``
    every 20 ms.
    """

    def __init__(self, proc: subprocess.Popen[Any]) -> None:
        self.pid = proc.pid
        self._proc = proc
        self._fd: int | None = None
        try:
            self._fd = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):
            self._fd = None

    def _exited(self) -> bool:
        if not hasattr(os, "waitid"):  # not Linux: reap at once (the last ticks may be lost)
            return self._proc.poll() is not None
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG)
        except ChildProcessError:
            return True  # already reaped elsewhere
        return info is not None

    def wait(self, timeout: float | None) -> bool:
        """True once the child has exited (within ``timeout`` [s]; None: no limit)."""
        if self._fd is not None:
            ready, _, _ = select.select([self._fd], [], [], timeout)
            return bool(ready) or self._exited()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._exited():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def recover(journal_path: str | Path) -> list[Measurement]:
    """Jobs a crash left open in the journal, as ``incomplete`` measurements (once each)."""
    return Journal(journal_path).recover()
