"""Several records side by side, one word each, on shared colour scales.

Maps of the same quantity (attention weight, relevance, cosine similarity)
share one colour scale, so panels compare; different quantities are never
forced onto one scale, since that would compare unlike numbers. A colour bar
follows each run of neighbouring panels that share a scale.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
from matplotlib.figure import Figure

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.errors import ExportError
from mmexplorer.export.figures.draw import add_colorbar_beside, check_image, cmap_for, draw_map_on_image, panel_size, shared_norm
from mmexplorer.export.settings import resolve_head, resolve_layer, resolve_method, resolve_token
from mmexplorer.export.style import NOTE_COLOR, add_caption, figure_style, fit_text, join_caption, new_figure
from mmexplorer.export.token_map import TokenMap, token_map

_PANEL_BOX = (2.4, 2.2)  # inches per record


def _runs(quantities: list[str]) -> list[int]:
    """Index of the last panel of each run of neighbours that show the same quantity."""
    return [i for i, q in enumerate(quantities) if i + 1 == len(quantities) or quantities[i + 1] != q]


def _record_map(record: AttentionRecord, token, layer, head, method) -> TokenMap:
    index = resolve_token(record, token)
    head = resolve_head(record, head)
    method = resolve_method(record, method)
    if method == "raw" and record.cross_kind is not None:
        layer = resolve_layer(record, record.cross_kind, layer)
    else:
        layer = None
    return token_map(record, index, layer, head, method)


def compare_figure(
    items: Sequence[tuple[AttentionRecord, Optional[np.ndarray]]],
    token: Union[int, str, None] = None,
    layer: Optional[int] = None,
    head: Union[int, str] = "mean",
    method: str = "raw",
) -> Figure:
    """One panel per (record, image) pair; `token` is an index or a word, found in each record's text."""
    with figure_style():
        return _compare(items, token, layer, head, method)


def _compare(items, token, layer, head, method) -> Figure:
    if not items:
        raise ExportError("nothing to compare: give at least one record")
    maps = [_record_map(record, token, layer, head, method) for record, _ in items]
    images = [check_image(record, image) for record, image in items]
    aspect = max(r.image_size[0] / r.image_size[1] for r, _ in items)
    panel_w, panel_h = panel_size(aspect, *_PANEL_BOX)
    runs = _runs([m.quantity for m in maps])
    fig = new_figure(len(items) * (panel_w + 0.1) + 0.8 * len(runs) + 0.2, panel_h + 1.3)
    axes = np.atleast_1d(fig.subplots(1, len(items), squeeze=False)[0])

    norms = {}
    for quantity in {m.quantity for m in maps}:
        members = [m for m in maps if m.quantity == quantity]
        norms[quantity] = shared_norm([m.values for m in members], members[0].signed)
    for i, (m, (record, _)) in enumerate(zip(maps, items)):
        ax = axes[i]
        draw_map_on_image(ax, record, images[i], m.values, norms[m.quantity], cmap_for(m.signed))
        ax.set_title(f"{record.model}\n{record.fusion} fusion", fontsize=8)
        note = f"{m.description}\n{m.layer_text}, {m.head_text}"
        ax.set_xlabel(fit_text(note, panel_w, 6), fontsize=6, color=NOTE_COLOR)
    for last in runs:  # one colour bar per run of panels showing the same quantity
        m = maps[last]
        add_colorbar_beside(axes[last], norms[m.quantity], cmap_for(m.signed), m.quantity, panel_w)

    words = sorted({m.word for m in maps})
    fig.suptitle(f"“{' / '.join(words)}” → image", fontsize=9)
    add_caption(fig, join_caption(f"token {token if token is not None else 0}", f"layer {layer}" if layer is not None else "last layer", f"head {head}", f"method {method}"))
    return fig
