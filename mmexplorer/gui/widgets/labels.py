"""Word-wrapped labels that keep their height while their text changes."""

from __future__ import annotations

from PySide6.QtCore import QEvent
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


class SteadyLabel(QLabel):
    """A word-wrapped label as tall as the tallest of the texts it is told to expect.

    `wrapped_label` reserves a number of lines; that is not enough where one
    text of a series wraps and its neighbours do not (at some widths "layer 10
    of 0–11, mean over heads" takes two lines where "layer 9" takes one). The
    extra line would shrink the plot below it, which then lays out its axes
    again and repaints everything: several times the cost of the switch itself.
    Measured on a ruler label, so the text shown is never touched.
    """

    _ruler = None  # until __init__ makes it: Qt may deliver a change event while the label is being built

    def __init__(self, lines: int = 1) -> None:
        super().__init__()
        self.setWordWrap(True)
        self._lines = lines
        self._expected: tuple[str, ...] = ()
        # measures the expected texts at this label's width; a hidden child, not a window of its own
        self._ruler = QLabel(self)
        self._ruler.hide()
        self._ruler.setWordWrap(True)
        self._reserve()

    def expect(self, texts) -> None:
        """Keep the height of the tallest of `texts` (at the current width, and again after every resize)."""
        texts = tuple(texts)
        if texts != self._expected:
            self._expected = texts
            self._reserve()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._reserve()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name): a new font or style changes every height
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._reserve()

    def _reserve(self) -> None:
        if self._ruler is None:
            return
        margins = self.contentsMargins()
        height = self._lines * self.fontMetrics().lineSpacing() + margins.top() + margins.bottom()
        if self._expected:
            ruler = self._ruler
            ruler.setFont(self.font())
            ruler.setContentsMargins(margins)
            ruler.setMargin(self.margin())
            ruler.setIndent(self.indent())
            ruler.setTextFormat(self.textFormat())
            for text in self._expected:
                ruler.setText(text)
                height = max(height, ruler.heightForWidth(self.width()))
        if height != self.minimumHeight():
            self.setMinimumHeight(height)
