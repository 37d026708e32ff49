"""Energy per training step, per epoch and in total, around any loop or as a callback.

Around a plain PyTorch loop::

    meter = TrainingMeter(monitor)
    with meter.train():
        for epoch in range(3):
            with meter.epoch():
                for x, y in loader:
                    with meter.step():
                        ...

or hand it to a framework as a callback::

    Trainer(..., callbacks=[meter.huggingface()])          # transformers.Trainer
    lightning.pytorch.Trainer(..., callbacks=[meter.lightning()])

:meth:`TrainingMeter.huggingface` is a ``transformers.TrainerCallback`` whose
``on_train_begin``, ``on_epoch_begin``, ``on_step_begin`` (one optimizer step, gradient
accumulation included), ``on_step_end``, ``on_epoch_end`` and ``on_train_end`` open and close
the windows; :meth:`TrainingMeter.lightning` is a Lightning ``Callback`` doing the same on
``on_train_start``, ``on_train_epoch_start``, ``on_train_batch_start`` (one batch),
``on_train_batch_end``, ``on_train_epoch_end`` and ``on_train_end``, and closing every window
on ``on_exception``. The meter has those hook names itself too (each takes and ignores the
framework's arguments), for loops that call hooks by name.

Steps shorter than a few sensor updates are flagged ``short_window`` (their figures jump
in steps); the epoch and total windows are the reliable figures, and per-step energy is best
read as ``epoch energy / steps`` unless steps are long. ``step_every`` measures one step in
``k`` to keep the cost down on very short steps.

>>> from measure import FakeNVML, ManualClock, Monitor, PowerTrace
>>> clock = ManualClock()
>>> mon = Monitor(nvml=FakeNVML([PowerTrace.constant(200.0)], clock=clock), cpu=None,
...               memory=None, clock=clock, interval=None)
>>> meter = TrainingMeter(mon)
>>> with meter.train():
...     for epoch in range(2):
...         with meter.epoch():
...             for step in range(5):
...                 with meter.step():
...                     clock.advance(0.5)
>>> s = meter.summary()
>>> s["steps"], s["epochs"], s["total_energy"], s["mean_step_energy"]
(10, 2, <Quantity(1000.0, 'joule')>, <Quantity(100.0, 'joule')>)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import Any

from carbon import InvalidValueError, magnitude, quantity
from measure._errors import MeasureError, WindowError
from measure._measurement import Measurement
from measure._monitor import Monitor

__all__ = ["TrainingMeter"]

_HF_HOOKS = ("on_train_begin", "on_epoch_begin", "on_step_begin", "on_step_end",
             "on_epoch_end", "on_train_end")
_LIGHTNING_HOOKS = {"on_train_start": "on_train_begin", "on_train_epoch_start": "on_epoch_begin",
                    "on_train_batch_start": "on_step_begin",
                    "on_train_batch_end": "on_step_end", "on_train_epoch_end": "on_epoch_end",
                    "on_train_end": "on_train_end", "on_exception": "on_train_end"}


def _delegate(hook: Any) -> Any:
    def call(self: Any, *args: Any, **kwargs: Any) -> None:
        hook()

    call.__name__ = hook.__name__
    return call


def _framework_class(module: str, name: str, fix: str) -> Any:
    try:
        return getattr(import_module(module), name)
    except ImportError as e:
        raise MeasureError(module, None, f"the {module} package ({fix})") from e


class TrainingMeter:
    """Windows for a training run, its epochs and its steps on one :class:`Monitor`."""

    def __init__(self, monitor: Monitor, name: str = "train", *, step_every: int = 1) -> None:
        if step_every < 1:
            raise InvalidValueError("step_every", step_every, "an integer >= 1")
        self.monitor = monitor
        self.name = name
        self.step_every = step_every
        self._id = uuid.uuid4().hex[:8]
        self.steps: list[Measurement] = []
        self.epochs: list[Measurement] = []
        self.total: Measurement | None = None
        self._n_steps = 0
        self._step_open: str | None = None
        self._epoch_open: str | None = None
        self._train_open: str | None = None

    def _key(self, what: str) -> str:
        return f"{self.name}/{what}#{self._id}"

    # --- hooks --------------------------------------------------------------------------
    def on_train_begin(self, *args: Any, **kwargs: Any) -> None:
        """Open the run's window."""
        if self._train_open is None:
            self._train_open = self._key("total")
            self.monitor._begin(self._train_open, self.name)

    def on_train_end(self, *args: Any, **kwargs: Any) -> None:
        """Close the run's window (and any step or epoch left open)."""
        self.on_step_end()
        self.on_epoch_end()
        if self._train_open is not None:
            self.total = self.monitor._read(self._train_open, close=True)
            self._train_open = None

    def on_epoch_begin(self, *args: Any, **kwargs: Any) -> None:
        """Open an epoch's window."""
        if self._epoch_open is not None:
            raise WindowError("epoch", len(self.epochs), "the previous epoch ended first")
        self._epoch_open = self._key(f"epoch-{len(self.epochs)}")
        self.monitor._begin(self._epoch_open, f"{self.name}/epoch {len(self.epochs)}")

    def on_epoch_end(self, *args: Any, **kwargs: Any) -> None:
        """Close the epoch's window."""
        if self._epoch_open is not None:
            self.epochs.append(self.monitor._read(self._epoch_open, close=True))
            self._epoch_open = None

    def on_step_begin(self, *args: Any, **kwargs: Any) -> None:
        """Open a step's window (one step in ``step_every``)."""
        n = self._n_steps
        self._n_steps += 1
        if n % self.step_every == 0:
            self._step_open = self._key(f"step-{n}")
            self.monitor._begin(self._step_open, f"{self.name}/step {n}")

    def on_step_end(self, *args: Any, **kwargs: Any) -> None:
        """Close the step's window."""
        if self._step_open is not None:
            self.steps.append(self.monitor._read(self._step_open, close=True))
            self._step_open = None

    # Lightning names
    on_train_start = on_train_begin
    on_train_epoch_start = on_epoch_begin
    on_train_epoch_end = on_epoch_end
    on_train_batch_start = on_step_begin
    on_train_batch_end = on_step_end

    # --- framework callbacks -------------------------------------------------------------
    def huggingface(self) -> Any:
        """This meter as a ``transformers.TrainerCallback`` (``Trainer(callbacks=[...])``).

        transformers is imported here, not before (``pip install transformers accelerate``).
        """
        base = _framework_class("transformers", "TrainerCallback",
                                "pip install transformers accelerate")
        hooks = {h: _delegate(getattr(self, h)) for h in _HF_HOOKS}
        cls = type("TrainingMeterCallback", (base,), {**hooks, "meter": self})
        return cls()

    def lightning(self, package: str = "lightning.pytorch") -> Any:
        """This meter as a Lightning ``Callback`` (``Trainer(callbacks=[...])``).

        ``package`` is where the Trainer comes from: ``lightning.pytorch`` (the ``lightning``
        distribution) or ``pytorch_lightning``; their Callback classes are distinct.
        """
        if package not in ("lightning.pytorch", "pytorch_lightning"):
            raise InvalidValueError("package", package,
                                    "'lightning.pytorch' or 'pytorch_lightning'")
        base = _framework_class(package, "Callback", f"pip install {package.split('.')[0]}")
        hooks = {h: _delegate(getattr(self, m)) for h, m in _LIGHTNING_HOOKS.items()}
        cls = type("TrainingMeterCallback", (base,), {**hooks, "meter": self})
        return cls()

    # --- context managers ---------------------------------------------------------------
    @contextmanager
    def train(self) -> Iterator[TrainingMeter]:
        self.on_train_begin()
        try:
            yield self
        finally:
            self.on_train_end()

    @contextmanager
    def epoch(self) -> Iterator[TrainingMeter]:
        self.on_epoch_begin()
        try:
            yield self
        finally:
            self.on_epoch_end()

    @contextmanager
    def step(self) -> Iterator[TrainingMeter]:
        self.on_step_begin()
        try:
            yield self
        finally:
            self.on_step_end()

    # --- results ------------------------------------------------------------------------
    @property
    def step_energy(self) -> list[Any | None]:
        """Total energy of each measured step (None where a device was unknown)."""
        return [m.total_energy for m in self.steps]

    @property
    def epoch_energy(self) -> list[Any | None]:
        """Total energy of each epoch."""
        return [m.total_energy for m in self.epochs]

    def summary(self) -> dict[str, Any]:
        """Counts, the total, per-epoch figures and the mean step energy.

        ``mean_step_energy`` is the total over the epochs divided by the steps taken (the
        reliable figure when steps are short), or the mean of measured steps when no epoch
        window exists; None when a figure it needs is unknown.
        """
        total = self.total.total_energy if self.total is not None else None
        epochs = self.epoch_energy
        epoch_sum = (None if not epochs or any(e is None for e in epochs)
                     else quantity(sum(magnitude(e, "J", "epoch") for e in epochs), "J"))
        basis = epoch_sum if epoch_sum is not None else total
        if basis is not None and self._n_steps:
            mean_step = quantity(magnitude(basis, "J", "energy") / self._n_steps, "J")
        else:
            known = [s for s in self.step_energy if s is not None]
            mean_step = (quantity(sum(magnitude(s, "J", "step") for s in known) / len(known),
                                  "J") if known and len(known) == len(self.steps) else None)
        return {"steps": self._n_steps, "measured_steps": len(self.steps),
                "epochs": len(self.epochs), "total_energy": total,
                "epoch_energy": epochs, "mean_step_energy": mean_step,
                "short_steps": sum(any("short_window" in d.flags for d in m.devices)
                                   for m in self.steps)}
