"""Clicking an attention cell explains it: the views' clicks, the worker request and the dock with the panel.

Kept out of the main window (a composition of widgets): this adds one dock
and listens to the attention views' `cell_picked` signals.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDockWidget

from mmexplorer.gui.cell_client import CellClient
from mmexplorer.gui.cell_panel import CellPanel
from mmexplorer.gui.views.table import VIEWS


class CellTool(QObject):
    def __init__(self, state, window, probe_client, parent=None) -> None:
        super().__init__(parent)
        self.state, self.window = state, window
        self.client = CellClient(state, probe_client, self)
        self.panel = CellPanel()
        self.dock = QDockWidget(self.tr("Attention weight, step by step"), window)
        self.dock.setObjectName("cell-explanation")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()  # until a cell is clicked
        self.shown = None  # (kind, query, key) of the cell the panel is about
        for name in (v.name for v in VIEWS if v.picks_cells):
            window.views[name].cell_picked.connect(self.pick)
        self.client.requested.connect(self._requested)
        self.client.explained.connect(self._explained)
        self.client.failed.connect(self.panel.show_error)
        state.selection_changed.connect(self._follow)
        state.result_changed.connect(self._follow)

    def pick(self, kind: str, layer: int, query: int, key: int) -> None:
        """Explain weight [selected head, query, key] of `kind` layer `layer` in the shown record."""
        self.shown = (kind, query, key)
        if self.client.request(kind, layer, self.state.head, query, key):
            self.dock.show()
            self.dock.raise_()

    def _follow(self) -> None:
        """A new layer, head or record while the panel is open: explain the same cell there."""
        record = self.state.record
        if self.shown is None or record is None or not self.dock.isVisible():
            return
        kind, query, key = self.shown
        if kind not in record.attention:
            self.panel.show_stale()
            return
        heads, queries, keys = record.attention[kind][0].shape
        if query >= queries or key >= keys:
            self.panel.show_stale()
            return
        layer, head = self.state.layer_of(kind), self.state.head
        latest = self.client.latest
        same = latest is not None and latest.result_id == self.state.result.request_id and \
            (latest.kind, latest.layer, latest.head, latest.query, latest.key) == (kind, layer, head, query, key)
        if not same and head < heads:
            self.client.request(kind, layer, head, query, key)

    def _requested(self, request) -> None:
        self.panel.show_pending(self.tr("layer {layer}, head {head}, query {q}, key {k}").format(
            layer=request.layer, head=request.head, q=request.query, k=request.key))

    def _explained(self, result) -> None:
        s = self.state
        note = ""
        if s.reduction != "head":
            note = self.tr(" (the views show the {r} over heads; this is head {h})").format(r=s.reduction, h=result.request.head)
        self.panel.show_explanation(result.explanation, result.request.image.pixels, s.record.image_box, note)
