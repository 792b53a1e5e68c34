"""Patches and positions: the ViT patch grid over the picture and the cosine similarity of position embeddings."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mmexplorer.attention.grid import patch_boxes
from mmexplorer.attention.levels import SIMILARITY_LEVELS
from mmexplorer.attention.positions import grid_of_grids, position_similarity
from mmexplorer.gui.pg import ColorBar, colorize, colormap, pg
from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.image_panel import ImagePanel
from mmexplorer.gui.views.aspect import distortion_text, input_size
from mmexplorer.gui.views.lazy import LazyRedraw
from mmexplorer.gui.views.table import VIEW_TITLES
from mmexplorer.gui.views.zoom import Zoom, link_ranges, zoom_hint
from mmexplorer.gui.widgets.columns import column, side_by_side
from mmexplorer.gui.widgets.labels import wrapped_label

MAX_LABELLED_PATCHES = 400  # index labels beyond this are unreadable
SIM_LEVELS = SIMILARITY_LEVELS  # cosine similarity


def _plain_plot(layout: pg.GraphicsLayoutWidget, title: str):
    plot = layout.addPlot(title=title)
    plot.invertY(True)
    plot.setAspectLocked(True)
    plot.hideAxis("left")
    plot.hideAxis("bottom")
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.zoom = Zoom(plot, layout.scene())  # wheel, drag, double-click to reset
    return plot


class PatchesView(LazyRedraw, QWidget):
    SELECTION_KEYS = frozenset({"patch"})  # what its picture depends on
    title = VIEW_TITLES["patches"]

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.grid_label = QLabel()
        self.grid_label.setWordWrap(True)
        self.image = ImagePanel(colorbar=False)
        self.image.setToolTip(self.tr("Click a patch to compare its position embedding with every other patch's") + "\n" + zoom_hint())
        self.lines = pg.PlotDataItem(pen=pg.mkPen((255, 255, 255, 200), width=1), connect="pairs")
        self.lines.setZValue(2)
        self.image.plot.addItem(self.lines)
        self._texts: list = []

        self.sim_label = QLabel()
        self.sim_label.setWordWrap(True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.sim_plot = _plain_plot(self.graphics, self.tr("similarity to the selected patch"))
        self.sim_image = pg.ImageItem()
        self.sim_plot.addItem(self.sim_image)
        self.graphics.nextRow()
        self.gog_plot = _plain_plot(self.graphics, self.tr("every patch (grid of grids)"))
        self.gog_image = pg.ImageItem()
        self.gog_plot.addItem(self.gog_image)
        self.gog_marker = pg.QtWidgets.QGraphicsRectItem()
        self.gog_marker.setPen(pg.mkPen((0, 200, 255), width=2, cosmetic=True))
        self.gog_plot.addItem(self.gog_marker)
        self.colorbar = ColorBar(colormap("inferno"), label=self.tr("cosine similarity"))
        self.graphics.addItem(self.colorbar.item, row=0, col=1, rowspan=2)

        self.graphics.setToolTip(zoom_hint())
        # the picture (pixels) and the similarity map (patch grid) show the same region: zoom one, the other follows
        link_ranges(self.image.plot.getViewBox(), self.sim_plot.getViewBox(), self._pixels_to_grid, self._grid_to_pixels)
        self.image.plot.getViewBox().sigRangeChanged.connect(lambda *_: self._fit_texts())
        self.image.plot.getViewBox().sigResized.connect(lambda *_: self._fit_texts())
        self._record, self.cfg = None, {}
        self.labels_note = ""  # why patch labels are hidden or thinned ('' when all are shown)

        self.hover = wrapped_label(" ", lines=1)
        left = column(self.grid_label, self.image, self.hover, stretch=(self.image,))
        layout = QVBoxLayout(self)
        layout.addWidget(side_by_side(left, column(self.sim_label, self.graphics, stretch=(self.graphics,))))

        self.similarity: Optional[np.ndarray] = None  # [rows, cols] as drawn
        self._drawn = None
        self._content = None  # (result, patch, colormap) drawn
        # what a new patch does not change, kept with the position table it came from (not the whole record)
        self._every_patch = (None, None)  # (patch_positions, their cosine similarity [N, N])
        self._gog_of = (None, None)  # (patch_positions, colormap) the grid of grids was drawn for
        self.image.patch_clicked.connect(lambda p: state.select(patch=p))
        self.image.patch_hovered.connect(self._hovered)
        self.follow(state)

    def shown_patch(self) -> Optional[int]:
        record = self.state.record
        if record is None:
            return None
        if self.state.patch is not None:
            return self.state.patch
        rows, cols = record.grid
        return (rows // 2) * cols + cols // 2  # the centre until the user picks one

    def redraw(self) -> None:
        s = self.state
        record = s.record
        if record is None:
            return
        patch = self.shown_patch()
        content = (s.result, patch, s.colormap)
        if content == self._content:  # words, layers, heads and methods do not change position embeddings
            return
        self._content = content
        if self._drawn is not s.result:
            self.sim_plot.zoom.home(QRectF(0, 0, record.grid[1], record.grid[0]), padding=0)
            self.gog_plot.zoom.home(QRectF(0, 0, record.grid[1] ** 2, record.grid[0] ** 2), padding=0)
            self._draw_grid(record, s.result.image.pixels)
            self._drawn = s.result
        self.image.mark_patch(patch)
        rows, cols = record.grid
        cfg = (s.model_info.config if s.model_info else record.meta.get("config", {})) or {}
        self.cfg = cfg
        self._record = record
        self._show_grid_label()
        if record.patch_positions is None:
            self.sim_label.setText(self.tr("This record has no position embeddings."))
            return
        cmap = colormap(s.colormap)
        positions = record.patch_positions
        if self._every_patch[0] is not positions:  # [N, N], once per record: a new patch only reads another row
            self._every_patch = (positions, position_similarity(positions))
        self.similarity = self._every_patch[1][patch].reshape(record.grid)  # [rows, cols]
        self.sim_image.setImage(colorize(self.similarity, SIM_LEVELS, cmap), autoLevels=False)
        if self._gog_of[0] is not positions or self._gog_of[1] != s.colormap:  # the same for every patch
            gog = grid_of_grids(positions, record.grid)  # [rows * rows, cols * cols]
            self.gog_image.setImage(colorize(gog, SIM_LEVELS, cmap), autoLevels=False)
            self._gog_of = (positions, s.colormap)
        r, c = divmod(patch, cols)
        self.gog_marker.setRect(QRectF(c * cols, r * rows, cols, rows))
        self.colorbar.show(cmap, SIM_LEVELS)
        kind = {"learned": self.tr("learned"), "sincos": self.tr("fixed 2D sine-cosine")}.get(cfg.get("pos_embed"), "?")
        self.sim_label.setText(self.tr("Position embeddings ({kind}): cosine similarity of patch p{patch} (row {row}, col {col}) "
                                       "to every patch, and of every patch to every patch, each tile at its own grid cell.").format(
            kind=kind, patch=patch, row=r, col=c))

    def _show_grid_label(self) -> None:
        record, cfg = self._record, self.cfg
        rows, cols = record.grid
        shape = distortion_text(record.image_size, record.image_box, input_size(record.grid, cfg))
        text = self.tr("{rows} × {cols} patches of {patch} px (after resizing to {size} px); each cell below is the part of "
                       "your picture one patch sees.").format(rows=rows, cols=cols, patch=cfg.get("patch_size", "?"),
                                                              size=cfg.get("image_size", "?"))
        if shape:
            text += " " + self.tr("The model saw it {how}.").format(how=shape)
        if self.labels_note:
            text += " " + self.labels_note
        if text != self.grid_label.text():
            self.grid_label.setText(text)

    def _pixels_to_grid(self, rect: QRectF) -> QRectF:
        x0, y0, x1, y1 = self.image.image_box or (0, 0, 1, 1)
        rows, cols = self.image.grid or (1, 1)
        sx, sy = cols / max(1e-9, x1 - x0), rows / max(1e-9, y1 - y0)
        return QRectF((rect.x() - x0) * sx, (rect.y() - y0) * sy, rect.width() * sx, rect.height() * sy)

    def _grid_to_pixels(self, rect: QRectF) -> QRectF:
        x0, y0, x1, y1 = self.image.image_box or (0, 0, 1, 1)
        rows, cols = self.image.grid or (1, 1)
        sx, sy = (x1 - x0) / cols, (y1 - y0) / rows
        return QRectF(x0 + rect.x() * sx, y0 + rect.y() * sy, rect.width() * sx, rect.height() * sy)

    def _fit_texts(self) -> None:
        """Show only the patch labels that fit their cells on screen: every one, every k-th, or none.

        Cells of a squashed or very wide picture can be a pixel tall; labels
        drawn there would pile on one another. Zooming in brings them back.
        """
        if not self._texts or self.image.grid is None:
            return
        rows, cols = self.image.grid
        x0, y0, x1, y1 = self.image.image_box
        ux, uy = self.image.plot.getViewBox().viewPixelSize()  # picture pixels per screen pixel
        cell_w, cell_h = (x1 - x0) / cols / max(1e-12, ux), (y1 - y0) / rows / max(1e-12, uy)  # screen pixels
        need_w = 7.0 * len(str(len(self._texts) - 1)) + 6  # the widest label
        need_h = 15.0
        step_c, step_r = max(1, int(np.ceil(need_w / max(1e-9, cell_w)))), max(1, int(np.ceil(need_h / max(1e-9, cell_h))))
        hidden = step_c > max(1, cols // 2) or step_r > max(1, rows // 2) if rows * cols > 1 else False
        for index, text in enumerate(self._texts):
            r, c = divmod(index, cols)
            text.setVisible(not hidden and r % step_r == 0 and c % step_c == 0)
        size = f"{cell_w:.0f} × {cell_h:.1f}" if cell_h < 10 else f"{cell_w:.0f} × {cell_h:.0f}"
        if hidden:
            note = self.tr("Patch numbers hidden: cells are {size} px on screen (zoom in to see them).").format(size=size)
        elif step_c > 1 or step_r > 1:
            note = self.tr("Patch numbers thinned to every {c}th column and {r}th row: cells are {size} px on screen "
                           "(zoom in to see all).").format(c=step_c, r=step_r, size=size)
        else:
            note = ""
        if note != self.labels_note:
            self.labels_note = note
            if self._record is not None:
                self._show_grid_label()

    def _hovered(self, patch: int) -> None:
        record = self.state.record
        if record is None or patch < 0:
            self.hover.setText(" ")
            return
        x0, y0, x1, y1 = patch_boxes(record.grid, record.image_box)[patch]
        r, c = divmod(patch, record.grid[1])
        self.hover.setText(self.tr("patch p{patch} (row {row}, col {col}) sees pixels x {x0}–{x1}, y {y0}–{y1} of the "
                                   "{width} × {height} picture").format(patch=patch, row=r, col=c, x0=f"{x0:.0f}", x1=f"{x1:.0f}",
                                                                        y0=f"{y0:.0f}", y1=f"{y1:.0f}",
                                                                        width=record.image_size[0], height=record.image_size[1]))

    def _draw_grid(self, record, pixels) -> None:
        self.image.set_picture(pixels)
        self.image.set_map(None, record.grid, record.image_box, (0, 1), "inferno", 0)
        boxes = patch_boxes(record.grid, record.image_box)
        x0, y0, x1, y1 = record.image_box
        rows, cols = record.grid
        xs = np.linspace(x0, x1, cols + 1)
        ys = np.linspace(y0, y1, rows + 1)
        px = np.concatenate([np.repeat(xs, 2), np.tile([x0, x1], rows + 1)])
        py = np.concatenate([np.tile([y0, y1], cols + 1), np.repeat(ys, 2)])
        self.lines.setData(px, py)
        for item in self._texts:
            self.image.plot.removeItem(item)
        self._texts = []
        if len(boxes) > MAX_LABELLED_PATCHES:
            return
        for index, (bx0, by0, bx1, by1) in enumerate(boxes):
            text = pg.TextItem(str(index), color=(255, 255, 255), fill=(0, 0, 0, 110), anchor=(0, 0))
            text.setPos(bx0, by0)
            text.setZValue(2)
            self.image.plot.addItem(text)
            self._texts.append(text)
        self._fit_texts()
