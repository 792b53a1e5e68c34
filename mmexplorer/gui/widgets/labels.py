"""Word-wrapped labels that keep their height while their text changes."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def wrapped_label(text: str = "", lines: int = 1) -> QLabel:
    """A word-wrapped label with room for at least `lines` lines.

    Labels above a plot change text with every word, layer and head; if one
    wraps onto another line, the plot below shrinks and every axis and image in
    it is redrawn. Reserving the usual number of lines keeps the plot still.
    """
    label = QLabel(text)
    label.setWordWrap(True)
    margins = label.contentsMargins()
    label.setMinimumHeight(lines * label.fontMetrics().lineSpacing() + margins.top() + margins.bottom())
    return label
