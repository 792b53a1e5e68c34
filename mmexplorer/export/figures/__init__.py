"""The views, looked up by name: view(record, image or None, resolved settings) -> Figure."""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
from matplotlib.figure import Figure

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.figures.heads import heads_figure
from mmexplorer.export.figures.matrix import matrix_figure
from mmexplorer.export.figures.overlay import overlay_figure
from mmexplorer.export.figures.patches import patches_figure
from mmexplorer.export.figures.positions import positions_figure
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


def render_figure(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings) -> Figure:
    """Draw a view (image: uint8 [H, W, 3], the picture the record was probed on, or None).

    Settings are resolved first (resolving is idempotent), so loose ones such
    as a word instead of an index are fine; ExportError when they do not fit.
    """
    resolved = resolve_settings(record, settings)
    with figure_style():
        return VIEWS[resolved.view](record, image, resolved)
