"""Self-attention view: the full attention matrix of one attention set, layer and head."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QRectF, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mmexplorer.attention.maps import attention_matrix, patch_row
from mmexplorer.gui.levels import MATRIX_PERCENTILE, matrix_levels
from mmexplorer.gui.pg import ColorBar, colorize, colormap, pg
from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.clicks import SingleClicks
from mmexplorer.gui.views.image_panel import ImagePanel
from mmexplorer.gui.views.kinds import KIND_NAMES, kind_name  # noqa: F401  (KIND_NAMES: also the cell panel's)
from mmexplorer.gui.views.matrix_axes import axis_ticks, block_edges, describe, thin_ticks
from mmexplorer.gui.views.lazy import LazyRedraw
from mmexplorer.gui.views.table import VIEW_TITLES
from mmexplorer.gui.views.zoom import Zoom, zoom_hint
from mmexplorer.gui.widgets.columns import column, side_by_side
from mmexplorer.gui.widgets.labels import SteadyLabel, wrapped_label

BLOCKS_NOTE = QT_TRANSLATE_NOOP("SelfAttentionView", " Dashed lines split [CLS] | words | patches on both axes, so the four "
                                "blocks are words→words (top left), words→patches (top right), patches→words (bottom left) "
                                "and patches→patches (bottom right).")


class SelfAttentionView(LazyRedraw, QWidget):
    SELECTION_KEYS = frozenset({"kind", "layer", "head", "reduction", "query", "token"})  # what its picture depends on
    title = VIEW_TITLES["self"]
    cell_picked = Signal(str, int, int, int)  # kind, layer, query, key of a clicked cell (explained in the cell panel)

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.kind_combo = QComboBox()
        self.kind_combo.setToolTip(self.tr("Which attention set to show (queries on rows, keys on columns)"))
        self.kind_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.kind_combo.activated.connect(self._kind_picked)
        # which matrix: changes with every layer and head, so it keeps the height of the longest (see _title_texts)
        self.label = SteadyLabel(lines=1)
        self.explain = wrapped_label(lines=3)  # how to read it: changes with the record and attention set only
        self.explain.setObjectName("note")
        self.hover = wrapped_label(" ", lines=1)
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot = self.graphics.addPlot()
        self.plot.invertY(True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.zoom = Zoom(self.plot, self.graphics.scene())  # wheel, drag, double-click to reset
        self.graphics.setToolTip(self.tr("Click a cell to explain its weight; hover to read it") + "\n" + zoom_hint())
        self.plot.setLabel("left", self.tr("query"))
        self.plot.setLabel("bottom", self.tr("key"))
        self.matrix = pg.ImageItem()
        self.plot.addItem(self.matrix)
        self.colorbar = ColorBar(colormap("inferno"))
        self.colorbar.place_beside(self.plot)
        self.row_marker = pg.LinearRegionItem(orientation="horizontal", movable=False, brush=(0, 200, 255, 40),
                                              pen=pg.mkPen((0, 200, 255), width=1))
        self.row_marker.setZValue(5)
        self.row_marker.hide()
        self.plot.addItem(self.row_marker)
        # The modality block edges, all in one item: separate lines cost a Python paint call each per repaint.
        # axis-aligned: no antialiasing needed, and a whole-pixel width keeps Qt on its fast line path
        self.blocks = pg.PlotCurveItem(pen=pg.mkPen((0, 220, 255), width=2, style=Qt.PenStyle.DashLine), connect="pairs",
                                       antialias=False)
        self.blocks.setZValue(4)
        self.plot.addItem(self.blocks)
        self.block_edges: tuple[list[int], list[int]] = ([], [])  # (columns, rows) where blocks meet
        self.plot.vb.sigResized.connect(lambda *_: self._update_ticks())
        self.plot.vb.sigRangeChanged.connect(lambda *_: self._update_ticks())  # zooming in makes room for more labels
        self.row_title = wrapped_label(self.tr("Click a cell to see its row over the picture and its weight explained "
                                               "step by step"), lines=2)
        self.row_image = ImagePanel()

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Attention set:")))
        top.addWidget(self.kind_combo)
        top.addStretch(1)
        side = column(self.row_title, self.row_image, stretch=(self.row_image,))
        main = column(self.label, self.explain, self.graphics, self.hover, stretch=(self.graphics,))
        splitter = side_by_side(main, side)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.weights: Optional[np.ndarray] = None  # the matrix as drawn [Q, K]
        self.row_map: Optional[np.ndarray] = None
        self._picture = None
        self._frame = None  # (record, kind) whose ranges, ticks and block lines are drawn
        self._levels_key, self._levels = None, (0.0, 1.0)
        self._drawn = None  # what the matrix image shows: (record, kind, layer, head, colormap, levels)
        self._axis_ticks = (None, ([], []))  # (record, kind) -> every tick of both axes, before thinning
        self.clicks = SingleClicks(self._cell, self._picked, self)  # a double-click resets the zoom without picking
        self.graphics.scene().sigMouseClicked.connect(self.clicks.clicked)
        self.graphics.scene().sigMouseMoved.connect(self._moved)
        state.result_changed.connect(self._refill_kinds)
        if state.record is not None:  # a record that came before this view was built
            self._refill_kinds()
        self.follow(state)

    def _refill_kinds(self) -> None:
        record = self.state.record
        # A new record: the drawn-state memos below name the result they were drawn from; start them afresh.
        self._frame = self._levels_key = self._drawn = None
        self._axis_ticks = (None, ([], []))
        self.kind_combo.blockSignals(True)
        self.kind_combo.clear()
        for kind in record.kinds:
            self.kind_combo.addItem(kind_name(kind), kind)
        self.kind_combo.blockSignals(False)

    def _kind_picked(self, index: int) -> None:
        self.state.select(kind=self.kind_combo.itemData(index), query=None)

    def redraw(self) -> None:
        s = self.state
        record, kind = s.record, s.kind
        if record is None or kind is None or kind not in record.attention:
            return
        index = self.kind_combo.findData(kind)
        if index >= 0 and index != self.kind_combo.currentIndex():
            self.kind_combo.setCurrentIndex(index)
        layer = s.layer_of(kind)
        levels = self._levels_for(record, kind)
        drawn = (self.state.result_id, kind, layer, s.head_arg, s.colormap, levels)
        if drawn != self._drawn:  # a new word or row keeps the matrix: only its marker moves
            self.weights = attention_matrix(record, kind, layer, s.head_arg)  # [Q, K]
            cmap = colormap(s.colormap)
            self.matrix.setImage(colorize(self.weights, levels, cmap), autoLevels=False)  # uint8 [Q, K, 4]
            self.colorbar.show(cmap, levels)
            self._drawn = drawn
        q, k = self.weights.shape
        if self._frame != (self.state.result_id, kind):  # a new layer or head keeps the frame: axes are slow to redraw
            self._frame = (self.state.result_id, kind)
            self.label.expect(self._title_texts(record, kind))
            self.matrix.setRect(QRectF(0, 0, k, q))
            self.zoom.home(QRectF(0, 0, k, q), padding=0.01)
            self._update_ticks()
            self._draw_blocks(record, kind, q, k)
        self.label.setText(self._title(kind, layer, record.layers(kind) - 1, self._head_name(s.reduction, s.head)))
        blocks = self.tr(BLOCKS_NOTE) if kind == "joint" else ""
        explain = self.tr("One colour scale for every layer and head; the top {share}% of weights (≥ {top}) saturate. "
                          "Always one layer's raw weights: rollout and relevancy combine all layers and apply to the "
                          "cross-modal map.").format(share=f"{100 - MATRIX_PERCENTILE:g}", top=f"{levels[1]:.3f}") + blocks
        if explain != self.explain.text():
            self.explain.setText(explain)
        self._draw_row(record, kind, layer)

    def _head_name(self, reduction: str, head: int) -> str:
        reductions = {"mean": self.tr("mean over heads"), "max": self.tr("max over heads"), "min": self.tr("min over heads")}
        return self.tr("head {n}").format(n=head) if reduction == "head" else reductions.get(reduction, reduction)

    def _title(self, kind: str, layer: int, last: int, head: str) -> str:
        # numbered as the toolbar's Layer box: 0 reads the input, the last is nearest the output
        return self.tr("{kind}, layer {layer} of 0–{last}, {head}: raw softmax weights, rows sum to 1.").format(
            kind=kind_name(kind), layer=layer, last=last, head=head)

    def _title_texts(self, record, kind) -> list[str]:
        """The titles that may wrap onto the most lines, of every layer and head of `kind`.

        Word wrapping never takes fewer lines when a word gets wider, so the widest
        layer number with each way of naming the head covers every title.
        """
        width = self.label.fontMetrics().horizontalAdvance
        last = record.layers(kind) - 1
        layer = max(range(last + 1), key=lambda n: width(str(n)))
        heads = [self._head_name("head", max(range(max(1, record.heads)), key=lambda n: width(self._head_name("head", n))))]
        heads += [self._head_name(reduction, 0) for reduction in ("mean", "max", "min")]
        return [self._title(kind, layer, last, head) for head in heads]

    def _levels_for(self, record, kind):
        """matrix_levels, once per record and attention set (a percentile over every layer's weights)."""
        if self._levels_key != (self.state.result_id, kind):
            self._levels_key, self._levels = (self.state.result_id, kind), matrix_levels(record, kind)
        return self._levels

    def _update_ticks(self) -> None:
        record, kind = self.state.record, self.state.kind
        if record is None or self.weights is None or kind not in record.attention:
            return
        if self._axis_ticks[0] != (self.state.result_id, kind):  # once per frame: resizing and zooming only thin them again
            self._axis_ticks = ((self.state.result_id, kind), (axis_ticks(record, kind, 0), axis_ticks(record, kind, 1)))
        rows, cols = self._axis_ticks[1]
        rect = self.plot.vb.sceneBoundingRect()
        shown = self.plot.vb.viewRect()  # in cells: zoomed in, each cell gets more pixels
        ticks = ([thin_ticks(rows, rect.height() / max(1e-9, shown.height()), False)],
                 [thin_ticks(cols, rect.width() / max(1e-9, shown.width()), True)])
        if ticks != getattr(self, "_ticks", None):  # axes are slow to redraw: only when the labels change
            self.plot.getAxis("left").setTicks(ticks[0])
            self.plot.getAxis("bottom").setTicks(ticks[1])
            self._ticks = ticks

    def _draw_blocks(self, record, kind, q, k) -> None:
        cols, rows = block_edges(record, kind, 1), block_edges(record, kind, 0)
        self.block_edges = (cols, rows)
        # segment end points in pairs: vertical lines at the column edges, horizontal at the row edges
        xs = [v for x in cols for v in (x, x)] + [v for _ in rows for v in (0, k)]
        ys = [v for _ in cols for v in (0, q)] + [v for y in rows for v in (y, y)]
        self.blocks.setData(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))

    def shown_query(self, record, kind) -> int:
        """The clicked row, or until there is one, the selected word's row (else [CLS])."""
        if self.state.query is not None:
            return self.state.query
        words = record.positions(kind, 0, "text")
        return int(words[self.state.token]) if self.state.token < len(words) else 0

    def _draw_row(self, record, kind, layer) -> None:
        s = self.state
        query = self.shown_query(record, kind)
        if tuple(self.row_marker.getRegion()) != (query, query + 1):  # moving it repaints the whole matrix
            self.row_marker.setRegion((query, query + 1))
        self.row_marker.show()
        name = describe(record.labels(kind, 0), query)
        self.row_map = patch_row(record, kind, self.weights, query)  # the matrix shown: no second head reduction
        if self._picture is not s.result.image:
            self.row_image.set_picture(s.result.image.pixels)
            self._picture = s.result.image
        if self.row_map is None:
            self.row_title.setText(self.tr("{name} attends to no image patches in this attention set").format(name=name))
            self.row_image.set_map(None, record.grid, record.image_box, (0, 1), s.colormap, s.opacity)
            return
        hint = "" if s.query is not None else self.tr(" Click any row to pick another.")
        self.row_title.setText(self.tr("Row '{name}': its attention over the picture (same colour scale as the matrix).").format(name=name)
                               + hint)
        self.row_image.set_map(self.row_map, record.grid, record.image_box, self._levels_for(record, kind), s.colormap, s.opacity)
        if name.startswith("p") and name[1:].isdigit():
            self.row_image.mark_patch(int(name[1:]))
        else:
            self.row_image.mark_patch(None)

    def _cell(self, scene_pos):
        if self.weights is None or not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot.vb.mapSceneToView(scene_pos)
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        q, k = self.weights.shape
        return (row, col) if 0 <= row < q and 0 <= col < k else None

    def _picked(self, cell) -> None:
        if cell is not None:
            self.state.select(query=cell[0])
            kind = self.state.kind
            self.cell_picked.emit(kind, self.state.layer_of(kind), cell[0], cell[1])

    def _moved(self, scene_pos) -> None:
        cell = self._cell(scene_pos)
        record, kind = self.state.record, self.state.kind
        if cell is None or record is None:
            self.hover.setText(" ")
            return
        row, col = cell
        q_name = describe(record.labels(kind, 0), row)
        k_name = describe(record.labels(kind, 1), col)
        self.hover.setText(f"{q_name} → {k_name}: {self.weights[row, col]:.4f}")
