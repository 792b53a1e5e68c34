"""The views, looked up by name: view(record, image or None, resolved settings) -> Figure.

Each view has a panels function giving the numbers it draws (FigureData), and
draws exactly those, so a bundle's figure_data.npz is what the figure shows.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from matplotlib.figure import Figure

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.figure_data import FigureData
from mmexplorer.export.figures.heads import heads_figure, heads_panels
from mmexplorer.export.figures.matrix import matrix_figure, matrix_panels
from mmexplorer.export.figures.overlay import overlay_figure, overlay_panels
from mmexplorer.export.figures.patches import patches_figure, patches_panels
from mmexplorer.export.figures.positions import positions_figure, positions_panels
from mmexplorer.export.settings import FigureSettings, resolve_settings
from mmexplorer.export.style import figure_style

ViewFunction = Callable[[AttentionRecord, Optional[np.ndarray], FigureSettings], Figure]

VIEWS: dict[str, ViewFunction] = {
    "overlay": overlay_figure,
    "matrix": matrix_figure,
    "heads": heads_figure,
    "positions": positions_figure,
    "patches": patches_figure,
}


PANELS: dict[str, Callable[[AttentionRecord, FigureSettings], FigureData]] = {
    "overlay": overlay_panels,
    "matrix": matrix_panels,
    "heads": heads_panels,
    "positions": positions_panels,
    "patches": patches_panels,
}


def render_view(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings) -> tuple[Figure, FigureData, FigureSettings]:
    """(figure, the numbers it draws, the resolved settings) for one view."""
    resolved = resolve_settings(record, settings)
    data = PANELS[resolved.view](record, resolved)
    with figure_style():
        return VIEWS[resolved.view](record, image, resolved, data), data, resolved


def figure_data(record: AttentionRecord, settings: FigureSettings) -> FigureData:
    """The numbers the view draws for these settings, without drawing."""
    resolved = resolve_settings(record, settings)
    return PANELS[resolved.view](record, resolved)


def render_figure(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings) -> Figure:
    """Draw a view (image: uint8 [H, W, 3], the picture the record was probed on, or None).

    Settings are resolved first (resolving is idempotent), so loose ones such
    as a word instead of an index are fine; ExportError when they do not fit.
    """
    return render_view(record, image, settings)[0]
