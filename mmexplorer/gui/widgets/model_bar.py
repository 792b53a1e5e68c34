"""Model, fusion strategy and device pickers, and the Run button."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QLabel, QPushButton, QWidget

from mmexplorer import families
from mmexplorer.gui.i18n.terms import device_name, fusion_name, fusion_phrase, source_name
from mmexplorer.gui.state import AppState
from mmexplorer.gui.widgets.flow_layout import FlowLayout, keep_together

OPEN_CHECKPOINT = "__open__"


class ModelBar(QWidget):
    open_checkpoint = Signal()
    run_requested = Signal()

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = QComboBox()
        self.model.setMinimumContentsLength(18)
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.model.setToolTip(self.tr("Bundled models, your trained models (in the user models folder), or any checkpoint file"))
        self.model.activated.connect(self._model_picked)
        self.fusion = QButtonGroup(self)
        self.fusion.setExclusive(True)
        self.fusion_buttons: dict[str, QPushButton] = {}
        # a narrow window wraps the bar onto two lines instead of growing past the screen
        layout = FlowLayout(self, spacing=10)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(keep_together(QLabel(self.tr("Model:")), self.model))
        buttons = [QLabel(self.tr("Fusion:"))]
        for fusion in families.bundled_names():
            button = QPushButton(fusion_name(fusion))
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, f=fusion: self._fusion_picked(f))
            self.fusion.addButton(button)
            self.fusion_buttons[fusion] = button
            buttons.append(button)
        layout.addWidget(keep_together(*buttons))
        self.device = QComboBox()
        self.device.setToolTip(self.tr("Where the model runs; Auto picks a GPU when there is one"))
        self.device.activated.connect(lambda i: state.set_inputs(device=self.device.itemData(i)))
        self.run = QPushButton(self.tr("Run"))
        self.run.setToolTip(self.tr("Run the model again on the current picture and text (Ctrl+R)"))
        self.run.clicked.connect(self.run_requested)
        layout.addWidget(keep_together(QLabel(self.tr("Device:")), self.device, self.run))
        self.refill()
        state.catalog_changed.connect(self.refill)
        state.inputs_changed.connect(self.sync)
        state.model_info_changed.connect(self.sync)
        state.result_changed.connect(self.sync)  # a CPU fallback changes the device without a new request
        state.fusion_models_changed.connect(self._fusion_tooltips)

    def refill(self) -> None:
        catalog = self.state.catalog
        self.model.clear()
        if catalog is not None:
            for entry in catalog.models:
                self.model.addItem(self.tr("{name}  ({fusion}, {source})").format(name=entry.name, fusion=fusion_name(entry.fusion),
                                                                                   source=source_name(entry.source)), entry.name)
            if not catalog.models and not self.state.model:
                self.model.addItem(self.tr("no models installed"), "")
            if self.state.model and catalog.find(self.state.model) is None:
                self.model.addItem(self.tr("{model}  (file)").format(model=self.state.model), self.state.model)
        else:
            self.model.addItem(self.tr("loading models…"), "")
        self.model.addItem(self.tr("Open checkpoint…"), OPEN_CHECKPOINT)
        self.device.clear()
        for device in (catalog.devices if catalog else ("auto", "cpu")):
            self.device.addItem(device_name(device), device)
        self._fusion_tooltips()
        self.sync()

    def _fusion_target(self, fusion: str) -> Optional[str]:
        """The model a fusion button switches to: the user's pick for that strategy, else the first listed (bundled)."""
        remembered = self.state.fusion_models.get(fusion)
        if remembered:
            return remembered
        entry = self.state.catalog.for_fusion(fusion) if self.state.catalog else None
        return entry.name if entry else None

    def _fusion_tooltips(self) -> None:
        for fusion, button in self.fusion_buttons.items():
            target = self._fusion_target(fusion)
            button.setEnabled(target is not None)
            button.setToolTip(
                self.tr("Switch to {model} ({fusion}) and probe the same input").format(model=target, fusion=fusion_phrase(fusion))
                if target else self.tr("No {fusion} model installed; train one: {command}").format(
                    fusion=fusion_name(fusion), command=f"mmexplorer train --fusion {fusion} --out {fusion}.safetensors")
            )

    def sync(self) -> None:
        """Show the state's current model, fusion and device."""
        index = self.model.findData(self.state.model)
        if index < 0 and self.state.model is not None and self.state.catalog is not None:
            self.model.insertItem(self.model.count() - 1, self.tr("{model}  (file)").format(model=self.state.model), self.state.model)
            index = self.model.findData(self.state.model)
        if index >= 0:
            self.model.setCurrentIndex(index)
        index = self.device.findData(self.state.device)
        if index >= 0:
            self.device.setCurrentIndex(index)
        info = self.state.model_info
        fusion = info.spec.get("category", info.fusion) if info else None  # a pretrained family's category
        if fusion is None and self.state.catalog and self.state.model:
            entry = self.state.catalog.find(self.state.model)
            fusion = entry.fusion if entry else None
        for name, button in self.fusion_buttons.items():
            button.setChecked(name == fusion)
        self._fusion_tooltips()

    def _model_picked(self, index: int) -> None:
        data = self.model.itemData(index)
        if data == OPEN_CHECKPOINT:
            self.sync()  # keep showing the current model until a file is chosen
            self.open_checkpoint.emit()
        elif data:
            self.state.set_inputs(model=data)

    def _fusion_picked(self, fusion: str) -> None:
        info = self.state.model_info
        if info is not None and info.spec.get("category", info.fusion) == fusion and self.state.model in (info.name, info.path):
            return  # already there
        target = self._fusion_target(fusion)
        if target is not None:
            self.state.set_inputs(model=target)
