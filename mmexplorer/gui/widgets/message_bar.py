"""A strip above the views that says what went wrong (or what the app did for the user)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from mmexplorer.gui.state import AppState

STYLES = {
    "error": "background: #fdecea; color: #8a1f11; border: 1px solid #f5c2bb;",
    "warning": "background: #fff6e0; color: #7a5200; border: 1px solid #f0d9a0;",
    "info": "background: #eaf4fd; color: #114a7a; border: 1px solid #bcd9f2;",
}
INFO_MS = 6000  # info notes fade by themselves; errors stay until dismissed or fixed


class MessageBar(QFrame):
    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(self.tr("Dismiss"))
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.level = "info"
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        self.hide()
        state.message.connect(self.show_message)
        state.message_withdrawn.connect(self.withdraw)
        state.result_changed.connect(self._clear_errors)

    def show_message(self, text: str, level: str = "info") -> None:
        self.level = level
        self.label.setText(text)
        self._place()
        self.setObjectName("messageBar")
        self.setStyleSheet(f"QFrame#messageBar {{ {STYLES.get(level, STYLES['info'])} border-radius: 4px; }}")
        self.show()
        if level == "info":
            self._timer.start(INFO_MS)
        else:
            self._timer.stop()

    def withdraw(self, text: str) -> None:
        """Hide the bar if it still says `text` (a later message stays)."""
        if self.label.text() == text:
            self.hide()

    def _clear_errors(self) -> None:
        if self.level == "error":
            self.hide()

    # -- an overlay, not a row of the layout --------------------------------
    # In a layout the bar grew the window when it appeared (pushing the status bar off
    # screen) and moved everything under the mouse when it went. Floating over the bottom
    # of `target` it changes no other widget's geometry.
    def float_over(self, target) -> None:
        self._target = target
        self.setParent(target.parentWidget())
        target.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is getattr(self, "_target", None) and event.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            self._place()
        return False

    def _place(self) -> None:
        target = getattr(self, "_target", None)
        if target is None:
            return
        area = target.geometry()
        width = max(200, area.width() - 24)
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        height = max(height, self.sizeHint().height())
        # along the bottom of the work area: the controls at its top stay usable while a note is shown
        self.setGeometry(area.x() + (area.width() - width) // 2, area.y() + area.height() - height - 4, width, height)
        self.raise_()

    def showEvent(self, event) -> None:  # noqa: N802
        self._place()
        super().showEvent(event)

    @property
    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""
