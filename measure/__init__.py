"""measure: energy probes for GPUs, CPUs and PyTorch work, honest about every figure.

A :class:`Monitor` watches devices (NVIDIA GPUs through NVML, CPU packages and DRAM through
RAPL, or labelled estimates where nothing can be measured) over named windows and returns
:class:`Measurement` records whose every figure says how it was obtained (``measured``,
``sampled``, ``estimated``), with its uncertainty and its idle and dynamic parts; CPU and
memory estimates are charged to the window's own processes (``attribution="process"``, the
default) or to the whole host (``"host"``);
``Measurement.to_job`` turns one into a :class:`carbon.Job`. :func:`compare` decides whether
one callable or command uses less energy than another from interleaved trials, a bootstrap
interval of the ratio and a test (:func:`compare_many` for more than two).
Tools users already have: :func:`read_codecarbon` and :func:`write_codecarbon` (CodeCarbon's
``emissions.csv``, both ways), :func:`log_to_mlflow` (the active MLflow run),
:class:`TrainingMeter` as a Hugging Face or Lightning callback.

Layout: the monitor and its windows (``_monitor``, ``_devices``, ``_decorator``,
``_measurement``), the probes (``_gpu`` with ``_fake_nvml``, ``_rapl``, ``_estimate``,
``_attributed`` over ``_process``), power limits (``_power_limit``), whole-process runs and
their journal (``_run``, ``_journal``), PyTorch hooks and sweeps (``_training``, ``_inference``,
``_batch_choice``), the comparison protocol and its statistics (``_compare``, ``_stats``), and
the importers and exporters (``_codecarbon``, ``_codecarbon_write``, ``_mlflow``).

>>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace
>>> clock = ManualClock()
>>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(300.0)], clock=clock), cpu=None,
...               memory=None, clock=clock, interval=None)
>>> mon.begin_window("epoch")
>>> clock.advance(60.0)
>>> mon.end_window("epoch").device("gpu:0").energy.to("kJ")
<Quantity(18.0, 'kilojoule')>
"""

from typing import TYPE_CHECKING

from carbon import lazy_exports

if TYPE_CHECKING:
    from measure._batch_choice import BatchChoice, choose_batch_size
    from measure._clock import Clock, ManualClock, SystemClock
    from measure._codecarbon import CODECARBON_COLUMNS, read_codecarbon
    from measure._codecarbon_write import write_codecarbon
    from measure._compare import (
        ESTIMATED_BETWEEN_RUNS_SD,
        Comparison,
        Runnable,
        compare,
        compare_many,
    )
    from measure._cpu_clock import CpuClockProbe, cpu_clock_monitor
    from measure._errors import (
        GPULostError,
        JournalError,
        MeasureError,
        NotSupportedError,
        NVMLBindingError,
        NVMLUnavailableError,
        ProbePermissionError,
        WindowError,
    )
    from measure._estimate import CpuTdp, cpu_tdp_table, lookup_cpu, memory_power_per_gb
    from measure._fake_nvml import FakeNVML, PowerTrace
    from measure._gpu import load_pynvml
    from measure._inference import SweepPoint, inference_sweep, torch_infer
    from measure._journal import Journal
    from measure._measurement import DeviceEnergy, Measurement
    from measure._mlflow import log_to_mlflow
    from measure._monitor import Attribution, Monitor, WindowHandle
    from measure._power_limit import PowerLimits, power_limited, power_limits, set_power_limit
    from measure._process import ProcessTree
    from measure._rapl import rapl_probes
    from measure._replay import ReplayMonitor
    from measure._run import recover, run_command
    from measure._serving_loop import Generation, ServingRun, serve
    from measure._serving_sweep import ServingPoint, serving_sweep
    from measure._stats import (
        GroupComparison,
        GroupStats,
        RatioInterval,
        TwoSampleResult,
        between_runs_arg,
        cv,
        eta_squared_h,
        groups,
        ratio_interval,
        two_sample_test,
        widen_ratio_interval,
    )
    from measure._training import TrainingMeter

