"""A strip of the bundled sample pictures; picking one loads it with its caption."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from mmexplorer.gui.samples import SampleImage, list_samples

THUMB = 56


class SampleGallery(QListWidget):
    picked = Signal(object)  # SampleImage

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setSpacing(3)
        self.setToolTip(self.tr("Bundled sample pictures: click one to load it with its caption"))
        self.samples: list[SampleImage] = list_samples()
        for sample in self.samples:
            pixmap = QPixmap(str(sample.path)).scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                                       Qt.TransformationMode.SmoothTransformation)
            item = QListWidgetItem(QIcon(pixmap), "")
            item.setToolTip(f"{sample.title}: “{sample.text}”")
            item.setSizeHint(QSize(THUMB + 8, THUMB + 8))
            self.addItem(item)
        rows = 2 if len(self.samples) > 4 else 1
        self.setFixedHeight(rows * (THUMB + 14) + 6)
        self.itemClicked.connect(lambda item: self.picked.emit(self.samples[self.row(item)]))

    def show_source(self, source: str) -> None:
        """Highlight the sample `source` is (none if it is another picture), so the strip never points at a stale one."""
        row = next((i for i, sample in enumerate(self.samples) if str(sample.path) == source), -1)
        if row < 0:
            self.clearSelection()
            self.setCurrentRow(-1)
        elif row != self.currentRow():
            self.setCurrentRow(row)
