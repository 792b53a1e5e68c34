"""The `overlay` view: one word's map over the original image, with its colour bar and settings caption.

Late fusion has no cross-modal attention: the map is the image branch's own
relevance and a second panel shows how the branch decisions combine.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib.figure import Figure

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.figures.branches import draw_branches, has_branches
from mmexplorer.export.figure_data import FigureData
from mmexplorer.export.figures.draw import (
    add_colorbar_beside,
    check_image,
    draw_map_on_image,
    levels_norm,
    opaque,
    panel_size,
    screen_colormap,
)
from mmexplorer.export.settings import FigureSettings
from mmexplorer.export.style import NOTE_COLOR, add_caption, fit_text, new_figure
from mmexplorer.export.token_map import map_caption, token_map

_MAP_BOX = (4.2, 3.0)  # inches the image panel may use (width, height)
_BRANCH_WIDTH = 2.8
_MIN_MAP_COLUMN = 3.2  # inches, so a tall image still leaves room for the title and caption


def overlay_panels(record: AttentionRecord, settings: FigureSettings) -> FigureData:
    """The word's map [1, rows, cols] as drawn."""
    m = token_map(record, settings.token, settings.layer, settings.head, settings.method)
    return FigureData(np.asarray(m.values, dtype=np.float32)[None], (f"{m.title}: {m.description}",), record.tokens, settings.levels)


def overlay_figure(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings, data: Optional[FigureData] = None) -> Figure:
    image = check_image(record, image)
    data = data or overlay_panels(record, settings)
    m = token_map(record, settings.token, settings.layer, settings.head, settings.method)
    width, height = record.image_size
    map_w, map_h = panel_size(width / height, *_MAP_BOX)
    show_branches = record.cross_kind is None and record.similarity is None and has_branches(record.outputs)
    fig_w = max(map_w + 0.9, _MIN_MAP_COLUMN) + (_BRANCH_WIDTH if show_branches else 0.0)
    fig = new_figure(fig_w, max(map_h + 0.75, 2.4 if show_branches else 0.0))

    if show_branches:
        left, right = fig.subfigures(1, 2, width_ratios=(fig_w - _BRANCH_WIDTH, _BRANCH_WIDTH), wspace=0.02)
        draw_branches(right, record.outputs)
    else:
        left = fig
    ax = left.subplots()
    norm = levels_norm(settings.levels)
    # as the explorer draws it: signed levels (cosine similarity) take the diverging colours
    cmap = screen_colormap(settings.colormap, True, signed=settings.levels[0] < 0, opacity=settings.opacity)
    draw_map_on_image(ax, record, image, data.maps[0], norm, cmap, settings.picture)
    ax.set_title(m.title, fontsize=9, pad=12)
    ax.text(0.5, 1.01, fit_text(m.description, _MIN_MAP_COLUMN, 6.5), transform=ax.transAxes, ha="center", va="bottom", fontsize=6.5, color=NOTE_COLOR)
    add_colorbar_beside(ax, norm, opaque(cmap), m.quantity, map_w)
    add_caption(fig, map_caption(record, m))
    return fig
