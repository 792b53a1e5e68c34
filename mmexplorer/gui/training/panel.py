"""The training panel: choose a recipe and options, Start / Cancel, progress with ETA, live curves.

A finished (or cancelled-with-checkpoint) model is written to the user's model
folder and announced through `model_trained`, so the explorer can list and open it.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mmexplorer.config import FUSIONS
from mmexplorer.engine.recipes import RECIPES, TrainSettings  # plain settings; no torch behind them
from mmexplorer.gui.training.curves import Curves
from mmexplorer.gui.training.worker import TrainOutcome, TrainRequest, TrainRunner

FIRST_RECIPE = "quick"  # the preset the panel opens with: localised maps within minutes


def recipe_defaults(name: str) -> tuple[int, float]:
    """(steps, learning rate) of a named recipe, read from the engine's own table."""
    changes = RECIPES[name][1]
    return int(changes.get("steps", TrainSettings.steps)), float(changes.get("lr", TrainSettings.lr))


SHARING = {"single task": (("itm",), "hard"), "two tasks, hard sharing": (("itm", "vqa"), "hard"), "two tasks, soft sharing": (("itm", "vqa"), "soft")}


def format_seconds(s: float) -> str:
    if not math.isfinite(s):
        return "?"
    s = int(round(s))
    return f"{s // 60}:{s % 60:02d}" if s < 3600 else f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class TrainingPanel(QWidget):
    model_trained = Signal(str)  # path of a new checkpoint in the user's model folder

    def __init__(self, models_dir: Callable[[], Path], devices: tuple[str, ...] = ("auto", "cpu"), parent=None,
                 confirm_overwrite: Optional[Callable[[Path], bool]] = None) -> None:
        super().__init__(parent)
        self.models_dir = models_dir
        self.confirm_overwrite = confirm_overwrite or self._ask_overwrite
        self.runner = TrainRunner(self)
        self.runner.worker.progress.connect(self._on_progress)
        self.runner.worker.finished.connect(self._on_finished)
        self.runner.worker.failed.connect(self._on_failed)

        self.fusion = QComboBox()
        self.fusion.addItems(FUSIONS)
        self.recipe = QComboBox()
        for key, (description, _) in RECIPES.items():
            self.recipe.addItem(f"{key}: {description}", key)
        self.recipe.setCurrentIndex(self.recipe.findData(FIRST_RECIPE))
        self.recipe.currentIndexChanged.connect(self._recipe_defaults)
        self.steps = QSpinBox()
        self.steps.setRange(1, 200_000)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(5)
        self.lr.setRange(1e-5, 1.0)
        self.lr.setSingleStep(1e-4)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.device = QComboBox()
        self.set_devices(devices)
        self.sharing = QComboBox()
        self.sharing.addItems(SHARING)
        self.grounding = QCheckBox("grounding supervision (words → object boxes)")
        self.grounding.setChecked(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("model name (default: fusion + time)")

        form = QFormLayout()
        form.addRow("fusion", self.fusion)
        form.addRow("recipe", self.recipe)
        form.addRow("steps", self.steps)
        form.addRow("learning rate", self.lr)
        form.addRow("seed", self.seed)
        form.addRow("device", self.device)
        form.addRow("tasks", self.sharing)
        form.addRow("", self.grounding)
        form.addRow("save as", self.name)

        self.start_button = QPushButton("Start training")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m steps")
        self.status = QLabel("Pick a fusion strategy and a recipe, then Start.")
        self.status.setWordWrap(True)
        self.curves = Curves()

        top = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(form)
        left.addLayout(buttons)
        left.addStretch(1)
        top.addLayout(left, 0)
        right = QVBoxLayout()
        right.addWidget(self.progress)
        right.addWidget(self.status)
        right.addWidget(self.curves, 1)
        top.addLayout(right, 1)
        self.setLayout(top)
        self._recipe_defaults()
        self.last_outcome: Optional[TrainOutcome] = None
        self.overrides: dict = {}  # extra TrainSettings fields (tests use a tiny model)

    # -- options ---------------------------------------------------------
    def set_devices(self, devices) -> None:
        current = self.device.currentText()
        self.device.clear()
        self.device.addItems(list(devices))
        if current in devices:
            self.device.setCurrentText(current)

    def _recipe_defaults(self) -> None:
        steps, lr = recipe_defaults(self.recipe.currentData())
        self.steps.setValue(steps)
        self.lr.setValue(lr)
        self.grounding.setChecked(self.recipe.currentData() != "no-grounding")
        if self.recipe.currentData() == "multitask":
            self.sharing.setCurrentText("two tasks, hard sharing")

    def output_path(self) -> Path:
        name = self.name.text().strip() or f"{self.fusion.currentText()}-{datetime.datetime.now():%Y%m%d-%H%M%S}"
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return self.models_dir() / f"{safe}.safetensors"

    def request(self) -> TrainRequest:
        tasks, sharing = SHARING[self.sharing.currentText()]
        return TrainRequest(
            recipe=self.recipe.currentData(),
            fusion=self.fusion.currentText(),
            steps=self.steps.value(),
            lr=self.lr.value(),
            seed=self.seed.value(),
            device=self.device.currentText(),
            tasks=tasks,
            sharing=sharing,
            grounding=self.grounding.isChecked(),
            out=str(self.output_path()),
            extra=tuple(self.overrides.items()),
        )

    # -- running ---------------------------------------------------------
    def _ask_overwrite(self, path: Path) -> bool:
        answer = QMessageBox.question(self, "Replace model?", f"A model named {path.stem} exists. Replace it?")
        return answer == QMessageBox.StandardButton.Yes

    def start(self) -> bool:
        if self.runner.busy:
            return False
        req = self.request()
        path = Path(req.out)
        if path.exists() and not self.confirm_overwrite(path):
            self.status.setText("Not started: choose another name.")
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        self.curves.clear()
        self._failure = None
        self.progress.setRange(0, req.steps)
        self.progress.setValue(0)
        self.status.setText(f"Starting {req.fusion} ({req.recipe}) → {path.name} ...")
        self._set_running(True)
        self.runner.start(req)
        return True

    def cancel(self) -> None:
        if self.runner.busy:
            self.status.setText("Cancelling after the current step ...")
            self.runner.cancel()

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for w in (self.fusion, self.recipe, self.steps, self.lr, self.seed, self.device, self.sharing, self.grounding, self.name):
            w.setEnabled(not running)

    def _on_progress(self, p) -> None:
        self.progress.setValue(p.step)
        self.curves.append(p.step, p.loss, p.accuracy, p.hard_accuracy)
        hard = "" if math.isnan(p.hard_accuracy) else f", hard negatives {p.hard_accuracy:.0%}"
        self.status.setText(
            f"step {p.step}/{p.total}: loss {p.loss:.3f}, accuracy {p.accuracy:.0%}{hard} · "
            f"elapsed {format_seconds(p.elapsed)}, about {format_seconds(p.eta)} left"
        )

    _failure = None  # why the current run stopped, when it failed

    def _on_failed(self, message: str) -> None:
        self._failure = message
        self.status.setText(message)

    def _on_finished(self, outcome: TrainOutcome) -> None:
        self.last_outcome = outcome
        self._set_running(False)
        if self._failure:  # e.g. a NaN loss: the reason stays on screen, the kept checkpoint is not opened
            self.status.setText(self._failure)
        elif outcome.path:
            what = "Cancelled" if outcome.cancelled else "Finished"
            self.status.setText(f"{what} after {outcome.steps} steps: saved {Path(outcome.path).name}; it is now in the model list.")
            self.model_trained.emit(outcome.path)
        elif outcome.cancelled:
            self.status.setText(f"Cancelled after {outcome.steps} steps, before the first checkpoint: nothing was saved.")

    def shutdown(self) -> bool:
        return self.runner.shutdown()
