"""ProcessTree on fake /proc trees: every tick counted once, through exits, reaps and orphans."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from measure import ProcessTree
from measure._errors import MeasureError
from measure._process import parse_stat, read_pid_stat
from tests.measure.fakeproc import FakeProc

ROOT = 100  # the followed root of the fake trees


def _tree(fp: FakeProc, *, include_self: bool = False, scan_s: float | None = 0.0
          ) -> ProcessTree:
    tree = ProcessTree(fp.root, include_self=include_self, scan_s=scan_s, self_pid=ROOT)
    if not include_self:
        tree.add_root(ROOT)
    return tree


def test_children_found_and_summed(tmp_path: Path) -> None:
    fp = FakeProc(tmp_path)
    fp.spawn(1, 0)
    fp.spawn(ROOT, 1, rss_pages=10)
    fp.spawn(7, 1)  # not ours
    tree = _tree(fp)
    assert tree.read().ticks == {ROOT: 0}
    fp.burn(ROOT, 5, 1)
    fp.spawn(101, ROOT, rss_pages=3)
    fp.spawn(102, 101, rss_pages=2)
    fp.burn(101, 30)
    fp.burn(102, 20, 4)
    fp.burn(7, 500)
    r = tree.read()
    assert r.ticks == {ROOT: 6 + 30 + 24}
    assert r.rss_bytes == {ROOT: 15 * os.sysconf("SC_PAGE_SIZE")}
    assert set(r.live[ROOT]) == {ROOT, 101, 102} and 7 not in r.seen[ROOT]


def test_reaped_child_is_not_counted_twice(tmp_path: Path) -> None:
    fp = FakeProc(tmp_path)
    fp.spawn(ROOT, 1)
    tree = _tree(fp)
    tree.read()
    fp.spawn(101, ROOT)
    fp.burn(101, 40)
    assert tree.read().ticks[ROOT] == 40
    fp.burn(101, 10)  # ticks after the last reading: the parent's cutime brings them in
    fp.exit(101)
    fp.reap(101)
    assert tree.read().ticks[ROOT] == 50


def test_child_born_and_reaped_between_readings_is_counted(tmp_path: Path) -> None:
    fp = FakeProc(tmp_path)
    fp.spawn(ROOT, 1)
    tree = _tree(fp)
    tree.read()
    fp.spawn(101, ROOT)
    fp.burn(101, 25)
    fp.exit(101)
    fp.reap(101)
    assert tree.read().ticks[ROOT] == 25


def test_orphan_reaped_by_init_keeps_its_last_reading(tmp_path: Path) -> None:
    fp = FakeProc(tmp_path)
    fp.spawn(1, 0)
    fp.spawn(ROOT, 1)
    tree = _tree(fp)
    fp.spawn(101, ROOT)
    fp.spawn(102, 101)
    fp.burn(102, 30)
    assert tree.read().ticks[ROOT] == 30
    fp.exit(101)
    fp.reap(101)  # 102 is now init's
    fp.burn(102, 5)
    assert tree.read().ticks[ROOT] == 35  # still followed: it was ours
    fp.exit(102)
    fp.reap(102)  # by init: its ticks stay counted, none lost since the last reading
    assert tree.read().ticks[ROOT] == 35


def test_root_reaped_outside_the_tree_is_retired(tmp_path: Path) -> None:
    fp = FakeProc(tmp_path)
    fp.spawn(1, 0)
    fp.spawn(50, 1)  # the monitoring process, not followed
    fp.spawn(ROOT, 50)
    tree = _tree(fp)
    fp.burn(ROOT, 12)
    fp.exit(ROOT)
    assert tree.read().ticks[ROOT] == 12  # zombie: still readable
    fp.reap(ROOT)
    r = tree.read()
    assert r.ticks[ROOT] == 12 and r.live[ROOT] == ()


def test_group_reaped_by_another_followed_group(tmp_path: Path) -> None:
    """A command (own group) reaped by this process (followed too): each tick once."""
    fp = FakeProc(tmp_path)
    fp.spawn(1, 0)
    fp.spawn(ROOT, 1)
    tree = _tree(fp, include_self=True)
    fp.spawn(200, ROOT)
    tree.add_root(200)
    fp.burn(200, 40)
    fp.burn(ROOT, 3)
    assert tree.read().ticks == {ROOT: 3, 200: 40}
    fp.burn(200, 2)
    fp.exit(200)
    fp.reap(200)
    r = tree.read()
    assert r.ticks[200] == 40  # its last reading; the 2 ticks after it land in ROOT's cutime
    assert sum(r.ticks.values()) == 45


def test_add_root_moves_a_member_found_by_a_scan(tmp_path: Path) -> None:
    fp = FakeProc(tmp_path)
    fp.spawn(ROOT, 1)
    tree = _tree(fp, include_self=True)
    fp.spawn(200, ROOT)
    fp.spawn(201, 200)
    fp.burn(201, 9)
    assert tree.read().ticks == {ROOT: 9}
    tree.add_root(200)
    fp.burn(200, 1)
    assert tree.read().ticks == {ROOT: 0, 200: 10}


def test_reused_pid_is_a_new_process(tmp_path: Path) -> None:
    fp = FakeProc(tmp_path)
    fp.spawn(1, 0)
    fp.spawn(ROOT, 1)
    tree = _tree(fp)
    fp.spawn(101, ROOT)
    fp.burn(101, 10)
    tree.read()
    fp.exit(101)
    fp.reap(101)
    fp.spawn(101, 1)  # same pid, someone else's process
    fp.burn(101, 70)
    r = tree.read()
    assert r.ticks[ROOT] == 10 and 101 not in r.live[ROOT]


def test_without_scans_only_known_members_are_read(tmp_path: Path) -> None:
    fp = FakeProc(tmp_path)
    fp.spawn(ROOT, 1)
    tree = _tree(fp, scan_s=None)
    fp.spawn(101, ROOT)
    fp.burn(101, 10)
    assert tree.read().ticks[ROOT] == 0
    assert tree.read(scan=True).ticks[ROOT] == 10


def test_unseen_root_and_bad_input(tmp_path: Path) -> None:
    fp = FakeProc(tmp_path)
    tree = _tree(fp)
    assert tree.read().unseen == frozenset({ROOT})
    assert read_pid_stat(tmp_path, 12345) is None
    with pytest.raises(MeasureError, match="stat"):
        parse_stat("1 (x) R 0 1")
    with pytest.raises(MeasureError, match="proc_root"):
        ProcessTree(tmp_path / "missing", include_self=False, scan_s=0).read()
    with pytest.raises(MeasureError):
        ProcessTree(tmp_path, scan_s=-1.0)


def test_real_self_reading() -> None:
    tree = ProcessTree()
    a = tree.read().ticks[os.getpid()]
    t = os.times()
    b = tree.read().ticks[os.getpid()]
    hz = os.sysconf("SC_CLK_TCK")
    assert a <= b
    own = (t.user + t.system + t.children_user + t.children_system) * hz
    # os.times() ran after the first reading and before the second: the tree counts at least
    # what it says (2 ticks of rounding slack). It may count more (the ticks of followed
    # children that another process reaped, which os.times never sees; seen in the full
    # suite), and a busy machine stretches the gaps: a bound, never a distance.
    assert own <= b + 2


# --- property: against a naive oracle --------------------------------------------------------
_EVENTS = st.lists(st.tuples(st.sampled_from(["spawn", "burn", "exit", "reap", "read"]),
                             st.integers(0, 50), st.integers(1, 20)), max_size=40)


@settings(max_examples=40, deadline=None)
@given(_EVENTS)
@example([("spawn", 0, 1), ("burn", 1, 5), ("exit", 1, 1), ("reap", 0, 1)])  # reaped by parent
@example([("spawn", 0, 1), ("spawn", 1, 1), ("burn", 2, 6), ("exit", 1, 1), ("reap", 0, 1),
          ("exit", 1, 1), ("reap", 0, 1)])  # an orphan reaped by init
def test_every_tick_counted_once(events: list[tuple[str, int, int]]) -> None:
    """Random spawns, burns, exits and reaps (by the parent, or by init for orphans), with a
    reading after each exit: the tree's count equals every tick its processes ever used."""
    with tempfile.TemporaryDirectory() as d:
        fp = FakeProc(Path(d))
        fp.spawn(1, 0)
        fp.spawn(ROOT, 1)
        tree = _tree(fp)
        ours = {ROOT}
        used = 0
        next_pid = 101
        tree.read()
        for kind, pick, n in events:
            alive = sorted(p for p in ours if p in fp.procs and fp.procs[p].state != "Z")
            zombies = sorted(p for p in ours if p in fp.procs and fp.procs[p].state == "Z")
            if kind == "spawn" and alive:
                fp.spawn(next_pid, alive[pick % len(alive)])
                ours.add(next_pid)
                next_pid += 1
            elif kind == "burn" and alive:
                fp.burn(alive[pick % len(alive)], n, n // 3)
                used += n + n // 3
            elif kind == "exit" and alive and alive[pick % len(alive)] != ROOT:
                tree.read()  # the kernel has the final ticks; a reading sees the zombie
                fp.exit(alive[pick % len(alive)])
                tree.read()
            elif kind == "reap" and zombies:
                z = zombies[pick % len(zombies)]
                parent = fp.procs[z].ppid
                if parent == 1 or (parent in fp.procs and fp.procs[parent].state != "Z"):
                    fp.reap(z)
            elif kind == "read":
                tree.read()
        assert tree.read().ticks[ROOT] == used


def test_moving_a_child_to_its_own_group_keeps_an_all_window_exact(tmp_path: Path) -> None:
    from measure import Monitor

    fp = FakeProc(tmp_path / "proc")
    fp.spawn(1, 0)
    fp.spawn(os.getpid(), 1)
    mon = Monitor(gpus=None, cpu="estimate", memory=None, proc_root=fp.root, interval=None,
                  rapl_root=tmp_path / "none")
    assert mon.process_tree is not None
    mon.process_tree.scan_s = 0.0
    fp.spawn(500, os.getpid())
    fp.burn(500, 30)
    mon.begin_window("all")  # the child is counted in this process's group
    fp.burn(500, 20)
    mon.add_own_pid(500)  # now its own group, with its 50 ticks
    fp.burn(os.getpid(), 7)
    d = mon.end_window("all").device("cpu")
    assert d.details["cpu_ticks"] == 27
