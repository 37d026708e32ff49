"""CPU and memory estimates: the sourced tables, /proc parsing, the model, the labels."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from measure import ManualClock, Monitor, cpu_tdp_table, lookup_cpu, memory_power_per_gb
from measure._estimate import read_meminfo, read_proc_stat


@pytest.mark.parametrize(("name", "model", "tdp"), [
    ("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz", "Xeon Platinum 8380", 270.0),
    ("AMD EPYC 7543 32-Core Processor", "EPYC 7543", 225.0),
    ("13th Gen Intel(R) Core(TM) i9-13900K", "Core i9-13900K", 125.0),
    ("Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz", "Xeon Gold 6248R", 205.0),  # not 6248
    ("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "Xeon Gold 6248", 150.0),
])
def test_lookup(name: str, model: str, tdp: float) -> None:
    e = lookup_cpu(name)
    assert (e.model, e.tdp_w, e.generic) == (model, tdp, False)


def test_generic_fallback_is_flagged_and_sourced() -> None:
    e = lookup_cpu("Intel(R) Xeon(R) Processor")
    intel = [r.w_per_thread for r in cpu_tdp_table() if r.vendor == "Intel"]
    assert e.generic and "not in the table" in e.source
    assert min(intel) <= e.w_per_thread <= max(intel)
    assert e.w_per_thread_range == (min(intel), max(intel))


def test_every_row_is_sourced() -> None:
    assert all(r.source and r.tdp_w > 0 for r in cpu_tdp_table())
    w, src = memory_power_per_gb()
    assert w == pytest.approx(0.3725) and "10.1002/advs.202100707" in src


def _proc(root: Path, busy: int, idle: int, mem_used_kb: int) -> None:
    root.mkdir(exist_ok=True)
    (root / "stat").write_text(f"cpu  {busy} 0 0 {idle} 0 0 0 0 0 0\n"
                               "cpu0 0 0 0 0 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n")
    (root / "meminfo").write_text(f"MemTotal:       {16_000_000} kB\nMemFree: 1 kB\n"
                                  f"MemAvailable:   {16_000_000 - mem_used_kb} kB\n")
    (root / "cpuinfo").write_text("processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core "
                                  "Processor\n")


def test_cpu_estimate_from_fake_proc(tmp_path: Path) -> None:
    root = tmp_path / "proc"
    _proc(root, busy=1000, idle=1000, mem_used_kb=4_000_000)
    clock = ManualClock()
    mon = Monitor(gpus=None, cpu="estimate", memory="estimate", proc_root=root, clock=clock,
                  interval=None, rapl_root=tmp_path / "none", attribution="host")
    mon.begin_window("w")
    clock.advance(10.0)
    _proc(root, busy=1300, idle=1400, mem_used_kb=4_000_000)  # 300 busy of 700: u = 3/7
    m = mon.end_window("w")
    cpu = m.device("cpu")
    expected = 280.0 / 128 * 2 * (3 / 7) * 10.0  # TDP/threads * n_logical * u * t
    assert cpu.energy.m_as("J") == pytest.approx(expected)
    assert cpu.provenance == "estimated" and cpu.uncertainty is None
    assert cpu.dynamic == cpu.energy and cpu.idle is None
    assert "EPYC 7763" in cpu.source and "Green Algorithms" in cpu.source
    ram = m.device("ram")
    assert ram.energy.m_as("J") == pytest.approx(0.3725 * 4.096 * 10.0)
    assert ram.provenance == "estimated" and "W/GB" in ram.source


def test_window_within_one_tick_is_unknown_not_zero(tmp_path: Path) -> None:
    root = tmp_path / "proc"
    _proc(root, busy=10, idle=10, mem_used_kb=1)
    mon = Monitor(gpus=None, cpu="estimate", memory=None, proc_root=root, interval=None,
                  attribution="host")
    mon.begin_window("w")
    d = mon.end_window("w").device("cpu")
    assert d.energy is None and "tick" in (d.reason or "") and "short_window" in d.flags


def test_real_proc_stat_is_readable() -> None:
    busy, total, n = read_proc_stat()
    assert 0 <= busy <= total and n >= 1
    mem_total, avail = read_meminfo()
    assert 0 < avail <= mem_total


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(1, 10**5),
       st.integers(0, 10**5))
def test_utilisation_is_a_share(b0: int, i0: int, db: int, di: int) -> None:
    from measure._estimate import CpuEstimateProbe
    from measure._probe import ProbeState
    p = CpuEstimateProbe(lookup_cpu("AMD EPYC 7763"), n_logical=4)
    a = ProbeState(0.0, 0.0, 0, 0.0, 0, None, (b0, b0 + i0))
    b = ProbeState(0.0, 0.0, 0, 1.0, 0, None, (b0 + db, b0 + i0 + db + di))
    d = p.result(a, b, 1.0, None)
    u = d.details["utilisation"]
    assert u == pytest.approx(db / (db + di))
    assert 0 <= d.energy.m_as("J") <= p.full_power_w


@pytest.mark.parametrize(("name", "model", "tdp"), [
    ("Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz", "Intel Xeon E5-2686 v4", 145.0),  # AWS
    ("Intel(R) Xeon(R) Platinum 8275CL CPU @ 3.00GHz", "Intel Xeon Platinum 8275CL", 240.0),
    ("AMD EPYC 7R13 Processor", "AMD EPYC 7R13", 225.0),
    ("AMD Ryzen 7 5800X 8-Core Processor", "AMD Ryzen 7 5800X", 105.0),
    ("Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz", "Intel Core i7-8700", 65.0),
    ("12th Gen Intel(R) Core(TM) i7-12700H", "Intel Core i7-12700H", 45.0),
])
def test_lookup_in_codecarbons_table(name: str, model: str, tdp: float) -> None:
    e = lookup_cpu(name, logical_cpus=8)
    assert (e.model, e.tdp_w, e.generic, e.threads) == (model, tdp, False, 8)
    assert "CodeCarbon" in e.source and "8 logical CPUs" in e.source


def test_sourced_rows_come_before_codecarbons() -> None:
    # both tables hold the 8380; ours has its thread count
    e = lookup_cpu("Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz")
    assert (e.model, e.threads) == ("Xeon Platinum 8380", 80)


def test_codecarbon_table_is_the_shipped_file() -> None:
    from measure._estimate import codecarbon_cpu_table

    table = codecarbon_cpu_table()
    assert len(table) > 4500 and all(t > 0 for _, t in table.values())
    assert "3280" not in table  # rows without a vendor word are not used
    text = (Path(__file__).parents[2] / "measure" / "_data" / "ATTRIBUTION.md").read_text()
    assert "codecarbon_cpu_power.csv" in text and "MIT" in text
