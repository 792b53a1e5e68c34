"""The layout every attention view shares: a main column and a side column, side by side."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget


def column(*widgets: QWidget, stretch: tuple[QWidget, ...] = ()) -> QWidget:
    """Widgets stacked top to bottom without margins; those in `stretch` share the spare height."""
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if any(widget is w for w in stretch) else 0)
    return holder


def side_by_side(main: QWidget, side: QWidget) -> QSplitter:
    """`main` and `side` in a splitter the user can drag, starting at 3 : 2."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(main)
    splitter.addWidget(side)
    splitter.setStretchFactor(0, 3)
    splitter.setStretchFactor(1, 2)
    splitter.setSizes([3000, 2000])  # stretch factors only act on resizes; this sets the first split
    return splitter
