"""Training throughput: train(...) against a plain PyTorch loop of the same model, data and batch size.

Both run the early-fusion variant with the matching loss on the same shapes-world
batches; they alternate in short bursts so machine noise hits both alike. A third
contestant is what the explorer's Train tab does: the same run in the training
engine process (gui/training/worker.py's TrainRunner, started and warmed up
first), timed in the window's process from the request sent to the run's end,
with every step's progress coming back through the pipe.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from benchmarks.common import Row, median

TARGET = 0.9


def _plain_loop(settings, steps: int) -> float:
    """Samples (pairs) per second of a minimal loop: build, then batch, forward, BCE, backward, AdamW step."""
    from mmexplorer.engine.batches import EncodingCache, make_batch
    from mmexplorer.engine.train import model_config
    from mmexplorer.models import build_model

    t0 = time.perf_counter()  # like train(), the clock includes building the model and optimiser
    torch.manual_seed(settings.seed)
    cfg = model_config(settings)
    model = build_model(cfg).train()
    opt = torch.optim.AdamW(model.parameters(), lr=settings.lr)
    encode = EncodingCache(model.tokenizer)
    for step in range(steps):
        batch = make_batch(cfg, encode, settings.seed, step * settings.batch_scenes, settings.batch_scenes, 0.5)
        out = model(batch.images, batch.ids, batch.mask)
        loss = F.binary_cross_entropy_with_logits(out.itm_logit, batch.labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps * 2 * settings.batch_scenes / (time.perf_counter() - t0)


def _engine(settings, steps: int) -> float:
    from mmexplorer.engine.train import train

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        train(settings.replace(steps=steps, checkpoint_every=steps), Path(tmp) / "m.safetensors")
        return steps * 2 * settings.batch_scenes / (time.perf_counter() - t0)


class _EngineProcess:
    """The Train tab's runner, its engine process started and warmed up by one short run."""

    def __init__(self, settings, tmp: str) -> None:
        import os

        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        from mmexplorer.gui.training.worker import TrainRunner

        # a QApplication, not a QCoreApplication: the window benchmarks after this one share the process
        self.app = QApplication.instance() or QApplication([])
        self.settings, self.tmp = settings, tmp
        self.runner = TrainRunner()
        self.outcomes: list = []
        self.runner.worker.finished.connect(self.outcomes.append)
        self.samples_per_s(1)  # spawn, import torch, first batch: not part of the throughput

    def samples_per_s(self, steps: int) -> float:
        from PySide6.QtCore import QEventLoop, QTimer

        from mmexplorer.gui.training.worker import TrainRequest

        s = self.settings
        extra = (("batch_scenes", s.batch_scenes), ("grad_clip", s.grad_clip), ("threads", s.threads), ("checkpoint_every", steps))
        request = TrainRequest("default", s.fusion, steps, s.lr, s.seed, "cpu", tuple(s.tasks), s.sharing, s.grounding,
                               str(Path(self.tmp) / "engine.safetensors"), extra)
        loop = QEventLoop()
        self.runner.worker.finished.connect(loop.quit)
        QTimer.singleShot(600_000, loop.quit)  # never hang the benchmark
        before = len(self.outcomes)
        t0 = time.perf_counter()
        self.runner.start(request)
        loop.exec()
        seconds = time.perf_counter() - t0
        self.runner.worker.finished.disconnect(loop.quit)
        if len(self.outcomes) == before or self.outcomes[-1].steps != steps:
            raise RuntimeError("the engine process did not finish its training run")
        return steps * 2 * s.batch_scenes / seconds

    def close(self) -> None:
        self.runner.shutdown()


def run(rounds: int = 5, steps: int = 10) -> list[Row]:
    from mmexplorer.engine.recipes import TrainSettings

    settings = TrainSettings(fusion="early", steps=steps, grounding=False, grad_clip=0.0, threads=0)
    engine, plain, process = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        runner = _EngineProcess(settings, tmp)
        try:
            _engine(settings, steps), _plain_loop(settings, steps)  # first-call costs (allocator, autograd) are no one's
            for _ in range(rounds):
                engine.append(_engine(settings, steps))
                plain.append(_plain_loop(settings, steps))
                process.append(runner.samples_per_s(steps))
        finally:
            runner.close()
    e, p, q = median(engine), median(plain), median(process)
    ratio, process_ratio = e / p, q / p
    return [
        Row(
            "training throughput (early, batch 64 pairs)",
            f"train() {e:.0f} samples/s / plain loop {p:.0f} samples/s = {ratio:.2f}x",
            f">= {TARGET}x the plain loop",
            ratio >= TARGET,
            ratio,
            {"engine_sps": e, "plain_sps": p},
        ),
        Row(
            "training throughput in the engine process (Train tab)",
            f"engine process {q:.0f} samples/s / plain loop {p:.0f} samples/s = {process_ratio:.2f}x "
            f"(request sent to run ended, progress through the pipe)",
            f">= {TARGET}x the plain loop",
            process_ratio >= TARGET,
            process_ratio,
            {"process_sps": q, "plain_sps": p},
        ),
    ]
