"""The `heads` view: one word's map for every layer (rows) and head (columns), on one colour scale.

Models without cross-modal attention (late fusion, dual encoders) have no
word → patch attention; they show the image encoder's [CLS] → patch
attention instead, and the title says so.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib.figure import Figure

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.figures.draw import add_colorbar, check_image, cmap_for, draw_map_on_image, panel_size, shared_norm
from mmexplorer.export.settings import FigureSettings
from mmexplorer.export.style import NOTE_COLOR, add_caption, fit_text, join_caption, new_figure

_GRID_WIDTH = 6.0  # inches for all head columns together
_MAX_PANEL = 1.6  # inches, the longest side of one panel
_MIN_WIDTH = 3.6  # inches, so the title and caption fit one or two lines


def head_maps(record: AttentionRecord, token: Optional[int]) -> tuple[np.ndarray, str, str]:
    """[layers, heads, rows, cols] maps, what they are, and the attention kind they come from (token: None without cross-modal attention)."""
    if record.cross_kind is not None:
        kind = record.cross_kind
        query = record.positions(kind, 0, "text")[token]
        word = record.tokens[token]
        what = f"“{word}” (token {token}) → image patches, {kind} attention"
    else:
        kind = "image"
        cls = record.positions(kind, 0, "cls")
        if len(cls):
            query = cls[0]
            what = f"no cross-modal attention in {record.fusion} fusion: image-encoder [CLS] → patches (the same for every word)"
        else:  # an encoder that pools by attention has no [CLS]: the mean of the patches' rows
            query = record.positions(kind, 0, "image")
            what = f"no cross-modal attention in {record.fusion} fusion: image encoder, mean of the patches' rows → patches"
    cols = record.positions(kind, 1, "image")
    maps = np.stack([_rows(w, query)[:, cols].reshape(w.shape[0], *record.grid) for w in record.attention[kind]])
    return maps, what, kind


def _rows(weights: np.ndarray, query) -> np.ndarray:
    """[H, K]: one query row of [H, Q, K], or the mean of several."""
    return weights[:, query] if np.ndim(query) == 0 else weights[:, query].mean(axis=1)


def _span(name: str, n: int) -> str:
    return f"{name} 0" if n == 1 else f"{name}s 0–{n - 1}"


def heads_figure(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings) -> Figure:
    image = check_image(record, image)
    maps, what, kind = head_maps(record, settings.token)
    n_layers, n_heads = maps.shape[:2]
    width, height = record.image_size
    panel_w, panel_h = panel_size(width / height, min(_MAX_PANEL, _GRID_WIDTH / n_heads), _MAX_PANEL)
    fig = new_figure(max(n_heads * panel_w + 1.2, _MIN_WIDTH), n_layers * panel_h + 1.0)
    axes = np.atleast_2d(fig.subplots(n_layers, n_heads, squeeze=False))
    norm = shared_norm([maps], signed=False)
    cmap = cmap_for(False)
    for layer in range(n_layers):
        for head in range(n_heads):
            ax = axes[layer, head]
            draw_map_on_image(ax, record, image, maps[layer, head], norm, cmap)
            if layer == 0:
                ax.set_title(f"head {head}", fontsize=7)
            if head == 0:
                ax.set_ylabel(f"layer {layer}", fontsize=7)
    fig.suptitle(fit_text(what, fig.get_figwidth() - 0.2, 8), fontsize=8, color="black" if record.cross_kind else NOTE_COLOR)
    add_colorbar(fig, axes.ravel().tolist(), norm, cmap, "attention weight", fraction=0.04, aspect=30)
    add_caption(
        fig,
        join_caption(f"model {record.model}", f"{record.fusion} fusion", f"{kind} attention", _span("layer", n_layers), _span("head", n_heads), "method raw"),
    )
    return fig
