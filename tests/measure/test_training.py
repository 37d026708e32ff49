"""TrainingMeter around a real PyTorch loop (sklearn digits), and its callback form."""

from __future__ import annotations

from typing import Any

import pytest

from carbon import InvalidValueError
from measure import FakeNVML, ManualClock, Monitor, PowerTrace, TrainingMeter

torch = pytest.importorskip("torch")
datasets = pytest.importorskip("sklearn.datasets")


def _digits_loop(meter: TrainingMeter, epochs: int = 2, batch: int = 128,
                 on_step: Any = None) -> list[float]:
    x, y = datasets.load_digits(return_X_y=True)
    xt = torch.tensor(x, dtype=torch.float32) / 16.0
    yt = torch.tensor(y)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    with meter.train():
        for _ in range(epochs):
            with meter.epoch():
                for i in range(0, len(xt), batch):
                    with meter.step():
                        opt.zero_grad()
                        loss = torch.nn.functional.cross_entropy(model(xt[i:i + batch]),
                                                                 yt[i:i + batch])
                        loss.backward()
                        opt.step()
                        if on_step is not None:
                            on_step()
                    losses.append(float(loss.detach()))
    return losses


def test_energy_per_step_epoch_total_on_digits(clock: ManualClock) -> None:
    """The real loop, with the sampler thread running; each step takes 0.1 s of the manual
    clock, so the energy is known whatever the machine's load does to the loop's pace."""
    fake = FakeNVML([PowerTrace.constant(150.0)], clock=clock)
    mon = Monitor(nvml=fake, cpu="estimate", memory=None, interval=0.05, clock=clock)
    try:
        meter = TrainingMeter(mon)
        losses = _digits_loop(meter, on_step=lambda: clock.advance(0.1))
    finally:
        mon.close()
    s = meter.summary()
    steps_per_epoch = -(-1797 // 128)
    assert s["steps"] == len(meter.steps) == 2 * steps_per_epoch and s["epochs"] == 2
    assert losses[-1] < losses[0]
    gpu_total = meter.total.device("gpu:0").energy.m_as("J")  # type: ignore[union-attr]
    seconds = meter.total.duration.m_as("s")  # type: ignore[union-attr]
    assert gpu_total == pytest.approx(150.0 * seconds, abs=2 * 0.1 * 150.0 + 1e-6)
    epoch_gpu = sum(m.device("gpu:0").energy.m_as("J") for m in meter.epochs)
    assert epoch_gpu <= gpu_total + 1e-6


def test_step_every_and_mean_step(clock: ManualClock) -> None:
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None)
    meter = TrainingMeter(mon, step_every=3)
    _digits_loop(meter, epochs=1, batch=200, on_step=lambda: clock.advance(0.2))
    s = meter.summary()
    assert s["steps"] == 9 and s["measured_steps"] == 3
    assert s["mean_step_energy"].m_as("J") == pytest.approx(20.0)


def test_callback_form_with_framework_arguments(clock: ManualClock) -> None:
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(100.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None)
    cb = TrainingMeter(mon)
    trainer, module = object(), object()
    cb.on_train_start(trainer, module)  # Lightning names and arguments
    for _ in range(2):
        cb.on_train_epoch_start(trainer, module)
        for _ in range(4):
            cb.on_train_batch_start(trainer, module, "batch", 0)
            clock.advance(0.5)
            cb.on_train_batch_end(trainer, module, "out", "batch", 0)
        cb.on_train_epoch_end(trainer, module)
    cb.on_train_end(trainer, module)
    s = cb.summary()
    assert (s["steps"], s["epochs"]) == (8, 2)
    assert s["total_energy"].m_as("J") == pytest.approx(400.0)
    hf = TrainingMeter(mon, name="hf")  # Hugging Face names and arguments
    hf.on_train_begin(None, None, None)
    hf.on_step_begin(None, None, None)
    clock.advance(1.0)
    hf.on_step_end(None, None, None)
    hf.on_train_end(None, None, None)
    assert hf.summary()["total_energy"].m_as("J") == pytest.approx(100.0)


