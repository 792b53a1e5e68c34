"""A strip above the views while saved work is shown: whose record it is, and how to run its model again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from mmexplorer.gui.i18n.terms import fusion_phrase
from mmexplorer.gui.state import AppState


class SavedBanner(QFrame):
    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.setObjectName("savedBanner")
        self.setStyleSheet("QFrame#savedBanner { background: #f1ecfb; color: #3b2a6b; border: 1px solid #d3c6ef; "
                           "border-radius: 4px; }")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.back = QPushButton(self.tr("Back to the live model"))
        self.back.setToolTip(self.tr("Leave the saved work and run the model in the model bar on this picture and text"))
        self.back.clicked.connect(lambda: state.leave_saved())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.back)
        state.saved_changed.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        work = self.state.saved
        self.setVisible(work is not None)
        if work is None:
            return
        self.label.setText(self.tr("Saved work: {source}, made by the model {model} ({fusion}). The model controls are "
                                   "off while it is shown. {hint}").format(
            source=work.source, model=work.model, fusion=fusion_phrase(work.fusion), hint=work.reopen_hint()))
