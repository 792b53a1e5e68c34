"""A batch probe's results store beside the views: a table of its pairs, stepped through with the arrow keys.

Reads the store with h5py in this process (numpy only, no torch) and the
summary table beside it. A pair stored with its attention (`--keep attention`
or `all`) is handed to every view as saved work (`pair_shown`); a pair stored
with its maps only shows its stored word map over its picture here. The
picture comes from the path the probe recorded in the pair's meta.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np
from PySide6.QtCore import QEvent, QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mmexplorer.attention.pairs_table import PairRow, PairsTableError, read_pairs_table
from mmexplorer.attention.store import ResultsStore, StoreError
from mmexplorer.data.image import ImageError, load_image
from mmexplorer.gui.pairs_model import PairsFilter, PairsModel
from mmexplorer.gui.views.image_panel import ImagePanel

STEP_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Home, Qt.Key.Key_End)


class PairsTable(QTableView):
    """The arrow keys move through the pairs even where the window binds them to layers (a shortcut)."""

    def event(self, e) -> bool:
        if e.type() == QEvent.Type.ShortcutOverride and e.key() in STEP_KEYS:
            e.accept()  # the key press comes to the table, not to the window's shortcut
            return True
        return super().event(e)


class StoreBrowser(QWidget):
    """The pairs of a run's output folder: sortable table, failures filter, the shown pair's stored map."""

    pair_shown = Signal(object, object, str)  # (AttentionRecord, its picture uint8 [H, W, 3] or None, where it is from)

    def __init__(self, parent: Optional[QWidget] = None, cmap: str = "inferno") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Results store"))
        self.cmap = cmap
        self.store: Optional[ResultsStore] = None
        self.folder = ""
        self.arrays: dict = {}
        self.meta: dict = {}
        self.pairs = PairsModel([], self)
        self.sorted = PairsFilter(self)
        self.sorted.setSourceModel(self.pairs)
        self.table = PairsTable()
        self.table.setModel(self.sorted)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _: self._show_row(current.row()))
        self.failures_only = QCheckBox(self.tr("Failures only"))
        self.failures_only.setToolTip(self.tr("Show only the pairs that failed, with their errors"))
        self.failures_only.toggled.connect(self._filter_failures)
        self.count = QLabel()
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
        top = QHBoxLayout()
        top.addWidget(self.failures_only)
        top.addWidget(self.count, 1, Qt.AlignmentFlag.AlignRight)
        row = QHBoxLayout()
        row.addWidget(self.previous)
        row.addWidget(self.where, 1, Qt.AlignmentFlag.AlignCenter)
        row.addWidget(QLabel(self.tr("Word:")))
        row.addWidget(self.words)
        row.addWidget(self.next)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.caption)
        lower_layout.addWidget(self.panel, 1)
        lower_layout.addWidget(self.notice)
        lower_layout.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self._enable()

    # -- opening ------------------------------------------------------
    def open_folder(self, folder: str | Path) -> bool:
        """Open a run's output folder; False (with the reason shown) when it holds no readable store."""
        self.close_store()
        self.notice.clear()
        try:
            self.store = ResultsStore(folder)
            rows = read_pairs_table(folder)
        except (StoreError, PairsTableError, OSError) as exc:
            self.close_store()
            self.notice.setText(self.tr("Cannot open {0}: {1}").format(str(folder), str(exc)))
            self._enable()
            return False
        listed = {r.index for r in rows}
        # stored pairs the summary does not list yet (a run killed before merging it)
        rows += [PairRow(k, "", "", "ok", "", None, None, None, None) for k in self.store.indices() if k not in listed]
        self.folder = str(folder)
        self.pairs.beginResetModel()
        self.pairs.rows = sorted(rows, key=lambda r: r.index)
        self.pairs.endResetModel()
        failed = sum(r.failed for r in self.pairs.rows)
        self.count.setText(self.tr("{0} pairs, {1} failed").format(len(self.pairs.rows), failed))
        self.setWindowTitle(self.tr("Results store — {0}").format(str(folder)))
        self.show_position(0)
        return True

    def close_store(self) -> None:
        if self.store is not None:
            self.store.close()
        self.store, self.arrays, self.meta = None, {}, {}
        self.pairs.beginResetModel()
        self.pairs.rows = []
        self.pairs.endResetModel()

    def closeEvent(self, event) -> None:  # noqa: N802  (closing the panel releases the files)
        self.close_store()
        super().closeEvent(event)

    # -- stepping -----------------------------------------------------
    @property
    def indices(self) -> list[int]:
        """The pair indices in the table's order (sorted and filtered as shown)."""
        return [self._row(p).index for p in range(self.sorted.rowCount())]

    @property
    def position(self) -> int:
        return max(self.table.currentIndex().row(), 0)

    @property
    def index(self) -> Optional[int]:
        """The pair index (line order in the pairs file) shown, None when nothing is."""
        current = self.table.currentIndex()
        return self._row(current.row()).index if current.isValid() else None

    def step(self, by: int) -> None:
        n = self.sorted.rowCount()
        if n:
            self.show_position(min(max(self.position + by, 0), n - 1))

    def show_position(self, position: int) -> None:
        """Select the table's row `position` (which shows its pair)."""
        if self.sorted.rowCount() == 0:
            self._show_row(-1)
            return
        index = self.sorted.index(position, 0)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        if index == self.table.currentIndex():
            self._show_row(position)
        else:
            self.table.selectionModel().setCurrentIndex(index, flags)  # currentRowChanged shows it
        self.table.scrollTo(index)

    def _row(self, position: int) -> PairRow:
        return self.pairs.row_of(self.sorted.mapToSource(self.sorted.index(position, 0)).row())

    def _filter_failures(self, on: bool) -> None:
        self.sorted.set_failures_only(on)
        self.show_position(0)

    def _show_row(self, position: int) -> None:
        self.notice.clear()
        self.arrays, self.meta = {}, {}
        if position < 0 or self.store is None:
            self.caption.clear()
            self.notice.setText(self.tr("The store holds no pairs.") if self.store is not None and not self.failures_only.isChecked()
                                else self.tr("No pair matches."))
            self.panel.set_picture(None)
            self._fill_words([])
            self._enable()
            return
        row = self._row(position)
        self.where.setText(self.tr("{0} of {1}").format(position + 1, self.sorted.rowCount()))
        if row.failed or row.index not in self.store:
            self.caption.setText(self.tr("Pair {0}: “{1}”").format(row.index, row.text))
            self.notice.setText(self.tr("Pair {0} failed: {1}").format(row.index, row.error) if row.failed
                                else self.tr("Pair {0} is not in the store.").format(row.index))
            self.panel.set_picture(None)
            self._fill_words([])
            self._enable()
            return
        try:
            self.arrays = self.store.arrays(row.index)
            meta = json.loads(str(self.arrays["meta"]))
            self.meta = meta if isinstance(meta, dict) else {}
        except (KeyError, OSError, ValueError) as exc:
            self.arrays, self.meta = {}, {}
            self.notice.setText(self.tr("Pair {0} cannot be read: {1}").format(row.index, str(exc)))
        meta = self.meta
        self.caption.setText(self.tr("Pair {0}: “{1}” ({2})").format(row.index, meta.get("text", row.text), meta.get("model", "?")))
        pixels = self._picture(meta)
        self.panel.set_picture(pixels)
        self._fill_words([str(t) for t in self.arrays.get("tokens", [])])
        self._enable()
        self._draw_map()
        if any(k.startswith("attn/") for k in self.arrays):
            self._hand_to_views(row.index, pixels)

    def _picture(self, meta: dict) -> np.ndarray:
        source = meta.get("image_source")
        if source:
            try:
                return load_image(str(source)).pixels
            except ImageError as exc:
                self.notice.setText(self.tr("The picture is not available ({0}); the map is shown on its own.").format(str(exc)))
        try:
            width, height = (int(v) for v in meta.get("image_size", [1, 1]))
        except (TypeError, ValueError):
            width = height = 1
        return np.full((max(1, min(height, 4096)), max(1, min(width, 4096)), 3), 230, np.uint8)

    def _hand_to_views(self, index: int, pixels: np.ndarray) -> None:
        """A pair stored with its attention: every view shows it."""
        from mmexplorer.attention.npz import check_record, record_from_arrays

        try:
            record = record_from_arrays(self.arrays)
            check_record(record)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            self.notice.setText(self.tr("Pair {0} cannot be shown in the views: {1}").format(index, str(exc)))
            return
        fits = pixels.shape[1::-1] == tuple(record.image_size) and self.meta.get("image_source")
        self.pair_shown.emit(record, pixels if fits else None, self.tr("{0}, pair {1}").format(self.folder, index))

    def _fill_words(self, tokens: list[str]) -> None:
        self.words.blockSignals(True)
        self.words.clear()
        self.words.addItems([f"{i}: {t}" for i, t in enumerate(tokens)])
        self.words.blockSignals(False)

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
        n = self.sorted.rowCount()
        self.previous.setEnabled(n > 0 and self.position > 0)
        self.next.setEnabled(n > 0 and self.position < n - 1)
        self.words.setEnabled(self.words.count() > 0)
