"""Ctrl+V in the caption box pastes a picture when the clipboard holds one and no text.

The caption box has the keyboard focus most of the time, and QLineEdit takes the
paste shortcut for itself; without this a user who copied a picture and pressed
Ctrl+V saw nothing happen. Text on the clipboard still pastes as text.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QGuiApplication, QKeySequence


def clipboard_has_picture_only() -> bool:
    mime = QGuiApplication.clipboard().mimeData()
    if mime is None or mime.hasText() and mime.text().strip() and not mime.hasUrls():
        return False
    return mime.hasImage() or mime.hasUrls()


class PictureOnPaste(QObject):
    """An event filter for a text box: a paste with a picture (and no text) goes to `paste_picture`."""

    def __init__(self, paste_picture: Callable[[], object], parent=None) -> None:
        super().__init__(parent)
        self._paste_picture = paste_picture

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress) and event.matches(QKeySequence.StandardKey.Paste):
            if clipboard_has_picture_only():
                if kind == QEvent.Type.KeyPress:
                    self._paste_picture()
                event.accept()
                return kind == QEvent.Type.KeyPress  # the override is accepted, the key press consumed
        return False
