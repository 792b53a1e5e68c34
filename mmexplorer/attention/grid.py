"""Mapping patch scores back onto the original image, for any aspect ratio."""

from __future__ import annotations

import numpy as np


def patch_boxes(grid: tuple[int, int], image_box: tuple[float, float, float, float]) -> np.ndarray:
    """Pixel box [x0, y0, x1, y1] of every patch, row-major: [rows*cols, 4].

    The grid covers `image_box` of the original image; cells are stretched to
    its aspect ratio, so a non-square photo gets non-square cells.
    """
    rows, cols = grid
    x0, y0, x1, y1 = image_box
    xs = np.linspace(x0, x1, cols + 1)
    ys = np.linspace(y0, y1, rows + 1)
    boxes = np.empty((rows, cols, 4))
    boxes[..., 0] = xs[None, :-1]
    boxes[..., 2] = xs[None, 1:]
    boxes[..., 1] = ys[:-1, None]
    boxes[..., 3] = ys[1:, None]
    return boxes.reshape(rows * cols, 4)


def patch_at(x: float, y: float, grid: tuple[int, int], image_box: tuple[float, float, float, float]) -> int | None:
    """Index of the patch under original-image pixel (x, y), or None outside the grid."""
    rows, cols = grid
    x0, y0, x1, y1 = image_box
    if not (x0 <= x < x1 and y0 <= y < y1):
        return None
    col = min(cols - 1, int((x - x0) / (x1 - x0) * cols))
    row = min(rows - 1, int((y - y0) / (y1 - y0) * rows))
    return row * cols + col


def upsample_to_image(scores: np.ndarray, image_size: tuple[int, int], image_box=None) -> np.ndarray:
    """[rows, cols] -> [height, width] nearest-patch map over the original image (NaN outside the box)."""
    width, height = image_size
    rows, cols = scores.shape
    x0, y0, x1, y1 = image_box or (0, 0, width, height)
    out = np.full((height, width), np.nan, dtype=np.float32)
    xs = np.arange(width) + 0.5
    ys = np.arange(height) + 0.5
    col = np.floor((xs - x0) / (x1 - x0) * cols).astype(int)
    row = np.floor((ys - y0) / (y1 - y0) * rows).astype(int)
    cv = (col >= 0) & (col < cols)
    rv = (row >= 0) & (row < rows)
    out[np.ix_(rv, cv)] = scores[np.ix_(row[rv], col[cv])]
    return out


def box_mask(grid: tuple[int, int], image_box, box, min_cover: float = 0.5) -> np.ndarray:
    """Bool [rows, cols]: patches whose area lies at least `min_cover` inside pixel `box`."""
    boxes = patch_boxes(grid, image_box)
    bx0, by0, bx1, by1 = box
    ix = np.clip(np.minimum(boxes[:, 2], bx1) - np.maximum(boxes[:, 0], bx0), 0, None)
    iy = np.clip(np.minimum(boxes[:, 3], by1) - np.maximum(boxes[:, 1], by0), 0, None)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return (ix * iy / area >= min_cover).reshape(grid)
