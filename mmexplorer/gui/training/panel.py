"""The training panel: choose a recipe and options, Start / Cancel, progress with ETA, live curves.

A finished (or cancelled-with-checkpoint) model is written to the user's model
folder and announced through `model_trained`, so the explorer can list and open it.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
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

from mmexplorer import families
from mmexplorer.protocol.recipes import RECIPES, recipe_defaults
from mmexplorer.gui.i18n.terms import device_name, fusion_name
from mmexplorer.gui.training.curves import SMOOTHING, Curves
from mmexplorer.gui.training.eta import Countdown
from mmexplorer.gui.training.worker import TrainOutcome, TrainRequest, TrainRunner

FIRST_RECIPE = "quick"  # the preset the panel opens with: localised maps within minutes


SHARING = {QT_TRANSLATE_NOOP("TrainingPanel", "single task"): (("itm",), "hard"),
           QT_TRANSLATE_NOOP("TrainingPanel", "two tasks, hard sharing"): (("itm", "vqa"), "hard"),
           QT_TRANSLATE_NOOP("TrainingPanel", "two tasks, soft sharing"): (("itm", "vqa"), "soft")}
# recipe name -> what it is, shown in the interface's language (the engine's own descriptions are English)
RECIPE_NOTES = {
    "default": QT_TRANSLATE_NOOP("TrainingPanel", "the bundled models: matching + grounding, about 10 minutes on 2 CPU cores"),
    "quick": QT_TRANSLATE_NOOP("TrainingPanel", "in-app preset: visibly localised maps in about 5 minutes on 2 idle CPU cores (longer on a busy machine)"),
    "no-grounding": QT_TRANSLATE_NOOP("TrainingPanel", "matching loss alone, to compare attention with and without grounding"),
    "multitask": QT_TRANSLATE_NOOP("TrainingPanel", "matching + grounding + question answering, hard parameter sharing"),
    "binding": QT_TRANSLATE_NOOP("TrainingPanel", "English and Chinese captions, more scenes that share words, swapped-colour negatives, pictures of other shapes"),
}


def format_seconds(s: float) -> str:
    if not math.isfinite(s):
        return "?"
    s = int(round(s))
    return f"{s // 60}:{s % 60:02d}" if s < 3600 else f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class TrainingPanel(QWidget):
    model_trained = Signal(str)  # path of a finished model in the user's model folder: open it
    model_saved = Signal(str)  # path of a cancelled run's last checkpoint: list it, do not open it

    def __init__(self, models_dir: Callable[[], Path], devices: tuple[str, ...] = ("auto", "cpu"), parent=None,
                 confirm_overwrite: Optional[Callable[[Path], bool]] = None,
                 confirm_quit: Optional[Callable[[str], bool]] = None) -> None:
        super().__init__(parent)
        self.models_dir = models_dir
        self.confirm_overwrite = confirm_overwrite or self._ask_overwrite
        self.confirm_quit = confirm_quit or self._ask_quit  # (what is running) -> quit anyway?
        self.runner = TrainRunner(self)
        self.runner.worker.progress.connect(self._on_progress)
        self.runner.worker.finished.connect(self._on_finished)
        self.runner.worker.failed.connect(self._on_failed)

        self.fusion = QComboBox()
        for fusion in families.bundled_names():
            self.fusion.addItem(fusion_name(fusion), fusion)
        self.recipe = QComboBox()
        # the combo names the recipe; its description is wrapped below (a long combo would widen the whole window)
        self.recipe_note = QLabel()
        self.recipe_note.setWordWrap(True)
        self.recipe_note.setObjectName("note")
        for key, (description, _) in RECIPES.items():
            note = self.tr(RECIPE_NOTES[key]) if key in RECIPE_NOTES else description
            self.recipe.addItem(key, key)
            self.recipe.setItemData(self.recipe.count() - 1, note, Qt.ItemDataRole.ToolTipRole)
        self.recipe.setCurrentIndex(self.recipe.findData(FIRST_RECIPE))
        self.recipe.currentIndexChanged.connect(self._recipe_defaults)
        self.recipe.currentIndexChanged.connect(self._show_recipe_note)
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
        for label in SHARING:
            self.sharing.addItem(self.tr(label), label)
        self.grounding = QCheckBox(self.tr("grounding supervision (words → object boxes)"))
        self.grounding.setChecked(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("model name (default: fusion + time)"))

        form = QFormLayout()
        form.addRow(self.tr("fusion"), self.fusion)
        form.addRow(self.tr("recipe"), self.recipe)
        form.addRow("", self.recipe_note)
        form.addRow(self.tr("steps"), self.steps)
        form.addRow(self.tr("learning rate"), self.lr)
        form.addRow(self.tr("seed"), self.seed)
        form.addRow(self.tr("device"), self.device)
        form.addRow(self.tr("tasks"), self.sharing)
        form.addRow("", self.grounding)
        form.addRow(self.tr("save as"), self.name)

        self.start_button = QPushButton(self.tr("Start training"))
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)

        self.progress = QProgressBar()
        self.progress.setFormat(self.tr("%v / %m steps"))
        self.status = QLabel(self.tr("Pick a fusion strategy and a recipe, then Start."))
        self.status.setWordWrap(True)
        self.curves = Curves()
        self.eta = Countdown()  # the time left, counting down only

        top = QHBoxLayout()
        left = QVBoxLayout()
        left.addLayout(form)
        left.addLayout(buttons)
        left.addStretch(1)
        form_box = QWidget()  # the form keeps a steady width; the progress and curves take the rest
        form_box.setLayout(left)
        form_box.setMaximumWidth(420)
        top.addWidget(form_box, 0)
        right = QVBoxLayout()
        right.addWidget(self.progress)
        right.addWidget(self.status)
        right.addWidget(self.curves, 1)
        top.addLayout(right, 1)
        self.setLayout(top)
        self._recipe_defaults()
        self._show_recipe_note()
        self.last_outcome: Optional[TrainOutcome] = None
        self.overrides: dict = {}  # extra TrainSettings fields (tests use a tiny model)

    # -- options ---------------------------------------------------------
    def set_devices(self, devices) -> None:
        current = self.device.currentData()
        self.device.clear()
        for device in devices:
            self.device.addItem(device_name(device), device)
        if current in devices:
            self.device.setCurrentIndex(self.device.findData(current))

    def _show_recipe_note(self, *_args) -> None:
        self.recipe_note.setText(self.recipe.itemData(self.recipe.currentIndex(), Qt.ItemDataRole.ToolTipRole) or "")

    def _recipe_defaults(self) -> None:
        steps, lr = recipe_defaults(self.recipe.currentData())
        self.steps.setValue(steps)
        self.lr.setValue(lr)
        self.grounding.setChecked(self.recipe.currentData() != "no-grounding")
        if self.recipe.currentData() == "multitask":
            self.sharing.setCurrentIndex(self.sharing.findData("two tasks, hard sharing"))

    def output_path(self) -> Path:
        name = self.name.text().strip() or f"{self.fusion.currentData()}-{datetime.datetime.now():%Y%m%d-%H%M%S}"
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return self.models_dir() / f"{safe}.safetensors"

    def request(self) -> TrainRequest:
        tasks, sharing = SHARING[self.sharing.currentData()]
        return TrainRequest(
            recipe=self.recipe.currentData(),
            fusion=self.fusion.currentData(),
            steps=self.steps.value(),
            lr=self.lr.value(),
            seed=self.seed.value(),
            device=self.device.currentData(),
            tasks=tasks,
            sharing=sharing,
            grounding=self.grounding.isChecked(),
            out=str(self.output_path()),
            extra=tuple(self.overrides.items()),
        )

    # -- running ---------------------------------------------------------
    def _ask_overwrite(self, path: Path) -> bool:
        answer = QMessageBox.question(self, self.tr("Replace model?"), self.tr("A model named {name} exists. Replace it?").format(name=path.stem))
        return answer == QMessageBox.StandardButton.Yes

    def _ask_quit(self, what: str) -> bool:
        answer = QMessageBox.question(self, self.tr("Quit while training?"),
                                      self.tr("{what} is still training. Quit anyway? The run stops and is lost "
                                              "(a checkpoint already written stays in your models folder).").format(what=what),
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def may_quit(self) -> bool:
        """Whether the window may close now: always when idle, during a run only if the user agrees."""
        if not self.runner.busy:
            return True
        return self.confirm_quit(self.tr("{file} ({step} of {total} steps)").format(
            file=Path(self.request().out).name, step=self.progress.value(), total=self.progress.maximum()))

    def start(self) -> bool:
        if self.runner.busy:
            return False
        req = self.request()
        path = Path(req.out)
        if path.exists() and not self.confirm_overwrite(path):
            self.status.setText(self.tr("Not started: choose another name."))
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        self.curves.clear()
        self._failure = None
        self.eta.reset()
        self.progress.setRange(0, req.steps)
        self.progress.setValue(0)
        self.status.setText(self.tr("Starting {fusion} ({recipe}) → {file} ...").format(fusion=fusion_name(req.fusion), recipe=req.recipe, file=path.name))
        self._set_running(True)
        self.runner.start(req)
        return True

    def cancel(self) -> None:
        if self.runner.busy:
            self.status.setText(self.tr("Cancelling after the current step ..."))
            self.runner.cancel()

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        for w in (self.fusion, self.recipe, self.steps, self.lr, self.seed, self.device, self.sharing, self.grounding, self.name):
            w.setEnabled(not running)

    def _on_progress(self, p) -> None:
        self.progress.setValue(p.step)
        self.curves.append(p.step, p.loss, p.accuracy, p.hard_accuracy)
        # the same running means the curves draw: one batch's accuracy jumps between 0% and 100%
        accuracy, hard_accuracy = self.curves.latest()
        hard = "" if math.isnan(hard_accuracy) else self.tr(", hard negatives {share}").format(share=f"{hard_accuracy:.0%}")
        self.status.setText(
            self.tr("step {step}/{total}: loss {loss}, accuracy {accuracy}").format(
                step=p.step, total=p.total, loss=f"{p.loss:.3f}", accuracy=f"{accuracy:.0%}") + hard
            + self.tr(" (means of the last {n} steps, as the curves)").format(n=SMOOTHING) + " · "
            + self.tr("elapsed {elapsed}, about {eta} left").format(elapsed=format_seconds(p.elapsed),
                                                                   eta=format_seconds(self.eta.update(p.step, p.total, p.elapsed)))
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
            if outcome.path:
                self.model_saved.emit(outcome.path)  # the last finite checkpoint: listed, not opened
        elif outcome.path and not outcome.cancelled:
            done = self.tr("Finished after {steps} steps: saved {file} and opened it.")
            self.status.setText(done.format(steps=outcome.steps, file=Path(outcome.path).name))
            self.model_trained.emit(outcome.path)
        elif outcome.path:
            # A half-trained model is not what anyone wants to explore next: keep the last
            # whole checkpoint in the list, but leave the current model as it is.
            kept = self.tr("Cancelled after {steps} steps. The last checkpoint is kept as {file} "
                           "(not opened; File › Delete user model removes it).")
            self.status.setText(kept.format(steps=outcome.steps, file=Path(outcome.path).name))
            self.model_saved.emit(outcome.path)
        elif outcome.cancelled:
            self.status.setText(self.tr("Cancelled after {steps} steps, before the first checkpoint: nothing was saved.").format(steps=outcome.steps))

    def follow_fusion(self, fusion: str) -> None:
        """Default the form to the strategy being explored, unless a run is going on."""
        if not self.runner.busy and fusion in families.bundled_names():
            self.fusion.setCurrentText(fusion)

    def shutdown(self) -> bool:
        return self.runner.shutdown()
