"""Status bar: model, fusion, device, last probe time, and a busy indicator."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from mmexplorer.gui.i18n.terms import fusion_name, fusion_phrase
from mmexplorer.gui.state import AppState


class StatusBar(QStatusBar):
    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate
        self.busy.setFixedWidth(90)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.model = QLabel()
        self.device = QLabel()
        self.timing = QLabel()
        for widget in (self.busy, self.model, self.device, self.timing):
            self.addPermanentWidget(widget)
        self.showMessage(self.tr("Starting the engine…"))
        state.busy_changed.connect(self._busy)
        state.model_info_changed.connect(self.refresh)
        state.result_changed.connect(self.refresh)
        state.catalog_changed.connect(self._catalog)

    def _busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        if busy:
            self.showMessage(self.tr("Running the model…") if self.state.model_info else self.tr("Loading PyTorch and the model…"))
        else:
            self.clearMessage()

    def _catalog(self) -> None:
        catalog = self.state.catalog
        self.showMessage(self.tr("{n} model(s) available").format(n=len(catalog.models)) if catalog and catalog.models
                         else self.tr("No models installed"), 4000)

    def refresh(self) -> None:
        info = self.state.model_info
        if info is not None:
            category = info.spec.get("category", info.fusion)
            what = self.tr("image only") if category == "image-only" else fusion_phrase(category)
            kind = what if category == info.fusion else f"{fusion_name(info.fusion)}, {what}"
            self.model.setText(self.tr("Model: {name} · {fusion}").format(name=info.name, fusion=kind))
        result = self.state.result
        device = result.device if result else (info.device if info else "")
        self.device.setText(self.tr("Device: {device}").format(device=device) if device else "")
        if result is not None:
            self.timing.setText(self.tr("Last probe: {ms} ms").format(ms=f"{result.seconds * 1000:.0f}"))
