"""Heads overview: one thumbnail per layer and head, all on one colour scale; click one to select it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QRectF
from PySide6.QtWidgets import QComboBox, QGraphicsItem, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from mmexplorer.attention.grid import patch_at
from mmexplorer.attention.maps import token_image_maps_every_head
from mmexplorer.gui.levels import matrix_levels, token_map_levels
from mmexplorer.gui.pg import ColorBar, colorize, colormap, overlay_colormap, pg
from mmexplorer.gui.state import AppState
from mmexplorer.gui.views.self_attention import kind_name
from mmexplorer.gui.views.lazy import LazyRedraw
from mmexplorer.gui.views.matrix_axes import describe
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
    title = QT_TRANSLATE_NOOP("Views", "Heads")

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        self.mode = QComboBox()
        self.mode.setToolTip(self.tr("What each thumbnail shows"))
        self.mode.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.mode.activated.connect(lambda _: self.redraw())  # the content key includes the mode
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setSpacing(3)
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
        self.boxes: dict[tuple[int, int], pg.ViewBox] = {}
        self.images: dict[tuple[int, int], pg.ImageItem] = {}
        self.thumbs: dict[tuple[int, int], np.ndarray] = {}  # (layer, head) -> what is drawn
        self._shape = None
        self.pictures: dict[tuple[int, int], pg.ImageItem] = {}
        self._placement = None  # what the thumbnails' rectangles and pictures were set for
        self._content = None  # what the thumbnails show: (record, mode, word, colormap, opacity)
        self._selected = None  # the outlined (layer, head)
        self._plain, self._highlight = pg.mkPen("#ccc"), pg.mkPen("#00c8ff", width=3)
        self.graphics.scene().sigMouseClicked.connect(self._clicked)
        self.graphics.scene().sigMouseMoved.connect(self._moved)
        self.zoom = None  # the first thumbnail's Zoom: every other thumbnail is linked to it
        state.result_changed.connect(self._refill_modes)
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

    def _build(self, layers: int, heads: int) -> None:
        if self._shape == (layers, heads):
            return
        self.graphics.clear()
        self.boxes, self.images, self.pictures = {}, {}, {}
        self.graphics.addLabel("", row=0, col=0)
        for h in range(heads):
            self.graphics.addLabel(self.tr("head {n}").format(n=h), row=0, col=h + 1)
        for layer in range(layers):
            self.graphics.addLabel(self.tr("layer {n}").format(n=layer), row=layer + 1, col=0, angle=-90)
            for h in range(heads):
                box = self.graphics.addViewBox(row=layer + 1, col=h + 1, lockAspect=True, invertY=True, enableMouse=True)
                box.setMenuEnabled(False)
                if self.boxes:  # zoom and pan one thumbnail, all follow
                    first = next(iter(self.boxes.values()))
                    box.setXLink(first)
                    box.setYLink(first)
                picture, image = pg.ImageItem(), pg.ImageItem()
                # the picture stays while the word changes: repainting it under a new map is then a cached blit
                picture.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                image.setZValue(1)
                box.addItem(picture)
                box.addItem(image)
                box.setBorder(self._plain)
                self.boxes[(layer, h)], self.images[(layer, h)], self.pictures[(layer, h)] = box, image, picture
        first = self.boxes.get((0, 0))
        # a double-click on any thumbnail resets them all
        self.zoom = Zoom(first, self.graphics.scene(), hit=self._on_a_thumbnail) if first is not None else None
        self.colorbar = ColorBar(colormap("inferno"))
        self.graphics.addItem(self.colorbar.item, row=1, col=heads + 1, rowspan=max(1, layers))
        self._shape = (layers, heads)
        self._placement = None
        self._content = None
        self._selected = None

    def redraw(self) -> None:
        s = self.state
        record = s.record
        if record is None or self.mode.count() == 0:
            return
        mode = self.mode.currentData()
        kind = record.cross_kind if mode == WORD_MODE else mode
        self._build(record.layers(kind), record.heads)
        over_picture = mode == WORD_MODE
        # Thumbnails show raw attention of every layer and head: a new layer, head or
        # method only moves the highlight, and only a new word or look redraws them.
        content = (id(record), mode, s.token if over_picture else None, s.colormap, s.opacity if over_picture else None)
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
        cmap = overlay_colormap(s.colormap) if over_picture else colormap(s.colormap)
        colours = [colorize(layer, levels, cmap) for layer in data]  # uint8 [H, rows, cols, 4], a lookup per layer
        self.thumbs = {}
        for (layer, h), image in self.images.items():
            self.thumbs[(layer, h)] = data[layer][h]
            image.setImage(colours[layer][h], autoLevels=False)
        # Where the thumbnails sit and what is under them changes with the picture, the
        # mode or the opacity, not with the word: a new word only swaps the colours above.
        shape = data[0].shape[1:]  # (rows, cols) of one thumbnail
        placement = (id(s.result), over_picture, s.opacity if over_picture else None, shape)
        if placement != self._placement:
            self._place(record, over_picture, shape)
            self._placement = placement
        rect = QRectF(0, 0, *record.image_size) if over_picture else QRectF(0, 0, shape[1], shape[0])
        if self.zoom is not None:
            self.zoom.home(rect, padding=0)
        self.colorbar.show(cmap, levels)

    def _place(self, record, over_picture: bool, shape) -> None:
        """Put every thumbnail on its rectangle, over the picture (word mode) or alone (matrix mode)."""
        s = self.state
        small = _thumbnail_pixels(s.result.image.pixels) if over_picture else None
        width, height = record.image_size
        x0, y0, x1, y1 = record.image_box
        for key, image in self.images.items():
            picture = self.pictures[key]
            if over_picture:
                # the map sits over the picture it was computed from, as in the cross-modal view
                picture.setImage(small, autoLevels=False, levels=(0, 255))
                picture.setRect(QRectF(0, 0, width, height))
                image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
                image.setOpacity(s.opacity)
                picture.show()
            else:
                image.setRect(QRectF(0, 0, shape[1], shape[0]))
                image.setOpacity(1.0)
                picture.hide()

    def _mark(self, selected) -> None:
        """Outline the selected thumbnail, touching only the two boxes whose outline changes."""
        if selected == self._selected:
            return
        if self._selected in self.boxes:
            self.boxes[self._selected].setBorder(self._plain)
        if selected in self.boxes:
            self.boxes[selected].setBorder(self._highlight)
        self._selected = selected

    def _on_a_thumbnail(self, scene_pos) -> bool:
        return any(b.sceneBoundingRect().contains(scene_pos) for b in self.boxes.values())

    def _moved(self, scene_pos) -> None:
        """Name what is under the pointer: the query and key tokens of a matrix cell, or the patch."""
        record = self.state.record
        for (layer, h), box in self.boxes.items():
            if record is None or (layer, h) not in self.thumbs or not box.sceneBoundingRect().contains(scene_pos):
                continue
            point = box.mapSceneToView(scene_pos)
            data = self.thumbs[(layer, h)]
            mode = self.mode.currentData()
            where = self.tr("layer {layer}, head {head}").format(layer=layer, head=h)
            if mode == WORD_MODE:
                patch = patch_at(point.x(), point.y(), record.grid, record.image_box)
                if patch is not None:
                    r, c = divmod(patch, record.grid[1])
                    self.hover.setText(f"{where}: p{patch} → {data[r, c]:.4f}")
                    return
            else:
                row, col = int(np.floor(point.y())), int(np.floor(point.x()))
                if 0 <= row < data.shape[0] and 0 <= col < data.shape[1]:
                    query, key = describe(record.labels(mode, 0), row), describe(record.labels(mode, 1), col)
                    self.hover.setText(f"{where}: {query} → {key}: {data[row, col]:.4f}")
                    return
        self.hover.setText(" ")

    def _clicked(self, event) -> None:
        if event.double():
            return
        for (layer, h), box in self.boxes.items():
            if box.sceneBoundingRect().contains(event.scenePos()):
                self.state.select(layer=layer, head=h, reduction="head", method="raw")
                return