def test_gpu_lost_during_training_keeps_the_loop_running(clock: ManualClock) -> None:
    fake = FakeNVML([PowerTrace.constant(100.0)], clock=clock)
    fake.lose_gpu(0, at_s=1.0)
    mon = Monitor(nvml=fake, cpu=None, memory=None, clock=clock, interval=None)
    meter = TrainingMeter(mon)
    losses = _digits_loop(meter, epochs=1, batch=200, on_step=lambda: clock.advance(0.2))
    assert len(losses) == 9
    total = meter.total.device("gpu:0")  # type: ignore[union-attr]
    assert "gpu_lost" in total.flags and total.energy.m_as("J") == pytest.approx(80.0)
    assert meter.steps[-1].device("gpu:0").energy is None  # after the loss: unknown


# --- the real frameworks on CPU: each forward pass takes 0.5 s of the manual clock ----------

def _meter_at_200_w(clock: ManualClock) -> tuple[TrainingMeter, Monitor]:
    mon = Monitor(nvml=FakeNVML([PowerTrace.constant(200.0)], clock=clock), cpu=None,
                  memory=None, clock=clock, interval=None)
    return TrainingMeter(mon), mon


def test_huggingface_trainer(clock: ManualClock, tmp_path: Any) -> None:
    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")  # the Trainer needs it
    cfg = transformers.BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1,
                                  num_attention_heads=2, intermediate_size=32,
                                  max_position_embeddings=16, num_labels=2)
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(cfg)  # a tiny model from a config
    model.register_forward_pre_hook(lambda module, args: clock.advance(0.5))
    data = [{"input_ids": torch.randint(0, 50, (8,)), "labels": torch.tensor(i % 2)}
            for i in range(8)]
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path), max_steps=3, per_device_train_batch_size=4, use_cpu=True,
        report_to="none", save_strategy="no", logging_strategy="no", disable_tqdm=True)
    meter, mon = _meter_at_200_w(clock)
    callback = meter.huggingface()
    assert isinstance(callback, transformers.TrainerCallback) and callback.meter is meter
    try:
        transformers.Trainer(model=model, args=args, train_dataset=data,
                             callbacks=[callback]).train()
    finally:
        mon.close()
    s = meter.summary()
    assert (s["steps"], s["measured_steps"], s["epochs"]) == (3, 3, 2)  # 2 steps + 1 step
    assert s["total_energy"].m_as("J") == pytest.approx(3 * 0.5 * 200.0)
    assert [e.m_as("J") for e in meter.step_energy] == pytest.approx([100.0] * 3)
    assert s["mean_step_energy"].m_as("J") == pytest.approx(100.0)


@pytest.mark.filterwarnings("ignore:.*LeafSpec.*:FutureWarning")  # lightning 2.6 on torch 2.13
def test_lightning_trainer(clock: ManualClock, tmp_path: Any) -> None:
    lightning = pytest.importorskip("lightning.pytorch")

    class Tiny(lightning.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.lin = torch.nn.Linear(4, 2)

        def training_step(self, batch: Any, index: int) -> Any:
            x, y = batch
            return torch.nn.functional.cross_entropy(self.lin(x), y)

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.1)

    torch.manual_seed(0)
    module = Tiny()
    module.lin.register_forward_pre_hook(lambda m, args: clock.advance(0.5))
    ds = torch.utils.data.TensorDataset(torch.randn(12, 4), torch.randint(0, 2, (12,)))
    loader = torch.utils.data.DataLoader(ds, batch_size=4, num_workers=0)
    meter, mon = _meter_at_200_w(clock)
    callback = meter.lightning()
    assert isinstance(callback, lightning.Callback)
    trainer = lightning.Trainer(
        max_epochs=2, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, callbacks=[callback],
        default_root_dir=str(tmp_path))
    try:
        trainer.fit(module, loader)
    finally:
        mon.close()
    s = meter.summary()
    assert (s["steps"], s["epochs"]) == (6, 2)
    assert s["total_energy"].m_as("J") == pytest.approx(6 * 0.5 * 200.0)
    assert [e.m_as("J") for e in meter.epoch_energy] == pytest.approx([300.0, 300.0])


def test_frameworks_missing_or_misnamed(clock: ManualClock) -> None:
    meter, mon = _meter_at_200_w(clock)
    with pytest.raises(InvalidValueError, match="package"):
        meter.lightning("keras")
    mon.close()
