"""The table of a batch run's pairs: one row per pair, sortable by any column, failures filterable.

Rows come from the run's summary table (every pair, failed ones included),
plus any stored pair the table does not list (a run killed before its summary
was merged). Sorting uses the numbers themselves; a pair without a value
(no boxes, so no pointing) sorts below every number.
"""

from __future__ import annotations

import math
from typing import Optional

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt

from mmexplorer.attention.pairs_table import PairRow

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("pair", "score", "pointing", "energy", "status", "text", "error")


class PairsModel(QAbstractTableModel):
    def __init__(self, rows: list[PairRow], parent=None) -> None:
        super().__init__(parent)
        self.rows = rows

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802  (Qt's name)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            titles = (self.tr("pair"), self.tr("score"), self.tr("pointing"), self.tr("energy"), self.tr("status"),
                      self.tr("text"), self.tr("error"))
            return titles[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, column = self.rows[index.row()], COLUMNS[index.column()]
        value = row.index if column == "pair" else getattr(row, column)
        if role == SORT_ROLE:
            if isinstance(value, str):
                return value
            return -math.inf if value is None else float(value)
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return "–"
            if isinstance(value, float):
                return f"{value:.3f}"
            if column == "status":
                return self.tr("ok") if value == "ok" else self.tr("failed")
            return str(value)
        if role == Qt.ItemDataRole.ToolTipRole and column in ("text", "error", "status"):
            return row.error or row.text or None
        if role == Qt.ItemDataRole.ForegroundRole and row.failed:
            from PySide6.QtGui import QColor

            return QColor("#a3261a")
        return None

    def row_of(self, source_row: int) -> PairRow:
        return self.rows[source_row]


class PairsFilter(QSortFilterProxyModel):
    """Sorts by the numbers (SORT_ROLE); with `failures_only`, hides the pairs that ran."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.failures_only = False
        self.setSortRole(SORT_ROLE)

    def set_failures_only(self, on: bool) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            self.failures_only = on
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self.failures_only = on
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:  # noqa: N802
        model: Optional[PairsModel] = self.sourceModel()
        return model is None or not self.failures_only or model.row_of(source_row).failed
