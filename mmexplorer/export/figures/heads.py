"""The `heads` view: one word's map for every layer (rows) and head (columns), on one colour scale.

Models without cross-modal attention (late fusion, dual encoders) have no
word → patch attention; like the explorer's heads tab they show every
head's attention matrix of one attention set (settings.kind, by default the
image encoder's), and the title says so. Any model shows those matrices
when settings.kind names a set.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib.figure import Figure

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.figure_data import FigureData
from mmexplorer.export.figures.draw import (
    add_colorbar,
    check_image,
    clear_frame,
    draw_map_on_image,
    levels_norm,
    opaque,
    panel_size,
    screen_colormap,
)
from mmexplorer.export.settings import FigureSettings
from mmexplorer.export.style import NOTE_COLOR, add_caption, fit_text, join_caption, new_figure

_GRID_WIDTH = 6.0  # inches for all head columns together
_MAX_PANEL = 1.6  # inches, the longest side of one panel
_MIN_WIDTH = 3.6  # inches, so the title and caption fit one or two lines


def head_maps(record: AttentionRecord, token: Optional[int], kind: Optional[str] = None) -> tuple[np.ndarray, str, str]:
    """[layers, heads, rows, cols] maps, what they are, and the attention kind they come from.

    kind None: word `token` -> image patches of the cross-modal set; otherwise every
    head's whole [queries, keys] matrix of `kind`.
    """
    if kind is None:
        kind = record.cross_kind
        query = record.positions(kind, 0, "text")[token]
        word = record.tokens[token]
        what = f"“{word}” (token {token}) → image patches, {kind} attention"
        cols = record.positions(kind, 1, "image")
        return np.stack([w[:, query, cols].reshape(w.shape[0], *record.grid) for w in record.attention[kind]]), what, kind
    what = f"{kind} attention matrix of every head"
    if record.cross_kind is None:
        what = f"no cross-modal attention in {record.fusion} fusion: {what}"
    return np.stack([np.asarray(w) for w in record.attention[kind]]), what, kind


def heads_panels(record: AttentionRecord, settings: FigureSettings) -> FigureData:
    """[layers * heads, rows, cols] maps as drawn, layer-major."""
    maps, _, _ = head_maps(record, settings.token, settings.kind)
    n_layers, n_heads = maps.shape[:2]
    labels = tuple(f"layer {layer}, head {head}" for layer in range(n_layers) for head in range(n_heads))
    return FigureData(maps.reshape(n_layers * n_heads, *maps.shape[2:]).astype(np.float32), labels, record.tokens, settings.levels)


def _span(name: str, n: int) -> str:
    return f"{name} 0" if n == 1 else f"{name}s 0–{n - 1}"


def heads_figure(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings, data: Optional[FigureData] = None) -> Figure:
    image = check_image(record, image)
    _, what, kind = head_maps(record, settings.token, settings.kind)
    data = data or heads_panels(record, settings)
    n_layers, n_heads = record.layers(kind), record.heads
    maps = data.maps.reshape(n_layers, n_heads, *data.maps.shape[1:])
    over_picture = settings.kind is None
    if over_picture:
        width, height = record.image_size
        aspect = width / height
    else:
        aspect = maps.shape[3] / maps.shape[2]
    panel_w, panel_h = panel_size(aspect, min(_MAX_PANEL, _GRID_WIDTH / n_heads), _MAX_PANEL)
    fig = new_figure(max(n_heads * panel_w + 1.2, _MIN_WIDTH), n_layers * panel_h + 1.0)
    axes = np.atleast_2d(fig.subplots(n_layers, n_heads, squeeze=False))
    norm = levels_norm(settings.levels)  # one scale for every layer and head, the explorer's
    cmap = screen_colormap(settings.colormap, over_picture, opacity=settings.opacity if over_picture else 1.0)
    for layer in range(n_layers):
        for head in range(n_heads):
            ax = axes[layer, head]
            if over_picture:
                draw_map_on_image(ax, record, image, maps[layer, head], norm, cmap, settings.picture)
            else:
                ax.imshow(maps[layer, head], cmap=cmap, norm=norm, aspect="auto", interpolation="nearest").set_gid("map")
                clear_frame(ax)
            if layer == 0:
                ax.set_title(f"head {head}", fontsize=7)
            if head == 0:
                ax.set_ylabel(f"layer {layer}", fontsize=7)
    fig.suptitle(fit_text(what, fig.get_figwidth() - 0.2, 8), fontsize=8, color="black" if record.cross_kind else NOTE_COLOR)
    add_colorbar(fig, axes.ravel().tolist(), norm, opaque(cmap), "attention weight", fraction=0.04, aspect=30)
    add_caption(
        fig,
        join_caption(f"model {record.model}", f"{record.fusion} fusion", f"{kind} attention", _span("layer", n_layers), _span("head", n_heads), "method raw"),
    )
    return fig

