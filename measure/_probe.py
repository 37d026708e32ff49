"""The probe abstraction: a device whose readings accumulate into energy.

A probe keeps an accumulator of booked energy since it started, updated by :meth:`poll`
(from the sampler thread and at window edges). A window is the difference of two snapshots,
so windows can nest and overlap at no extra cost, and memory does not grow with time.

Vendor-native integer units stay in the names of the raw readings (``energy_mj``,
``power_mw``, ``energy_uj``); conversion to joules happens once, in :meth:`_book`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbon import quantity
from measure._errors import GPULostError, MeasureError
from measure._measurement import DeviceEnergy

__all__ = ["AccumulatingProbe", "Probe", "ProbeState"]


@dataclass(frozen=True, slots=True)
class ProbeState:
    """A probe's accumulators at one instant (magnitudes: J and s)."""

    energy_j: float
    unobserved_j: float
    reads: int
    t_s: float | None
    events: int
    lost_at_s: float | None
    extra: Any = None


class Probe:
    """Base of every probe: identity, labels and the three operations a monitor calls."""

    key: str
    kind: str
    name: str
    method: str
    provenance: str
    source: str
    needs_polling: bool = True
    #: flags that hold for every window of this probe (MIG, averaged power, ...)
    static_flags: tuple[str, ...] = ()
    static_details: dict[str, Any]

    def poll(self, now_s: float) -> None:
        """Take one reading now (``now_s``: host monotonic time [s])."""
        raise NotImplementedError

    def snapshot(self) -> ProbeState:
        """The accumulators now (call :meth:`poll` first for a fresh edge)."""
        raise NotImplementedError

    def result(self, a: ProbeState, b: ProbeState, duration_s: float,
               idle_power_w: float | None, *, is_open: bool = False) -> DeviceEnergy:
        """The device's figure between snapshots ``a`` and ``b``."""
        raise NotImplementedError

    def idle_power_w(self, a: ProbeState, b: ProbeState) -> float | None:
        """Mean power [W] between two snapshots taken while idle; None if unknown."""
        return None

    def scoped(self, state: ProbeState, scope: frozenset[int]) -> ProbeState:
        """``state`` restricted to the process groups ``scope`` (root pids).

        Only probes that attribute energy to processes have groups; a whole-device probe
        returns ``state`` as it is (its figure cannot be split by process).
        """
        return state

    def edge_details(self) -> dict[str, Any]:
        """Facts read at a window edge only (other processes on a GPU); cheap enough there."""
        return {}

    def close(self) -> None:
        """Release what the probe holds."""


