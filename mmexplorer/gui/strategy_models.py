"""Which model each fusion button (and Compare) uses: the bundled one unless the user picked another, explicitly.

Opening a model folder, a hub id or a freshly trained checkpoint only explores
it; it never takes over a fusion button behind the user's back (a half-trained
model once replaced bundled early in Compare, and stayed after a restart). A
pick is made in Probe › Models per strategy… (or "Use this model for its
fusion button"), shown there as a list the user can reset to the bundled
models, and remembered across restarts.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout

from mmexplorer import families
from mmexplorer.gui.i18n.terms import fusion_name

SETTINGS_KEY = "strategy/{category}"  # explorer.ini; the older "fusion/<category>" keys were set silently and are dropped
OLD_SETTINGS_KEY = "fusion/{category}"


def current_category(state) -> Optional[str]:
    """The fusion category of the model now loaded (a pretrained family's, from its spec)."""
    info = state.model_info
    return None if info is None else info.spec.get("category", info.fusion)


def bundled_model(state, category: str) -> Optional[str]:
    entry = state.catalog.for_fusion(category) if state.catalog is not None else None
    return entry.name if entry is not None else None


def choices(state, category: str) -> list[str]:
    """The models a category's button can use: the catalog's of that strategy, the model now loaded when it is
    of that strategy, and the current pick."""
    out = [m.name for m in (state.catalog.models if state.catalog else ()) if m.fusion == category]
    if current_category(state) == category and state.model and state.model not in out:
        out.append(state.model)
    picked = state.fusion_models.get(category)
    if picked and picked not in out:
        out.append(picked)
    return out


def restore(state, settings) -> None:
    state.set_fusion_models({c: settings.get(SETTINGS_KEY.format(category=c)) for c in families.bundled_names()})


def save(state, settings) -> None:
    for category in families.bundled_names():
        settings.q.remove(OLD_SETTINGS_KEY.format(category=category))
        settings.set(SETTINGS_KEY.format(category=category), state.fusion_models.get(category, ""))


class StrategyModelsDialog(QDialog):
    """One row per fusion strategy: the model its button and Compare use; "Reset to bundled" clears every pick."""

    def __init__(self, state, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.setWindowTitle(self.tr("Models per strategy"))
        intro = QLabel(self.tr("The model each fusion button switches to, and that Compare runs for that strategy. "
                               "Opening a model only explores it; pick it here to keep it on its button."))
        intro.setWordWrap(True)
        form = QFormLayout()
        self.boxes: dict[str, QComboBox] = {}
        for category in families.bundled_names():
            box = QComboBox()
            bundled = bundled_model(state, category)
            box.addItem(self.tr("bundled ({model})").format(model=bundled) if bundled else self.tr("none installed"), "")
            for name in choices(state, category):
                if name != bundled:
                    box.addItem(name, name)
            picked = state.fusion_models.get(category, "")
            box.setCurrentIndex(max(0, box.findData(picked)))
            form.addRow(fusion_name(category), box)
            self.boxes[category] = box
        reset = QPushButton(self.tr("Reset to bundled"))
        reset.clicked.connect(self.reset)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(reset, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def reset(self) -> None:
        for box in self.boxes.values():
            box.setCurrentIndex(0)

    def picks(self) -> dict[str, str]:
        return {c: box.currentData() for c, box in self.boxes.items() if box.currentData()}

    def accept(self) -> None:
        self.state.set_fusion_models(self.picks())
        super().accept()


class StrategyModelsMenu(QObject):
    """Probe › Models per strategy…, and Probe › Use this model for its fusion button."""

    def __init__(self, state, window, menu, parent=None) -> None:
        super().__init__(parent)
        self.state, self.window = state, window
        menu.addSeparator()
        self.use_action = QAction(self.tr("&Use this model for its fusion button"), window)
        self.use_action.setStatusTip(self.tr("The fusion button of this model's strategy, and Compare, use it from now on"))
        self.use_action.triggered.connect(self.use_current)
        menu.addAction(self.use_action)
        self.dialog_action = QAction(self.tr("&Models per strategy…"), window)
        self.dialog_action.setStatusTip(self.tr("Which model each fusion button and Compare use; reset to the bundled models"))
        self.dialog_action.triggered.connect(self.open_dialog)
        menu.addAction(self.dialog_action)
        for signal in (state.model_info_changed, state.fusion_models_changed, state.catalog_changed):
            signal.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        category = current_category(self.state)
        model = self.state.model
        already = self.state.fusion_models.get(category) == model or (
            category not in self.state.fusion_models and bundled_model(self.state, category) == model)
        self.use_action.setEnabled(bool(category and model and category in families.bundled_names() and not already))
        if category in families.bundled_names() and model:
            self.use_action.setText(self.tr("&Use {model} for the {fusion} button").format(model=model, fusion=fusion_name(category)))

    def use_current(self) -> None:
        category = current_category(self.state)
        if category in families.bundled_names() and self.state.model:
            picks = dict(self.state.fusion_models)
            picks[category] = self.state.model
            self.state.set_fusion_models(picks)
            self.state.post_message(self.tr("The {fusion} button and Compare now use {model} (Probe › Models per strategy… "
                                            "resets it).").format(fusion=fusion_name(category), model=self.state.model), "info")

    def open_dialog(self) -> bool:
        return StrategyModelsDialog(self.state, self.window).exec() == QDialog.DialogCode.Accepted
