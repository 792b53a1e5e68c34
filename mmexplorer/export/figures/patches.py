"""The `patches` view: the patch grid, with indices, over the part of the image it covers.

Cells follow the image's aspect ratio (a wide photo gets wide cells) and the
record's image_box (a cropping processor's region); outside it is greyed.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mmexplorer.attention.grid import patch_boxes
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.figure_data import FigureData, stack_panels
from mmexplorer.export.figures.draw import check_image, clear_frame, panel_size
from mmexplorer.export.settings import FigureSettings
from mmexplorer.export.style import add_caption, fit_text, join_caption, new_figure

_BOX = (5.0, 4.0)  # inches the image may use
_HIGHLIGHT = "#ffd92f"
_MIN_WIDTH = 3.2  # inches, so a tall image still leaves room for the title and caption


def patches_panels(record: AttentionRecord, settings: FigureSettings) -> FigureData:
    """The patch grid draws no map: no panels, no levels."""
    return FigureData(stack_panels([], record.grid), (), record.tokens, None)


def patches_figure(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings, data: Optional[FigureData] = None) -> Figure:
    image = check_image(record, image)
    width, height = record.image_size
    rows, cols = record.grid
    panel_w, panel_h = panel_size(width / height, *_BOX)
    fig = new_figure(max(panel_w + 0.3, _MIN_WIDTH), panel_h + 0.75)
    ax = fig.subplots()
    if image is not None:
        ax.imshow(image, extent=(0, width, height, 0), interpolation="antialiased")
    else:
        ax.add_patch(Rectangle((0, 0), width, height, color="0.92"))
    x0, y0, x1, y1 = record.image_box
    outside = [(0, 0, width, y0), (0, y1, width, height), (0, y0, x0, y1), (x1, y0, width, y1)]
    for bx0, by0, bx1, by1 in outside:
        if bx1 > bx0 and by1 > by0:
            ax.add_patch(Rectangle((bx0, by0), bx1 - bx0, by1 - by0, color="black", alpha=0.45, lw=0))

    boxes = patch_boxes(record.grid, record.image_box)  # [rows*cols, 4] x0, y0, x1, y1
    for x in np.linspace(x0, x1, cols + 1):
        ax.plot([x, x], [y0, y1], color="white", lw=0.6, alpha=0.9)
    for y in np.linspace(y0, y1, rows + 1):
        ax.plot([x0, x1], [y, y], color="white", lw=0.6, alpha=0.9)

    # index labels sized to the cell: a cell is panel_w / width inches per pixel times its pixel size
    cell_pt = min((x1 - x0) / cols, (y1 - y0) / rows) * panel_w / width * 72
    size = float(np.clip(cell_pt * 0.32, 3.0, 8.0))
    outline = [patheffects.withStroke(linewidth=1.2, foreground="black")]
    for index, (bx0, by0, bx1, by1) in enumerate(boxes):
        ax.text((bx0 + bx1) / 2, (by0 + by1) / 2, str(index), ha="center", va="center", fontsize=size, color="white", path_effects=outline)
    if settings.patch is not None:
        bx0, by0, bx1, by1 = boxes[settings.patch]
        ax.add_patch(Rectangle((bx0, by0), bx1 - bx0, by1 - by0, fill=False, ec=_HIGHLIGHT, lw=1.5))

    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    clear_frame(ax)
    cell_w, cell_h = (x1 - x0) / cols, (y1 - y0) / rows
    title = f"{rows}×{cols} patch grid, patch ≈ {cell_w:.3g}×{cell_h:.3g} px of the original image"
    ax.set_title(fit_text(title, fig.get_figwidth() - 0.2, 8), fontsize=8)
    region = "whole image" if (x0, y0, x1, y1) == (0, 0, width, height) else f"region [{x0:g}, {y0:g}, {x1:g}, {y1:g}]"
    add_caption(fig, join_caption(f"model {record.model}", f"{record.fusion} fusion", f"image {width}×{height} px", region))
    return fig
