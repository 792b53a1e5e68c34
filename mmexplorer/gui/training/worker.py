"""The training worker: runs engine.train.training in its own QThread.

Progress values (frozen dataclasses) travel to the GUI through a queued
signal; cancelling sets an Event the training loop checks between steps, so a
cancelled run keeps its last good checkpoint or nothing, never a partial file.
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot


@dataclass(frozen=True)
class TrainRequest:
    recipe: str  # a name from engine.recipes
    fusion: str
    steps: int
    lr: float
    seed: int
    device: str
    tasks: tuple[str, ...]  # ("itm",) or ("itm", "vqa")
    sharing: str  # "hard" | "soft"
    grounding: bool
    out: str  # checkpoint path to write
    extra: tuple[tuple[str, object], ...] = ()  # further TrainSettings overrides (e.g. batch size, a smaller model)


@dataclass(frozen=True)
class TrainOutcome:
    path: Optional[str]  # the last good checkpoint, None when nothing was written
    steps: int
    total: int
    cancelled: bool


class TrainWorker(QObject):
    progress = Signal(object)  # engine.train.Progress
    finished = Signal(object)  # TrainOutcome
    failed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.stop_event = threading.Event()

    @Slot(object)
    def run(self, request: TrainRequest) -> None:
        self.stop_event.clear()
        last_path, steps = None, 0
        try:
            from mmexplorer.engine.device import resolve_device
            from mmexplorer.engine.recipes import recipe
            from mmexplorer.engine.train import training

            settings = recipe(
                request.recipe,
                request.fusion,
                steps=request.steps,
                lr=request.lr,
                seed=request.seed,
                tasks=request.tasks,
                sharing=request.sharing,
                grounding=request.grounding,
                **dict(request.extra),
            )
            device = resolve_device(request.device)
            for p in training(settings, request.out, should_stop=self.stop_event.is_set, device=device):
                steps = p.step
                if p.checkpoint:
                    last_path = p.checkpoint
                self.progress.emit(p)
        except Exception as exc:
            if isinstance(exc, ValueError):  # a diverged loss, a full disk, a locked output: the message says it all
                text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                self.failed.emit(QCoreApplication.translate("TrainWorker", "Training stopped: {reason}").format(reason=text))
            else:
                traceback.print_exc()
                self.failed.emit(self.tr("training failed: {error}").format(error=f"{type(exc).__name__}: {exc}"))
            self.finished.emit(TrainOutcome(last_path, steps, request.steps, True))
            return
        self.finished.emit(TrainOutcome(last_path, steps, request.steps, steps < request.steps))


class TrainRunner(QObject):
    """GUI-side owner of the training thread."""

    _run = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.worker = TrainWorker()
        self.thread = QThread()
        self.thread.setObjectName("mmexplorer-train")
        self.worker.moveToThread(self.thread)
        self._run.connect(self.worker.run)
        self.worker.finished.connect(self._on_finished)
        self.busy = False

    def start(self, request: TrainRequest) -> None:
        if not self.thread.isRunning():
            self.thread.start()
        self.busy = True
        self._run.emit(request)

    def cancel(self) -> None:
        self.worker.stop_event.set()

    def _on_finished(self, _outcome) -> None:
        self.busy = False

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        """Cancel a run (it stops after its current step) and stop the thread."""
        self.cancel()
        if not self.thread.isRunning():
            return True
        self.thread.quit()
        return self.thread.wait(timeout_ms)
