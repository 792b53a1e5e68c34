"""Where every head's thumbnail sits in the heads overview's one mosaic image, and which one a point is on.

Qt repaints one big image far faster than a grid of small plots (one per layer
and head), so the overview draws every head's map into one RGBA array with a
thin transparent gap between thumbnails. The numbers here are pure geometry in
the mosaic's view coordinates: matrix cells (matrix mode) or original-picture
pixels (word mode, where each thumbnail is a whole picture with the map over
its patch box).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

GAP = 0.04  # the gap between thumbnails, as a share of a thumbnail's longer side


@dataclass(frozen=True)
class Mosaic:
    layers: int
    heads: int
    rows: int  # map rows and columns of one thumbnail
    cols: int
    width: float  # one thumbnail's extent in view units (columns, rows of a matrix; the picture's size)
    height: float
    origin: tuple[float, float]  # where a thumbnail's map starts inside it (the patch box's corner)
    cell: tuple[float, float]  # one map pixel's size in view units
    stride: tuple[int, int]  # map pixels from one thumbnail's start to the next (x, y): its columns plus the gap
    scale: int = 1  # mosaic pixels per map value a side (word mode: fine enough for a thin gap)

    @property
    def pitch(self) -> tuple[float, float]:
        return self.stride[0] * self.cell[0], self.stride[1] * self.cell[1]

    def tile_rect(self, layer: int, head: int) -> tuple[float, float, float, float]:
        """(x, y, width, height) of one thumbnail in view units."""
        px, py = self.pitch
        return head * px, layer * py, self.width, self.height

    def bounds(self) -> tuple[float, float, float, float]:
        """(x, y, width, height) of the whole mosaic."""
        px, py = self.pitch
        return 0.0, 0.0, (self.heads - 1) * px + self.width, (self.layers - 1) * py + self.height

    def at(self, x: float, y: float):
        """(layer, head, x, y inside that thumbnail) under view point (x, y), or None in a gap or outside."""
        px, py = self.pitch
        head, layer = math.floor(x / px), math.floor(y / py)
        if not (0 <= head < self.heads and 0 <= layer < self.layers):
            return None
        lx, ly = x - head * px, y - layer * py
        if lx >= self.width or ly >= self.height:
            return None
        return layer, head, lx, ly

    def assemble(self, colours) -> np.ndarray:
        """Per-layer uint8 [H, rows, cols, 4] -> one uint8 [layers*sy, heads*sx, 4] image, gaps transparent."""
        sx, sy = self.stride
        k, rows, cols = self.scale, self.rows * self.scale, self.cols * self.scale
        out = np.zeros((self.layers, sy, self.heads, sx, 4), dtype=np.uint8)  # [L, y, H, x, rgba]
        for layer, tiles in enumerate(colours):
            tiles = np.asarray(tiles).transpose(1, 0, 2, 3)  # [rows, H, cols, 4]
            if k > 1:
                tiles = tiles.repeat(k, axis=0).repeat(k, axis=2)
            out[layer, :rows, :, :cols] = tiles
        return out.reshape(self.layers * sy, self.heads * sx, 4)

    def tile(self, image: np.ndarray, layer: int, head: int) -> np.ndarray:
        """One thumbnail's colours [rows, cols, 4], one per map value, out of an `assemble`d image."""
        sx, sy = self.stride
        k = self.scale
        return image[layer * sy : layer * sy + self.rows * k : k, head * sx : head * sx + self.cols * k : k]


def matrix_mosaic(layers: int, heads: int, rows: int, cols: int) -> Mosaic:
    """Matrices of [rows, cols] cells, one cell one view unit."""
    gap = max(1, round(GAP * max(rows, cols)))
    return Mosaic(layers, heads, rows, cols, float(cols), float(rows), (0.0, 0.0), (1.0, 1.0), (cols + gap, rows + gap))


def picture_mosaic(layers: int, heads: int, grid: tuple[int, int], image_size, image_box) -> Mosaic:
    """Patch maps of `grid` over pictures of `image_size`, the map on `image_box` of each.

    The map image's pixels are whole fractions of a patch, so a thumbnail's pitch is a
    whole number of them: each patch is split `scale` times a side, fine enough that
    rounding the gap up to a whole pixel keeps it thin (the picture under it is
    resampled to the same pitch, see `picture_tiles`).
    """
    rows, cols = grid
    width, height = float(image_size[0]), float(image_size[1])
    x0, y0, x1, y1 = image_box
    gap = GAP * max(width, height)
    scale = max(1, math.ceil(max((x1 - x0) / cols, (y1 - y0) / rows) / gap))
    cell = ((x1 - x0) / cols / scale, (y1 - y0) / rows / scale)
    stride = (math.ceil((width + gap) / cell[0] - 1e-9), math.ceil((height + gap) / cell[1] - 1e-9))
    return Mosaic(layers, heads, rows, cols, width, height, (float(x0), float(y0)), cell, stride, scale)


def picture_tiles(mosaic: Mosaic, small: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """The (shrunk) picture under every thumbnail as one RGBA image, and its pixel size in view units.

    Nearest-pixel sampling at the picture's own resolution; the gaps are transparent.
    """
    small = np.asarray(small)
    if small.ndim == 2:
        small = np.repeat(small[..., None], 3, axis=2)
    small = small[..., :3].astype(np.uint8)
    rgba = np.concatenate([small, np.full(small.shape[:2] + (1,), 255, np.uint8)], axis=2)
    ph, pw = rgba.shape[:2]
    sx, sy = mosaic.width / pw, mosaic.height / ph  # one picture pixel in view units
    _, _, total_w, total_h = mosaic.bounds()
    px, py = mosaic.pitch

    def sample(n_pixels, size, pitch, extent, count):
        centres = (np.arange(math.ceil(extent / size)) + 0.5) * size
        local = centres - np.floor(centres / pitch) * pitch
        index = np.minimum(count - 1, np.floor(local / size).astype(int))
        return index, local < n_pixels * size  # which picture pixel, and whether it is on a thumbnail

    xi, xin = sample(pw, sx, px, total_w, pw)
    yi, yin = sample(ph, sy, py, total_h, ph)
    out = rgba[yi][:, xi]
    out[~yin] = 0
    out[:, ~xin] = 0
    return out, (sx, sy)
