"""A fake /proc tree under a temporary directory: processes whose CPU ticks tests control.

Each process is written as ``<root>/<pid>/stat`` in the kernel's format; the host files
(``stat``, ``meminfo``, ``cpuinfo``) are written once. Exiting and reaping follow the kernel:
an exited process is a zombie (readable, rss 0) until its parent reaps it, which adds the
child's ``utime + stime + cutime + cstime`` to the parent's ``cutime + cstime``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path


@dataclass
class FakeProcess:
    pid: int
    ppid: int
    start: int
    utime: int = 0
    stime: int = 0
    cutime: int = 0
    cstime: int = 0
    rss_pages: int = 0
    state: str = "S"

    @property
    def total(self) -> int:
        return self.utime + self.stime + self.cutime + self.cstime


class FakeProc:
    """A fake proc root; ``n_cpu`` logical CPUs, an AMD EPYC 7763 (2.1875 W per thread)."""

    def __init__(self, root: Path, *, n_cpu: int = 2, mem_used_kb: int = 4_000_000) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        cpus = "".join(f"cpu{i} 0 0 0 0 0 0 0 0 0 0\n" for i in range(n_cpu))
        (root / "stat").write_text(f"cpu  100 0 0 100 0 0 0 0 0 0\n{cpus}")
        (root / "meminfo").write_text(f"MemTotal:       16000000 kB\nMemFree: 1 kB\n"
                                      f"MemAvailable:   {16_000_000 - mem_used_kb} kB\n")
        (root / "cpuinfo").write_text("processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core "
                                      "Processor\n")
        self.procs: dict[int, FakeProcess] = {}
        self._start = 1000

    def _write(self, p: FakeProcess) -> None:
        d = self.root / str(p.pid)
        d.mkdir(exist_ok=True)
        (d / "stat").write_text(
            f"{p.pid} (fake (x) proc) {p.state} {p.ppid} {p.pid} {p.pid} 0 -1 0 0 0 0 0 "
            f"{p.utime} {p.stime} {p.cutime} {p.cstime} 20 0 1 0 {p.start} 0 {p.rss_pages} "
            "0 0 0\n")

    def spawn(self, pid: int, ppid: int, *, rss_pages: int = 0) -> FakeProcess:
        self._start += 1
        p = FakeProcess(pid, ppid, self._start, rss_pages=rss_pages)
        self.procs[pid] = p
        self._write(p)
        return p

    def burn(self, pid: int, user: int, system: int = 0) -> None:
        p = self.procs[pid]
        p.utime += user
        p.stime += system
        self._write(p)

    def set_rss(self, pid: int, pages: int) -> None:
        self.procs[pid].rss_pages = pages
        self._write(self.procs[pid])

    def exit(self, pid: int) -> None:
        """The process ends: a zombie until reaped; its children go to init (pid 1)."""
        p = self.procs[pid]
        p.state, p.rss_pages = "Z", 0
        self._write(p)
        for c in self.procs.values():
            if c.ppid == pid:
                c.ppid = 1
                self._write(c)

    def reap(self, pid: int) -> None:
        """The parent collects the zombie: its ticks move to the parent's cutime/cstime."""
        p = self.procs.pop(pid)
        parent = self.procs.get(p.ppid)
        if parent is not None:
            parent.cutime += p.utime + p.cutime
            parent.cstime += p.stime + p.cstime
            self._write(parent)
        shutil.rmtree(self.root / str(pid))
