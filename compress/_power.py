"""GPU power limiting as a measured technique: the same weights served under a power cap.

The technique changes no weight: it caps the GPU's board power with NVML
(``nvmlDeviceSetPowerManagementLimit``, through :func:`measure.set_power_limit`; the previous
limit is restored after). The child product is the parent's weights *served under the cap*
(edge ``derived_from``); the :class:`CompressionResult` compares energy per request

    E = (1 / N) * int_window P(t) dt                                          [J]

measured with the parent's default limit and with the cap, on the same held-out requests. A
cap lowers ``P`` and, for compute-bound kernels, lengthens the window, so the saving (if any)
is measured, never assumed (Zeus: You, Chung, Chowdhury 2023, NSDI; energy estimates as
``measure`` makes them: counters where the GPU has them, else sampled or estimated power).

Setting a limit needs root on a real GPU (a :class:`measure.ProbePermissionError` otherwise).
Tests run this against :class:`measure.FakeNVML`, which records the cap but does not throttle
its power trace; the real effect is only measurable on a real GPU.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compress._measured import Compressed, Evaluation, JobSetting, run_technique
from compress._torch import clone, require_torch
from compress._train import TrainingRun

if TYPE_CHECKING:
    import torch

    from lineage import ProvenanceGraph

__all__ = ["power_limit"]


class _Limiter:
    """The limit in force on one GPU, switched only when it changes (NVML set + reads)."""

    def __init__(self, nvml: Any, index: int) -> None:
        self.nvml, self.index = nvml, index
        self.watts: float | None = None
        self.switches = 0

    def ensure(self, watts: float) -> None:
        from measure import set_power_limit

        if self.watts != watts:
            set_power_limit(self.nvml, self.index, f"{watts} W")
            self.watts = watts
            self.switches += 1


def _capped(model: Any, limiter: _Limiter, watts: float) -> Any:
    """``model`` behind a forward that first puts ``watts`` in force (a no-op while it is)."""
    module: Any = require_torch().nn.Module

    class PowerCapped(module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, *args: Any, **kwargs: Any) -> Any:
            limiter.ensure(watts)
            return self.inner(*args, **kwargs)

        def extra_repr(self) -> str:
            return f"power limit {watts:g} W on GPU {limiter.index}"

    return PowerCapped()


def power_limit(model: torch.nn.Module, *, graph: ProvenanceGraph, parent: str, child: str,
                evaluation: Evaluation, setting: JobSetting, limit: Any, index: int = 0,
                nvml: Any = None, share: Any = None, policy: str | None = None) -> Compressed:
    """Serve ``model`` under a power cap of ``limit`` [W] on NVML GPU ``index`` as a measured
    ``compression`` job (edge ``derived_from``).

    ``compress.run_technique`` compares parent and child by interleaved trials; here the
    parent runs at the limit in force now and the child under the cap, each side putting its
    limit in force at its first forward pass after the other side ran (one NVML set call,
    inside that trial's window: a small, stated bias; a real GPU also takes some tens of ms
    to settle at a new cap). The previous limit is restored after, also on error. The
    returned child is the wrapped model (``.inner`` holds the weights).
    ``nvml``: ``pynvml`` (default: :func:`measure.load_pynvml`) or a :class:`measure.FakeNVML`.
    """
    from carbon import magnitude
    from measure import load_pynvml, power_limits, set_power_limit

    nvml = nvml if nvml is not None else load_pynvml()
    prior = power_limits(nvml, index)
    cap = magnitude(limit, "W", "limit")
    lo, hi = prior.low.m_as("W"), prior.high.m_as("W")
    if not lo <= cap <= hi:
        from carbon import InvalidValueError

        raise InvalidValueError("limit", limit, f"a power limit in [{lo:g}, {hi:g}] W")
    limiter = _Limiter(nvml, index)
    limiter.watts = prior.current.m_as("W")
    base = _capped(model, limiter, prior.current.m_as("W"))

    def make() -> tuple[Any, TrainingRun | None]:
        return _capped(clone(model), limiter, cap), None

    notes = (f"GPU {index} power limit {cap:g} W against {prior.current.m_as('W'):g} W "
             f"(default {prior.default.m_as('W'):g} W, range {lo:g}-{hi:g} W); same weights; "
             "each trial puts its side's limit in force at its first forward pass; the "
             "deployment must set the same cap to get this energy per request",)
    try:
        return run_technique(
            "power_limit", make, base, graph=graph, parent=parent, child=child,
            edge="derived_from", phase="compression", evaluation=evaluation,
            setting=setting, share=share, policy=policy,
            child_name=f"{parent} at {cap:g} W", notes=notes)
    finally:
        if limiter.watts != prior.current.m_as("W"):
            set_power_limit(nvml, index, prior.current)
