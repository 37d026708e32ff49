"""Process trees: the CPU time and resident memory of the processes a window is charged for.

A :class:`ProcessTree` follows *roots* (this process by default, and any pid added with
:meth:`ProcessTree.add_root`, such as the command ``run_command`` starts) and their descendant
processes, from ``<proc_root>/<pid>/stat``. Each root and its descendants form a *group*
(keyed by the root's pid); a reading gives, per group, the CPU time counted so far [clock
ticks] and the resident memory now [bytes].

CPU time of a process = ``utime + stime`` (every thread of it, live or ended) ``+ cutime +
cstime`` (children it has reaped, with their own reaped children): summed over the live
members of a group, every tick of the group's processes is counted once, including those of
short-lived processes born and reaped between two readings. A member that leaves (exits and
is reaped) hands its ticks to its parent's ``cutime``; when the parent is not followed (an
orphan reaped by init, or a root reaped by this process when this process is not followed),
the member's last reading is kept as *retired* ticks, so a group's count never drops. Ticks
between a member's last reading and its exit are then lost (``run_command`` reads the
command once more at exit, before reaping it, so none are lost there).

New descendants are found by scanning ``<proc_root>`` (every ``<pid>/stat``, ~15 us each),
at most every ``scan_s`` seconds; in between only the known members are read. A child process
born less than ``scan_s`` before a reading and still alive is first counted at a later
reading (its ticks go to the windows open then).

Resident memory of a group: the sum of ``rss`` (= ``VmRSS``) of its live members; pages
shared between members (libraries, copy-on-write after fork) count once per process, so this
is an upper bound of the group's own memory.

>>> import os
>>> tree = ProcessTree()
>>> r = tree.read()
>>> r.ticks[os.getpid()] >= 0 and r.rss_bytes[os.getpid()] > 0
True
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from measure._errors import MeasureError

__all__ = ["ProcStat", "ProcessTree", "TreeReading", "read_pid_stat"]


@dataclass(frozen=True, slots=True)
class ProcStat:
    """The fields of ``/proc/<pid>/stat`` a tree needs (times in clock ticks)."""

    pid: int
    ppid: int
    start: int
    own_ticks: int
    reaped_ticks: int
    rss_pages: int

    @property
    def ticks(self) -> int:
        """Every tick this process and the children it reaped have used."""
        return self.own_ticks + self.reaped_ticks


def parse_stat(text: str) -> ProcStat:
    """Parse one ``/proc/<pid>/stat`` line (the command name may hold spaces and ')').

    >>> s = parse_stat("42 (a (b) c) R 7 42 42 0 -1 0 0 0 0 0 150 30 12 3 20 0 1 0 999 0 25")
    >>> s.pid, s.ppid, s.own_ticks, s.reaped_ticks, s.start, s.rss_pages
    (42, 7, 180, 15, 999, 25)
    """
    head, _, tail = text.rpartition(")")
    fields = tail.split()
    try:
        return ProcStat(pid=int(head.split("(", 1)[0]), ppid=int(fields[1]),
                        start=int(fields[19]), own_ticks=int(fields[11]) + int(fields[12]),
                        reaped_ticks=int(fields[13]) + int(fields[14]),
                        rss_pages=int(fields[21]))
    except (IndexError, ValueError) as e:
        raise MeasureError("proc_pid_stat", text[:80], "a /proc/<pid>/stat line "
                           "(pid (comm) state ppid ... with at least 24 fields)") from e


def read_pid_stat(proc_root: str | Path, pid: int) -> ProcStat | None:
    """``<proc_root>/<pid>/stat`` parsed; None when the process is gone (or not readable)."""
    # os.open/os.read: a quarter of the cost of a buffered text file for this one short read
    try:
        fd = os.open(f"{proc_root}/{pid}/stat", os.O_RDONLY)
    except OSError:
        return None
    try:
        raw = os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)
    return parse_stat(raw.decode("utf-8", errors="replace"))


@dataclass(frozen=True)
class TreeReading:
    """One reading of a :class:`ProcessTree`, per group (root pid).

    ``ticks``: CPU clock ticks counted since the tree began following the group;
    ``rss_bytes``: resident memory of the live members now; ``live``: their pids;
    ``seen``: every pid counted in the group so far (the first 50); ``unseen``: roots never
    found under the proc root (their groups are unknown, not zero).
    """

    ticks: dict[int, int]
    rss_bytes: dict[int, int]
    live: dict[int, tuple[int, ...]]
    seen: dict[int, tuple[int, ...]]
    unseen: frozenset[int]


class ProcessTree:
    """The processes a window is charged for: roots and their descendants (see module doc).

    ``include_self``: follow this process (every thread; its children too). ``scan_s`` [s]:
    shortest time between two scans of ``proc_root`` for new descendants (0: at every
    reading; None: never, only roots and the members already known). ``self_pid``: the pid
    taken as this process (tests with a fake proc tree).
    """

    #: pids remembered per group for the notes
    SEEN_MAX = 50

    def __init__(self, proc_root: str | Path = "/proc", *, include_self: bool = True,
                 scan_s: float | None = 1.0, self_pid: int | None = None) -> None:
        if scan_s is not None and not scan_s >= 0:
            raise MeasureError("scan_s", scan_s, "a period >= 0 [s] or None")
        self.proc_root = str(proc_root)
        self.scan_s = scan_s
        self.self_pid = self_pid if self_pid is not None else os.getpid()
        self.clock_ticks_per_s = int(os.sysconf("SC_CLK_TCK"))
        self.page_bytes = int(os.sysconf("SC_PAGE_SIZE"))
        self._lock = threading.Lock()
        self._roots: dict[int, int | None] = {}  # root pid -> its start time once seen
        self._members: dict[int, tuple[int, ProcStat]] = {}  # pid -> (group, last reading)
        self._retired: dict[int, int] = {}
        self._seen: dict[int, list[int]] = {}
        self._last_scan = -math.inf
        if include_self:
            self.add_root(self.self_pid)

    @property
    def roots(self) -> tuple[int, ...]:
        """The pids followed as roots (this process first, if followed)."""
        return tuple(self._roots)

    def add_root(self, pid: int) -> None:
        """Follow ``pid`` and its descendants as a group of their own.

        A process already counted in another group (a child of this process found by a scan)
        moves with its descendants and the ticks counted so far into the new group.
        """
        with self._lock:
            if pid in self._roots:
                return
            self._roots[pid] = None
            self._retired.setdefault(pid, 0)
            self._seen.setdefault(pid, [])
            if pid in self._members:
                old = self._members[pid][0]
                moved = {pid}
                for q, (g, s) in self._members.items():  # members are stored parents first
                    if g == old and s.ppid in moved:
                        moved.add(q)
                for q in moved:
                    self._members[q] = (pid, self._members[q][1])
                    self._note(pid, q)
                self._roots[pid] = self._members[pid][1].start

    def _note(self, group: int, pid: int) -> None:
        seen = self._seen.setdefault(group, [])
        if pid not in seen and len(seen) < self.SEEN_MAX:
            seen.append(pid)

    def _scan(self) -> dict[int, ProcStat]:
        """Every process under the proc root that descends from a root or a known member."""
        stats: dict[int, ProcStat] = {}
        children: dict[int, list[int]] = {}
        try:
            names = os.listdir(self.proc_root)
        except OSError as e:
            raise MeasureError("proc_root", self.proc_root, "a readable proc directory") from e
        for name in names:
            if name.isdigit():
                s = read_pid_stat(self.proc_root, int(name))
                if s is not None:
                    stats[s.pid] = s
                    children.setdefault(s.ppid, []).append(s.pid)
        out: dict[int, ProcStat] = {}
        stack = [p for p in (*self._members, *self._roots) if p in stats][::-1]
        while stack:
            p = stack.pop()
            if p in out:
                continue
            out[p] = stats[p]
            stack.extend(reversed(children.get(p, [])))
        return out

    def read(self, *, scan: bool | None = None) -> TreeReading:
        """Read every member (and scan for new descendants when due, or when ``scan``)."""
        with self._lock:
            due = self.scan_s is not None and time.monotonic() - self._last_scan >= self.scan_s
            if scan if scan is not None else due:
                stats = self._scan()
                self._last_scan = time.monotonic()
            else:
                stats = {}
                for p in (*self._members, *self._roots):
                    if p not in stats:
                        s = read_pid_stat(self.proc_root, p)
                        if s is not None:
                            stats[p] = s
            return self._update(stats)

    def _update(self, stats: dict[int, ProcStat]) -> TreeReading:
        old = self._members
        new: dict[int, tuple[int, ProcStat]] = {}
        for pid, s in stats.items():  # parents come before their children
            if pid in old and old[pid][1].start == s.start:
                group = old[pid][0]
            elif pid in self._roots and self._roots[pid] in (None, s.start):
                group = pid
                self._roots[pid] = s.start
            elif s.ppid in new and pid not in self._roots:
                group = new[s.ppid][0]
            else:
                continue
            new[pid] = (group, s)
            self._note(group, pid)
        # members that left: their last ticks stay in their group; a followed parent that
        # reaped them has them in its cutime now, so that much is taken off the parent's group
        rise: dict[int, int] = {}
        for pid, (group, s) in old.items():
            if pid in new and new[pid][1].start == s.start:
                continue
            self._retired[group] = self._retired.get(group, 0) + s.ticks
            parent = new.get(s.ppid)
            if parent is not None and s.ppid in old:
                if s.ppid not in rise:
                    rise[s.ppid] = max(parent[1].reaped_ticks - old[s.ppid][1].reaped_ticks, 0)
                absorbed = min(s.ticks, rise[s.ppid])
                rise[s.ppid] -= absorbed
                self._retired[parent[0]] = self._retired.get(parent[0], 0) - absorbed
        self._members = new
        groups = list(self._roots)
        ticks = {g: self._retired.get(g, 0) for g in groups}
        rss = dict.fromkeys(groups, 0)
        live: dict[int, list[int]] = {g: [] for g in groups}
        for pid, (group, s) in new.items():
            ticks[group] += s.ticks
            rss[group] += s.rss_pages * self.page_bytes
            live[group].append(pid)
        return TreeReading(
            ticks=ticks, rss_bytes=rss, live={g: tuple(v) for g, v in live.items()},
            seen={g: tuple(self._seen.get(g, [])) for g in groups},
            unseen=frozenset(g for g, start in self._roots.items() if start is None))

    def describe(self, groups: tuple[int, ...] | None = None) -> str:
        """Which processes are counted, in words (for the notes of a record)."""
        parts = []
        for g in groups if groups is not None else self.roots:
            seen = [p for p in self._seen.get(g, []) if p != g]
            more = f" and descendants {seen}" if seen else " and its descendants"
            if g == self.self_pid:
                parts.append(f"this process (pid {g}, every thread, with the child processes "
                             f"it reaped){more}")
            else:
                parts.append(f"pid {g} (every thread, with the child processes it reaped)"
                             f"{more}")
        return "; ".join(parts) or "no process"
