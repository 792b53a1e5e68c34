"""A tab page that keeps a view's relayouts to itself.

Views change label texts on every word, layer and head. Each change asks the
widget's parents to lay out again, all the way up to the tab widget, which
answers by repainting its tab bar and frame: about a sixth of a view switch.
The page holds its view without a layout, so those requests stop here.

A page can also start empty and take its view later (`set_view`): the window
shows its tab bar before the views, which need pyqtgraph, are built.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget


class TabPage(QWidget):
    def __init__(self, view: QWidget | None = None, parent=None) -> None:
        super().__init__(parent)
        self.view: QWidget | None = None
        if view is not None:
            self.set_view(view)

    def set_view(self, view: QWidget) -> None:
        self.view = view
        view.setParent(self)
        view.setAutoFillBackground(True)  # opaque: repainting the view never repaints what is behind it
        view.setGeometry(self.rect())
        if self.isVisible():
            view.show()  # a child added to a page on screen stays hidden until told

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.view is not None:
            self.view.setGeometry(self.rect())

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.view.sizeHint() if self.view is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return self.view.minimumSizeHint() if self.view is not None else super().minimumSizeHint()