#: Each public name's module, imported on first use (PEP 562): a measured command loads only
#: what it runs
_EXPORTS: dict[str, tuple[str, ...]] = {
    "measure._batch_choice": ("BatchChoice", "choose_batch_size"),
    "measure._clock": ("Clock", "ManualClock", "SystemClock"),
    "measure._codecarbon": ("CODECARBON_COLUMNS", "read_codecarbon"),
    "measure._codecarbon_write": ("write_codecarbon",),
    "measure._compare": (
        "ESTIMATED_BETWEEN_RUNS_SD", "Comparison", "Runnable", "compare", "compare_many",
    ),
    "measure._cpu_clock": ("CpuClockProbe", "cpu_clock_monitor"),
    "measure._errors": (
        "GPULostError", "JournalError", "MeasureError", "NotSupportedError", "NVMLBindingError",
        "NVMLUnavailableError", "ProbePermissionError", "WindowError",
    ),
    "measure._estimate": ("CpuTdp", "cpu_tdp_table", "lookup_cpu", "memory_power_per_gb"),
    "measure._fake_nvml": ("FakeNVML", "PowerTrace"),
    "measure._gpu": ("load_pynvml",),
    "measure._inference": ("SweepPoint", "inference_sweep", "torch_infer"),
    "measure._journal": ("Journal",),
    "measure._measurement": ("DeviceEnergy", "Measurement"),
    "measure._mlflow": ("log_to_mlflow",),
    "measure._monitor": ("Attribution", "Monitor", "WindowHandle"),
    "measure._power_limit": ("PowerLimits", "power_limited", "power_limits", "set_power_limit"),
    "measure._process": ("ProcessTree",),
    "measure._rapl": ("rapl_probes",),
    "measure._replay": ("ReplayMonitor",),
    "measure._run": ("recover", "run_command"),
    "measure._serving_loop": ("Generation", "ServingRun", "serve"),
    "measure._serving_sweep": ("ServingPoint", "serving_sweep"),
    "measure._stats": (
        "GroupComparison", "GroupStats", "RatioInterval", "TwoSampleResult", "between_runs_arg",
        "cv", "eta_squared_h", "groups", "ratio_interval", "two_sample_test",
        "widen_ratio_interval",
    ),
    "measure._training": ("TrainingMeter",),
}
__all__ = [
    "CODECARBON_COLUMNS",
    "ESTIMATED_BETWEEN_RUNS_SD",
    "Attribution",
    "BatchChoice",
    "Clock",
    "Comparison",
    "CpuClockProbe",
    "CpuTdp",
    "DeviceEnergy",
    "FakeNVML",
    "GPULostError",
    "Generation",
    "GroupComparison",
    "GroupStats",
    "Journal",
    "JournalError",
    "ManualClock",
    "MeasureError",
    "Measurement",
    "Monitor",
    "NVMLBindingError",
    "NVMLUnavailableError",
    "NotSupportedError",
    "PowerLimits",
    "PowerTrace",
    "ProbePermissionError",
    "ProcessTree",
    "RatioInterval",
    "ReplayMonitor",
    "Runnable",
    "ServingPoint",
    "ServingRun",
    "SweepPoint",
    "SystemClock",
    "TrainingMeter",
    "TwoSampleResult",
    "WindowError",
    "WindowHandle",
    "between_runs_arg",
    "choose_batch_size",
    "compare",
    "compare_many",
    "cpu_clock_monitor",
    "cpu_tdp_table",
    "cv",
    "eta_squared_h",
    "groups",
    "inference_sweep",
    "load_pynvml",
    "log_to_mlflow",
    "lookup_cpu",
    "memory_power_per_gb",
    "power_limited",
    "power_limits",
    "rapl_probes",
    "ratio_interval",
    "read_codecarbon",
    "recover",
    "run_command",
    "serve",
    "serving_sweep",
    "set_power_limit",
    "torch_infer",
    "two_sample_test",
    "widen_ratio_interval",
    "write_codecarbon",
]


#: each public name imported from its module on first use (PEP 562)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, __all__)
