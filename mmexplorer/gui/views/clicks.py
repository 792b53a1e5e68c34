"""A click that picks, told apart from the first click of a double-click (which resets the zoom).

Qt reports the first press of a double-click as a click of its own. Picking on
it meant a double-click meant to reset the zoom also picked a patch or cell,
opened the cell panel and reflowed the window. A click now picks only once the
double-click interval has passed without a second click.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication


class SingleClicks(QObject):
    """Feed it the scene's mouse clicks; `pick(target)` is called for single clicks only, with what `hit(scene_pos)`
    found under the pointer when it was clicked (the view may move before the pick: what was clicked counts)."""

    def __init__(self, hit: Callable[[Any], Optional[Any]], pick: Callable[[Any], None], parent=None) -> None:
        super().__init__(parent)
        self.hit, self.pick = hit, pick
        self.pending: Optional[Any] = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(QApplication.doubleClickInterval())
        self.timer.timeout.connect(self._fire)

    def clicked(self, event) -> None:
        if event.double():  # the second click: the first was half of a double-click, not a pick
            self.timer.stop()
            self.pending = None
            return
        self.pending = self.hit(event.scenePos())
        if self.pending is not None:
            self.timer.start()

    def _fire(self) -> None:
        target, self.pending = self.pending, None
        if target is not None:
            self.pick(target)
