"""A window stepping through a batch probe's results store: pair k's stored word map over its picture.

Reads the store with h5py in this process (numpy only, no torch); the picture
comes from the path the probe recorded in the pair's meta.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from mmexplorer.attention.store import ResultsStore, StoreError
from mmexplorer.data.image import ImageError, load_image
from mmexplorer.gui.views.image_panel import ImagePanel


class StoreBrowser(QDialog):
    """Previous / next through the stored pairs; a word picker for the map laid over the picture."""

    def __init__(self, parent: Optional[QWidget] = None, cmap: str = "inferno") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Results store"))
        self.resize(640, 560)
        self.cmap = cmap
        self.store: Optional[ResultsStore] = None
        self.indices: list[int] = []
        self.position = 0
        self.arrays: dict = {}
        self.panel = ImagePanel(self)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.words = QComboBox()
        self.words.setToolTip(self.tr("The word whose stored map is shown"))
        self.words.currentIndexChanged.connect(self._draw_map)
        self.previous = QPushButton(self.tr("◀ Previous"))
        self.next = QPushButton(self.tr("Next ▶"))
        self.previous.clicked.connect(lambda: self.step(-1))
        self.next.clicked.connect(lambda: self.step(1))
        self.where = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.previous)
        row.addWidget(self.where, 1, Qt.AlignmentFlag.AlignCenter)
        row.addWidget(QLabel(self.tr("Word:")))
        row.addWidget(self.words)
        row.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.addWidget(self.caption)
        layout.addWidget(self.panel, 1)
        layout.addWidget(self.notice)
        layout.addLayout(row)
        self._enable()

    # -- opening ------------------------------------------------------
    def open_folder(self, folder: str | Path) -> bool:
        """Open a run's output folder; False (with the reason shown) when it holds no readable store."""
        self.close_store()
        try:
            self.store = ResultsStore(folder)
        except (StoreError, OSError) as exc:
            self.notice.setText(self.tr("Cannot open {0}: {1}").format(str(folder), str(exc)))
            self._enable()
            return False
        self.indices = self.store.indices()
        self.setWindowTitle(self.tr("Results store — {0}").format(str(folder)))
        self.show_position(0)
        return True

    def close_store(self) -> None:
        if self.store is not None:
            self.store.close()
        self.store, self.indices, self.arrays = None, [], {}

    def done(self, result: int) -> None:  # closing the window releases the files
        self.close_store()
        super().done(result)

    # -- stepping -----------------------------------------------------
    @property
    def index(self) -> Optional[int]:
        """The pair index (line order in the pairs file) shown, None when nothing is."""
        return self.indices[self.position] if self.indices else None

    def step(self, by: int) -> None:
        if self.indices:
            self.show_position(min(max(self.position + by, 0), len(self.indices) - 1))

    def show_position(self, position: int) -> None:
        self.notice.clear()
        if not self.indices:
            self.notice.setText(self.tr("The store holds no finished pairs."))
            self.panel.set_picture(None)
            self._enable()
            return
        self.position = position
        try:
            self.arrays = self.store.arrays(self.index)
            meta = json.loads(str(self.arrays["meta"]))
        except (KeyError, OSError, ValueError) as exc:
            self.arrays, meta = {}, {}
            self.notice.setText(self.tr("Pair {0} cannot be read: {1}").format(self.index, str(exc)))
        self.meta = meta
        self.caption.setText(self.tr("Pair {0}: “{1}” ({2})").format(self.index, meta.get("text", ""), meta.get("model", "?")))
        self.where.setText(self.tr("{0} of {1}").format(self.position + 1, len(self.indices)))
        pixels = None
        source = meta.get("image_source")
        if source:
            try:
                pixels = load_image(source).pixels
            except ImageError as exc:
                self.notice.setText(self.tr("The picture is not available ({0}); the map is shown on its own.").format(str(exc)))
        if pixels is None:
            width, height = meta.get("image_size", [1, 1])
            pixels = np.full((int(height), int(width), 3), 230, np.uint8)
        self.panel.set_picture(pixels)
        tokens = [str(t) for t in self.arrays.get("tokens", [])]
        self.words.blockSignals(True)
        self.words.clear()
        self.words.addItems([f"{i}: {t}" for i, t in enumerate(tokens)])
        self.words.blockSignals(False)
        self._enable()
        self._draw_map()

    def _draw_map(self) -> None:
        maps = self.arrays.get("token_to_image")
        word = self.words.currentIndex()
        if maps is None or word < 0 or word >= len(maps):
            self.panel.set_map(None, (1, 1), (0, 0, 1, 1), (0, 1), self.cmap, 0.6)
            return
        m = np.asarray(maps[word], dtype=np.float32)  # [rows, cols]
        high = float(m.max()) if m.size and float(m.max()) > 0 else 1.0
        levels = (min(0.0, float(m.min())), high)
        self.panel.set_map(m, m.shape, self.meta.get("image_box", (0, 0, 1, 1)), levels, self.cmap, 0.6)

    def _enable(self) -> None:
        n = len(self.indices)
        self.previous.setEnabled(n > 0 and self.position > 0)
        self.next.setEnabled(n > 0 and self.position < n - 1)
        self.words.setEnabled(self.words.count() > 0)