class AccumulatingProbe(Probe):
    """A probe whose readings are booked into an energy accumulator.

    Subclasses implement :meth:`_read` (one raw reading and its time [s]) and :meth:`_book`
    (the energy between two readings, the energy known to be unobserved, and a flag).
    """

    #: a window shorter than this [s] is flagged ``short_window``
    short_window_s: float = 0.0

    def __init__(self) -> None:
        self._energy_j = 0.0
        self._unobserved_j = 0.0
        self._reads = 0
        self._prev: tuple[float, float] | None = None
        self._lost_at_s: float | None = None
        self._events: list[tuple[float, str, str]] = []
        self.static_details = {}

    # subclass hooks --------------------------------------------------------------------
    def _read(self, now_s: float) -> tuple[float, float]:
        """One raw reading and its timestamp [s] (device clock where it has one)."""
        raise NotImplementedError

    def _book(self, prev: tuple[float, float], cur: tuple[float, float]
              ) -> tuple[float, float, str | None, str]:
        """(booked J, unobserved J, flag or None, detail) between two readings."""
        raise NotImplementedError

    def _uncertainty_j(self, energy_j: float, span_s: float, reads: int) -> float | None:
        raise NotImplementedError

    # probe -----------------------------------------------------------------------------
    def poll(self, now_s: float) -> None:
        if self._lost_at_s is not None:
            return
        try:
            cur = self._read(now_s)
        except GPULostError as e:
            self._lost_at_s = now_s
            self._events.append((now_s, "gpu_lost", str(e)))
            return
        except MeasureError as e:
            self._events.append((now_s, "read_error", str(e)))
            return
        if self._prev is not None:
            if cur[1] <= self._prev[1]:
                return  # no new sample since the last reading
            booked, unobserved, flag, detail = self._book(self._prev, cur)
            self._energy_j += booked
            self._unobserved_j += unobserved
            if flag is not None:
                self._events.append((cur[1], flag, detail))
        self._prev = cur
        self._reads += 1

    def snapshot(self) -> ProbeState:
        return ProbeState(self._energy_j, self._unobserved_j, self._reads,
                          None if self._prev is None else self._prev[1], len(self._events),
                          self._lost_at_s)

    def idle_power_w(self, a: ProbeState, b: ProbeState) -> float | None:
        if a.t_s is None or b.t_s is None or b.t_s <= a.t_s or b.lost_at_s is not None:
            return None
        return (b.energy_j - a.energy_j) / (b.t_s - a.t_s)

    def result(self, a: ProbeState, b: ProbeState, duration_s: float,
               idle_power_w: float | None, *, is_open: bool = False) -> DeviceEnergy:
        events = self._events[a.events:b.events]
        flags = list(self.static_flags)
        for _, flag, _ in events:
            if flag not in flags:
                flags.append(flag)
        details: dict[str, Any] = dict(self.static_details)
        if events:
            details["events"] = [{"t_s": t, "flag": f, "detail": s} for t, f, s in events[:20]]
        if is_open:
            flags.append("open")
        base = {"key": self.key, "kind": self.kind, "name": self.name, "method": self.method,
                "source": self.source}
        if a.lost_at_s is not None:
            return DeviceEnergy(**base, energy=None, provenance=None, flags=tuple(flags),
                                reason="the device was lost before the window began",
                                complete=False, details=details)
        if a.t_s is None or b.t_s is None:
            return DeviceEnergy(**base, energy=None, provenance=None, flags=tuple(flags),
                                reason="no reading succeeded at the start of the window",
                                complete=False, details=details)
        energy_j = b.energy_j - a.energy_j
        span_s = b.t_s - a.t_s
        reads = b.reads - a.reads + 1
        complete = True
        reason = None
        if b.lost_at_s is not None:
            flags += [f for f in ("gpu_lost", "partial") if f not in flags]
            complete = False
            reason = (f"the device was lost {b.lost_at_s - a.t_s:.3f} s into the window: "
                      "energy up to the last good reading (a lower bound)")
            details["covered_s"] = span_s
        if span_s < self.short_window_s:
            flags.append("short_window")
        details.update(reads=reads, span_s=span_s, t_first_s=a.t_s, t_last_s=b.t_s)
        unc = self._uncertainty_j(energy_j, max(span_s, 1e-12), reads)
        unobserved = b.unobserved_j - a.unobserved_j
        if unc is not None:
            unc += unobserved
        held_s = span_s if not complete else duration_s
        idle_j = dynamic_j = None
        if idle_power_w is None:
            flags.append("no_idle_baseline")
        else:
            idle_j = idle_power_w * held_s
            dynamic_j = energy_j - idle_j
            if dynamic_j < 0:
                dynamic_j = 0.0
                flags.append("below_idle")
        return DeviceEnergy(
            **base, energy=quantity(energy_j, "J"), provenance=self.provenance,
            uncertainty=None if unc is None else quantity(unc, "J"),
            idle=None if idle_j is None else quantity(idle_j, "J"),
            dynamic=None if dynamic_j is None else quantity(dynamic_j, "J"),
            idle_power=None if idle_power_w is None else quantity(idle_power_w, "W"),
            flags=tuple(flags), reason=reason, complete=complete, details=details,
        )
