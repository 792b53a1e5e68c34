"""Heads overview: one thumbnail per layer and head, all on one colour scale; click one to select it.

The thumbnails are one mosaic image in one plot (see heads_mosaic): a new word or
look repaints one image instead of a grid of small plots.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import (QComboBox, QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QHBoxLayout, QLabel,
                               QVBoxLayout, QWidget)

from mmexplorer.attention.grid import patch_at
from mmexplorer.attention.maps import token_image_maps_every_head
from mmexplorer.gui.levels import matrix_levels, token_map_levels
from mmexplorer.gui.pg import ColorBar, colorize, colormap, overlay_colormap, pg
from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.clicks import SingleClicks
from mmexplorer.gui.views.heads_mosaic import Mosaic, matrix_mosaic, picture_mosaic, picture_tiles
from mmexplorer.gui.views.self_attention import kind_name
from mmexplorer.gui.views.lazy import LazyRedraw
from mmexplorer.gui.views.matrix_axes import describe
from mmexplorer.gui.views.table import VIEW_TITLES
from mmexplorer.gui.views.zoom import Zoom, zoom_hint
from mmexplorer.gui.widgets.labels import wrapped_label

WORD_MODE = "__word__"
THUMB_PIXELS = 160  # pictures are shrunk to at most this many pixels a side for the thumbnails


def _thumbnail_pixels(pixels: np.ndarray) -> np.ndarray:
    step = max(1, int(np.ceil(max(pixels.shape[:2]) / THUMB_PIXELS)))
    return pixels[::step, ::step]


def segment_names(record, kind: str, axis: int) -> str:
    """The tokens along one axis of a matrix, by run: '[CLS], a red circle, p0–p63' (thumbnails are too small for ticks)."""
    labels = record.labels(kind, axis)
    parts = []
    for modality, start, stop in record.layouts[kind][axis]:
        names = labels[start:stop]
        if not names:
            continue
        if modality == "image" and len(names) > 1 and all(n.startswith("p") for n in names):
            parts.append(f"{names[0]}–{names[-1]}")
        else:
            parts.append(" ".join(names))
    return ", ".join(parts)


class HeadsView(LazyRedraw, QWidget):
    SELECTION_KEYS = frozenset({"token", "layer", "head", "reduction", "kind"})  # what its picture depends on
    layer_kind_changed = Signal()  # the mode picker moved the thumbnails to another attention set
    title = VIEW_TITLES["heads"]

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.mode = QComboBox()
        self.mode.setToolTip(self.tr("What each thumbnail shows"))
        self.mode.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.mode.activated.connect(lambda _: self.redraw())  # the content key includes the mode
        self.mode.activated.connect(lambda _: self.layer_kind_changed.emit())
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setToolTip(self.tr("Click a thumbnail to select its layer and head") + "\n" + zoom_hint()
                                 + "\n" + self.tr("(all thumbnails zoom together)"))
        self.hover = wrapped_label(" ", lines=1)  # the token pair or patch under the pointer, in any thumbnail
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Show:")))
        top.addWidget(self.mode)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.label)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.hover)
        # one plot holds every thumbnail: the layer and head names are its axes' ticks
        self.plot = self.graphics.addPlot(row=0, col=0)
        self.plot.hideAxis("bottom")
        self.plot.showAxis("top")
        for side in ("top", "left"):
            axis = self.plot.getAxis(side)
            axis.setStyle(tickLength=0)
            axis.setPen(pg.mkPen(None))  # names only, no axis line
            axis.setTextPen(pg.mkPen("#333"))
            axis.setTicks([[], []])  # no numbers before the first thumbnails are laid out
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.box = self.plot.getViewBox()
        self.picture = pg.ImageItem()  # word mode: the picture under every thumbnail, one image
        # the picture stays while the word changes: repainting it under a new map is then a cached blit
        self.picture.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.mosaic = pg.ImageItem()  # every head's map, one RGBA image (see heads_mosaic)
        self.outlines = QGraphicsPathItem()  # a thin frame around every thumbnail, one item
        self.outlines.setPen(pg.mkPen("#ccc", cosmetic=True))
        self.highlight = QGraphicsRectItem()  # the selected head's frame
        self.highlight.setPen(pg.mkPen("#00c8ff", width=3, cosmetic=True))
        self.highlight.hide()
        for z, item in enumerate((self.picture, self.mosaic, self.outlines, self.highlight)):
            self.plot.addItem(item)
            item.setZValue(z + 10)  # after adding: the plot raises what it is given above its own z
        self.colorbar = ColorBar(colormap("inferno"))
        self.graphics.addItem(self.colorbar.item, row=0, col=1)
        self.zoom = Zoom(self.box, self.graphics.scene())  # a double-click on the thumbnails resets them
        self.layout_: Mosaic | None = None  # where the thumbnails sit
        self.thumbs: dict[tuple[int, int], np.ndarray] = {}  # (layer, head) -> what is drawn
        self._colours: np.ndarray | None = None  # uint8 [rows, cols, 4]: the mosaic as drawn
        self._placement = None  # what the mosaic's geometry and picture were set for
        self._content = None  # what the thumbnails show: (record, mode, word, colormap, opacity)
        self._selected = None  # the outlined (layer, head)
        self.clicks = SingleClicks(self._under, self._picked, self)  # a double-click resets the zoom without picking
        self.graphics.scene().sigMouseClicked.connect(self.clicks.clicked)
        self.graphics.scene().sigMouseMoved.connect(self._moved)
        state.result_changed.connect(self._refill_modes)
        if state.record is not None:  # a record that came before this view was built
            self._refill_modes()
        self.follow(state)

    def _refill_modes(self) -> None:
        record = self.state.record
        current = self.mode.currentData() if self.mode.count() else WORD_MODE
        self.mode.clear()
        if record.cross_kind is not None:
            self.mode.addItem(self.tr("selected word → picture"), WORD_MODE)
        for kind in record.kinds:
            self.mode.addItem(self.tr("matrix: {kind}").format(kind=kind_name(kind)), kind)
        index = self.mode.findData(current)
        self.mode.setCurrentIndex(max(0, index))

    def layer_kind(self):
        """The attention set whose layers the thumbnails' rows are (the Layer box steps through it)."""
        record = self.state.record
        if record is None or self.mode.count() == 0:
            return record.cross_kind if record is not None else None
        mode = self.mode.currentData()
        return record.cross_kind if mode == WORD_MODE else mode

    def redraw(self) -> None:
        s = self.state
        record = s.record
        if record is None or self.mode.count() == 0:
            return
        mode = self.mode.currentData()
        kind = record.cross_kind if mode == WORD_MODE else mode
        over_picture = mode == WORD_MODE
        # Thumbnails show raw attention of every layer and head: a new layer, head or
        # method only moves the highlight, and only a new word or look redraws them.
        content = (self.state.result_id, mode, s.token if over_picture else None, s.colormap, s.opacity if over_picture else None)
        if content != self._content:
            if over_picture and not record.tokens:
                self.label.setText(self.tr("Type some words to compare heads."))
                return
            self._draw_thumbnails(record, mode, kind)
            self._content = content
        self._mark((s.layer_of(kind), s.head) if s.reduction == "head" else None)

    def _draw_thumbnails(self, record, mode, kind) -> None:
        s = self.state
        over_picture = mode == WORD_MODE
        if over_picture:
            word = record.tokens[s.token]
            levels = token_map_levels(record, "raw", 0)
            self.label.setText(self.tr("'{word}' → picture, raw attention of every head in every layer (one colour scale). "
                                       "Click a thumbnail to select its layer and head.").format(word=word))
            data = token_image_maps_every_head(record, s.token)  # [L, H, rows, cols]
        else:
            levels = matrix_levels(record, kind)
            self.label.setText(self.tr("{kind}: attention matrix of every head in every layer (one colour scale). "
                                       "Click a thumbnail to select its layer and head.").format(kind=kind_name(kind))
                               + "\n" + self.tr("Rows (queries): {rows}. Columns (keys): {cols}. Hover a cell to name "
                                                 "its two tokens.").format(rows=segment_names(record, kind, 0),
                                                                            cols=segment_names(record, kind, 1)))
            data = record.attention[kind]  # per layer [H, queries, keys], not copied into one array
        layers, heads = len(data), data[0].shape[0]
        self.thumbs = {(layer, h): data[layer][h] for layer in range(layers) for h in range(heads)}
        # Where the thumbnails sit and what is under them changes with the picture, the
        # mode or the opacity, not with the word: a new word only swaps the colours above.
        shape = data[0].shape[1:]  # (rows, cols) of one thumbnail
        placement = (s.result_id, over_picture, s.opacity if over_picture else None, layers, heads, shape)
        if placement != self._placement:
            self._place(record, over_picture, layers, heads, shape)
            self._placement = placement
        cmap = overlay_colormap(s.colormap) if over_picture else colormap(s.colormap)
        colours = [colorize(layer, levels, cmap) for layer in data]  # uint8 [H, rows, cols, 4], a lookup per layer
        self._colours = self.layout_.assemble(colours)
        self.mosaic.setImage(self._colours, autoLevels=False)
        mosaic = self.layout_  # the rectangle after the image: an ImageItem scales what it holds to it
        (ox, oy), (cx, cy), (sx, sy) = mosaic.origin, mosaic.cell, mosaic.stride
        self.mosaic.setRect(QRectF(ox, oy, mosaic.heads * sx * cx, mosaic.layers * sy * cy))
        self.zoom.home(QRectF(*mosaic.bounds()), padding=0)
        self.colorbar.show(cmap, levels)

    def _place(self, record, over_picture: bool, layers: int, heads: int, shape) -> None:
        """Lay the thumbnails out, over the picture (word mode) or alone (matrix mode), with their frames and names."""
        s = self.state
        rows, cols = shape
        if over_picture:
            mosaic = picture_mosaic(layers, heads, (rows, cols), record.image_size, record.image_box)
            # the map sits over the picture it was computed from, as in the cross-modal view
            tiles, (px, py) = picture_tiles(mosaic, _thumbnail_pixels(s.result.image.pixels))
            self.picture.setImage(tiles, autoLevels=False, levels=(0, 255))
            self.picture.setRect(QRectF(0, 0, tiles.shape[1] * px, tiles.shape[0] * py))
            self.picture.show()
            self.mosaic.setOpacity(s.opacity)
        else:
            mosaic = matrix_mosaic(layers, heads, rows, cols)
            self.picture.hide()
            self.mosaic.setOpacity(1.0)
        self.layout_ = mosaic
        frames = QPainterPath()
        for layer in range(layers):
            for h in range(heads):
                frames.addRect(QRectF(*mosaic.tile_rect(layer, h)))
        self.outlines.setPath(frames)
        px, py = mosaic.pitch
        self.plot.getAxis("top").setTicks([[((h + 0.5) * px - (px - mosaic.width) / 2, self.tr("head {n}").format(n=h))
                                            for h in range(heads)], []])
        self.plot.getAxis("left").setTicks([[((l + 0.5) * py - (py - mosaic.height) / 2, self.tr("layer {n}").format(n=l))
                                             for l in range(layers)], []])
        self._selected = None
        self.highlight.hide()

    def tile_colours(self, layer: int, head: int) -> np.ndarray:
        """uint8 [rows, cols, 4]: the colours one thumbnail is drawn with (its part of the mosaic)."""
        return self.layout_.tile(self._colours, layer, head)

    def tile_scene_rect(self, layer: int, head: int) -> QRectF:
        """Where one thumbnail is on the screen, in scene coordinates."""
        return self.box.mapViewToScene(QRectF(*self.layout_.tile_rect(layer, head))).boundingRect()

    def _mark(self, selected) -> None:
        """Outline the selected thumbnail: one rectangle item moved, nothing else repainted."""
        if selected == self._selected:
            return
        mosaic = self.layout_
        if selected is not None and mosaic is not None and selected[0] < mosaic.layers and selected[1] < mosaic.heads:
            self.highlight.setRect(QRectF(*mosaic.tile_rect(*selected)))
            self.highlight.show()
        else:
            self.highlight.hide()
        self._selected = selected

    def _under(self, scene_pos):
        """(layer, head, x, y inside it) of the thumbnail under a scene position, or None."""
        if self.layout_ is None or not self.box.sceneBoundingRect().contains(scene_pos):
            return None
        point = self.box.mapSceneToView(scene_pos)
        return self.layout_.at(point.x(), point.y())

    def _moved(self, scene_pos) -> None:
        """Name what is under the pointer: the query and key tokens of a matrix cell, or the patch."""
        record = self.state.record
        hit = self._under(scene_pos)
        if record is None or hit is None or hit[:2] not in self.thumbs:
            self.hover.setText(" ")
            return
        layer, h, x, y = hit
        data = self.thumbs[(layer, h)]
        mode = self.mode.currentData()
        where = self.tr("layer {layer}, head {head}").format(layer=layer, head=h)
        if mode == WORD_MODE:
            patch = patch_at(x, y, record.grid, record.image_box)
            if patch is not None:
                r, c = divmod(patch, record.grid[1])
                self.hover.setText(f"{where}: p{patch} → {data[r, c]:.4f}")
                return
        else:
            row, col = int(np.floor(y)), int(np.floor(x))
            if 0 <= row < data.shape[0] and 0 <= col < data.shape[1]:
                query, key = describe(record.labels(mode, 0), row), describe(record.labels(mode, 1), col)
                self.hover.setText(f"{where}: {query} → {key}: {data[row, col]:.4f}")
                return
        self.hover.setText(" ")

    def _picked(self, hit) -> None:
        if hit is not None:
            self.state.select(layer=hit[0], head=hit[1], reduction="head", method="raw")
