"""The training runner: engine.train.training in an engine process of its own (engine/service.py).

Each step's progress comes back as a frozen TrainStep through the pipe. Cancel
asks the loop to stop after its current step, so a cancelled run keeps its last
good checkpoint or nothing; if the step does not end within CANCEL_GRACE_MS the
process is killed (checkpoints are written atomically, so still no partial
file). Training has a process of its own so that cancelling it by force never
costs the explorer its loaded model, and probes never wait behind a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from mmexplorer.output_lock import remove_stale_lock
from mmexplorer.protocol import calls
from mmexplorer.gui.engine_client import EngineLink

CANCEL_GRACE_MS = 3000  # a step that takes longer than this is cut short by stopping the process


@dataclass(frozen=True)
class TrainRequest:
    recipe: str  # a name from protocol/recipes.py
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


class TrainEvents(QObject):
    progress = Signal(object)  # calls.TrainStep (engine.train.Progress, field for field)
    finished = Signal(object)  # TrainOutcome
    failed = Signal(str)


class TrainRunner(QObject):
    """GUI-side owner of the training engine process (started with the first run)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.worker = TrainEvents(self)  # the signals the panel listens to
        self.engine = EngineLink(self, leave_a_core=False)  # training runs as fast as a plain loop: every core
        self.engine.received.connect(self._on_reply)
        self.engine.died.connect(self._on_died)
        self.busy = False
        self.test_hooks: dict = {}  # sent with each run; the engine honours them only under the tests' variable
        self._id = 0
        self._request: Optional[TrainRequest] = None
        self._last_path: Optional[str] = None
        self._steps = 0
        self._grace = QTimer(self)
        self._grace.setSingleShot(True)
        self._grace.setInterval(CANCEL_GRACE_MS)
        self._grace.timeout.connect(self._force_cancel)

    def start(self, request: TrainRequest) -> None:
        self.engine.start()
        self._id += 1
        self._request, self._last_path, self._steps = request, None, 0
        self.busy = True
        r = request
        self.engine.send(calls.Train(self._id, r.recipe, r.fusion, r.steps, r.lr, r.seed, r.device, tuple(r.tasks),
                                     r.sharing, r.grounding, r.out, json.dumps(dict(r.extra)), json.dumps(self.test_hooks)))

    def cancel(self) -> None:
        if self.busy and not self._grace.isActive():
            self.engine.send(calls.CancelTrain(self._id))
            self._grace.start()

    def _on_reply(self, reply) -> None:
        if isinstance(reply, calls.TrainStep):
            self._steps = reply.step
            if reply.checkpoint:
                self._last_path = reply.checkpoint
            self.worker.progress.emit(reply)
        elif isinstance(reply, calls.Trained) and reply.id == self._id:
            if reply.reason:
                self.worker.failed.emit(QCoreApplication.translate("TrainWorker", "Training stopped: {reason}").format(reason=reply.reason))
            elif reply.error:
                self.worker.failed.emit(QCoreApplication.translate("TrainWorker", "training failed: {error}").format(error=reply.error))
            self._finish(TrainOutcome(reply.path, reply.steps, reply.total, reply.cancelled))

    def _finish(self, outcome: TrainOutcome) -> None:
        self._grace.stop()
        self.busy = False
        self.worker.finished.emit(outcome)

    def _force_cancel(self) -> None:
        """The current step did not end in time: stop the process; the last whole checkpoint stays."""
        if self.busy:
            self.engine.kill()
            remove_stale_lock(self._request.out)  # a stopped process leaves its lock file behind
            self._finish(TrainOutcome(self._last_path, self._steps, self._request.steps, True))

    def _on_died(self, code) -> None:
        if self.busy:
            message = self.tr("training failed: the engine stopped unexpectedly (exit code {code})").format(code=code)
            self.worker.failed.emit(message)
            remove_stale_lock(self._request.out)
            self._finish(TrainOutcome(self._last_path, self._steps, self._request.steps, True))

    def shutdown(self, timeout_ms: int = 120_000) -> bool:
        """Cancel a run (it stops after its current step, or is stopped) and end the process."""
        self._grace.stop()
        self.engine.stop(min(timeout_ms / 1000, 5.0))
        if self.busy and not self.engine.running:
            remove_stale_lock(self._request.out)
        self.busy = False  # nobody is told: the window is closing
        return not self.engine.running
