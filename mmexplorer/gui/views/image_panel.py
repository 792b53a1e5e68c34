"""A picture with a patch-level map laid over it, a colour bar, and patch hit-testing."""

from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor

from mmexplorer.attention.grid import patch_at
from mmexplorer.gui.pg import ColorBar, colorize, overlay_colormap, pg
from mmexplorer.gui.views.aspect import pixel_aspect
from mmexplorer.gui.views.clicks import SingleClicks
from mmexplorer.gui.views.zoom import Zoom


class ImagePanel(pg.GraphicsLayoutWidget):
    """Shows `pixels`; a [rows, cols] map is stretched over `image_box`, so it fits any aspect ratio."""

    patch_clicked = Signal(int)
    patch_hovered = Signal(int)  # -1 when the pointer leaves the grid

    def __init__(self, parent=None, colorbar: bool = True) -> None:
        super().__init__(parent)
        self.setMinimumSize(220, 220)
        self.plot = self.addPlot()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.zoom = Zoom(self.plot, self.scene())  # wheel, drag, double-click to reset
        self.picture = pg.ImageItem()
        # The picture changes far less often than the map laid over it: keep it as a pixmap
        # at screen resolution, so repainting under a new map is a blit, not a rescale.
        self.picture.setCacheMode(pg.QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.overlay = pg.ImageItem()
        self.overlay.setZValue(1)
        self.plot.addItem(self.picture)
        self.plot.addItem(self.overlay)
        self.marker = pg.QtWidgets.QGraphicsRectItem()
        self.marker.setPen(pg.mkPen(QColor(0, 200, 255), width=2, cosmetic=True))
        self.marker.setZValue(3)
        self.marker.hide()
        self.plot.addItem(self.marker)
        self.colorbar = None
        if colorbar:
            self.colorbar = ColorBar(overlay_colormap("inferno"))
            self.colorbar.place_beside(self.plot)
        self.grid: Optional[tuple[int, int]] = None
        self.image_box: Optional[tuple[float, float, float, float]] = None
        self.map: Optional[np.ndarray] = None
        self.levels = (0.0, 1.0)  # of the map shown
        self._rect = None  # the overlay's rectangle last applied
        self.model_shape = False  # draw the picture as squashed as the model saw it (see show_model_shape)
        self._aspect = 1.0  # the ViewBox aspect ratio applied
        self.clicks = SingleClicks(self.patch_under, self.patch_clicked.emit, self)  # a double-click resets the zoom without picking
        self.scene().sigMouseClicked.connect(self.clicks.clicked)
        self.scene().sigMouseMoved.connect(self._moved)

    # -- content -------------------------------------------------------
    def set_picture(self, pixels: Optional[np.ndarray]) -> None:
        if pixels is None:
            self.picture.clear()
            return
        self.picture.setImage(pixels, autoLevels=False, levels=(0, 255))
        rect = QRectF(0, 0, pixels.shape[1], pixels.shape[0])
        self.picture.setRect(rect)
        self.zoom.home(rect)

    def set_map(self, scores: Optional[np.ndarray], grid, image_box, levels, cmap: str, opacity: float) -> None:
        """Lay `scores` [rows, cols] over `image_box` with fixed `levels`."""
        self.grid, self.image_box = tuple(grid), tuple(image_box)
        self._apply_shape()
        self.map = None if scores is None else np.asarray(scores, dtype=np.float32)
        if self.map is None:
            self.overlay.clear()
            return
        levels = (float(levels[0]), float(levels[1]))
        faded = overlay_colormap(cmap, signed=levels[0] < 0)
        self.overlay.setImage(colorize(self.map, levels, faded), autoLevels=False)  # uint8 [rows, cols, 4]
        x0, y0, x1, y1 = image_box
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        if rect != self._rect:  # setRect invalidates the item's geometry even when unchanged
            self.overlay.setRect(rect)
            self._rect = rect
        self.overlay.setOpacity(opacity)
        if self.colorbar is not None:
            self.colorbar.show(faded, levels)
        self.levels = levels

    def show_model_shape(self, on: bool) -> None:
        """Draw the grid's region with the model input's proportions (a squashed picture looks squashed)
        instead of the picture's own; patches, hit-testing and the map are unchanged."""
        self.model_shape = bool(on)
        self._apply_shape()

    def _apply_shape(self) -> None:
        ratio = 1.0
        if self.model_shape and self.grid is not None and self.image_box is not None:
            ratio = pixel_aspect(self.image_box, self.grid)
        if ratio != self._aspect:
            self._aspect = ratio
            self.plot.setAspectLocked(True, ratio)
            self.zoom.reset()

    def set_opacity(self, opacity: float) -> None:
        self.overlay.setOpacity(opacity)

    def mark_patch(self, patch: Optional[int]) -> None:
        """Outline one patch (None hides the outline)."""
        if patch is None or self.grid is None or self.image_box is None:
            self.marker.hide()
            return
        rows, cols = self.grid
        x0, y0, x1, y1 = self.image_box
        w, h = (x1 - x0) / cols, (y1 - y0) / rows
        r, c = divmod(patch, cols)
        self.marker.setRect(QRectF(x0 + c * w, y0 + r * h, w, h))
        self.marker.show()

    # -- mouse ---------------------------------------------------------
    def patch_under(self, scene_pos) -> Optional[int]:
        if self.grid is None or self.image_box is None or not self.plot.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.plot.vb.mapSceneToView(scene_pos)
        return patch_at(point.x(), point.y(), self.grid, self.image_box)

    def value_at(self, patch: int) -> Optional[float]:
        if self.map is None or self.grid is None:
            return None
        r, c = divmod(patch, self.grid[1])
        return float(self.map[r, c])

    def _moved(self, scene_pos) -> None:
        patch = self.patch_under(scene_pos)
        self.patch_hovered.emit(-1 if patch is None else patch)
