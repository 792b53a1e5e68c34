"""Several records side by side, one word each, on shared colour scales.

Maps of the same quantity (attention weight, relevance, cosine similarity)
share one colour scale, so panels compare; different quantities are never
forced onto one scale, since that would compare unlike numbers. A colour bar
follows each run of neighbouring panels that share a scale.

With share=True the panels are what the explorer's Compare tab draws: each
model's default map of the word as its share of the map's positive mass per
patch, all on one scale (levels), in that tab's colours.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np
from matplotlib.figure import Figure

from mmexplorer.attention.levels import mass_share, top_level
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.errors import ExportError
from mmexplorer.export.figure_data import FigureData, stack_panels
from mmexplorer.export.figures.draw import add_colorbar_beside, check_image, draw_map_on_image, levels_norm, opaque, panel_size, screen_colormap
from mmexplorer.export.settings import DEFAULT_OPACITY, parse_levels, resolve_head, resolve_layer, resolve_method, resolve_token
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


def _share_map(record: AttentionRecord, token) -> TokenMap:
    """`token`: one word (index or text), or a list of token indices whose maps are averaged first (one word
    that this model split into pieces, as the explorer's Compare tab shows it)."""
    indices = list(token) if isinstance(token, (list, tuple)) else [resolve_token(record, token)]
    if not indices or not all(isinstance(i, int) and 0 <= i < len(record.tokens) for i in indices):
        raise ExportError(f"tokens {indices} are not all in the text ({len(record.tokens)} word(s))")
    values = mass_share(np.asarray(record.token_to_image[indices], np.float32).mean(0)).astype(np.float64)  # as the screen does
    shown = [f"[UNK] {record.tokens[i]}" if record.token_unk[i] else record.tokens[i] for i in indices]
    return TokenMap(values=values, word=" + ".join(shown), token=indices[0], description=f"share of the map's mass: {record.map_label}",
                    quantity="share of map mass", signed=False, layer_text="default map", head_text="", method_text="share")


def _per_record(token, items) -> bool:
    """Whether `token` gives each record its own token indices (a list of index lists, one per record)."""
    return isinstance(token, (list, tuple)) and len(token) == len(items) and all(isinstance(t, (list, tuple)) for t in token)


def _maps(items, token, layer, head, method, share) -> list[TokenMap]:
    if not items:
        raise ExportError("nothing to compare: give at least one record")
    if _per_record(token, items):
        if not share:
            raise ExportError("token indices per model are for maps shown as share of map mass")
        return [_share_map(r, t) for t, (r, _) in zip(token, items)]
    return [_share_map(r, token) if share else _record_map(r, token, layer, head, method) for r, _ in items]


def _levels_by_quantity(maps: list[TokenMap], levels) -> dict[str, tuple[float, float]]:
    """One scale per quantity: the given levels, else [0, max] (or [-m, m] for signed scores) over its panels."""
    given = parse_levels(levels)
    out = {}
    for quantity in dict.fromkeys(m.quantity for m in maps):
        members = [m.values for m in maps if m.quantity == quantity]
        signed = next(m.signed for m in maps if m.quantity == quantity)
        if given is not None:
            out[quantity] = given
        elif signed:
            top = top_level([np.abs(v) for v in members])
            out[quantity] = (-top, top)
        else:
            out[quantity] = (0.0, top_level(members))
    return out


def compare_panels(
    items: Sequence[tuple[AttentionRecord, Optional[np.ndarray]]],
    token: Union[int, str, None] = None,
    layer: Optional[int] = None,
    head: Union[int, str] = "mean",
    method: str = "raw",
    share: bool = False,
    levels=None,
) -> FigureData:
    """The panels [models, rows, cols] compare_figure draws (NaN pads models with a smaller grid)."""
    maps = _maps(items, token, layer, head, method, share)
    scales = _levels_by_quantity(maps, levels)
    tokens = tuple(dict.fromkeys(t for r, _ in items for t in r.tokens))
    labels = tuple(f"{r.model} ({r.fusion}): {m.description}" for m, (r, _) in zip(maps, items))
    first = scales[maps[0].quantity]
    return FigureData(stack_panels([np.asarray(m.values, np.float32) for m in maps]), labels, tokens, first if len(scales) == 1 else None)


def compare_figure(
    items: Sequence[tuple[AttentionRecord, Optional[np.ndarray]]],
    token: Union[int, str, None] = None,
    layer: Optional[int] = None,
    head: Union[int, str] = "mean",
    method: str = "raw",
    colormap: str = "inferno",
    opacity: float = DEFAULT_OPACITY,
    levels=None,
    share: bool = False,
    picture: str = "colour",
) -> Figure:
    """One panel per (record, image) pair; `token` is an index or a word, found in each record's text, or (with
    `share`) one list of token indices per record: the tokens that make up the same word in each."""
    with figure_style():
        return _compare(items, token, layer, head, method, colormap, opacity, levels, share, picture)


def _compare(items, token, layer, head, method, colormap, opacity, levels, share, picture) -> Figure:
    maps = _maps(items, token, layer, head, method, share)
    images = [check_image(record, image) for record, image in items]
    aspect = max(r.image_size[0] / r.image_size[1] for r, _ in items)
    panel_w, panel_h = panel_size(aspect, *_PANEL_BOX)
    runs = _runs([m.quantity for m in maps])
    fig = new_figure(len(items) * (panel_w + 0.1) + 0.8 * len(runs) + 0.2, panel_h + 1.3)
    axes = np.atleast_1d(fig.subplots(1, len(items), squeeze=False)[0])

    norms = {q: levels_norm(lv) for q, lv in _levels_by_quantity(maps, levels).items()}
    cmaps = {q: screen_colormap(colormap, True, signed=norms[q].vmin < 0, opacity=opacity) for q in norms}
    for i, (m, (record, _)) in enumerate(zip(maps, items)):
        ax = axes[i]
        draw_map_on_image(ax, record, images[i], np.asarray(m.values, np.float32), norms[m.quantity], cmaps[m.quantity], picture)
        ax.set_title(f"{record.model}\n{record.fusion} fusion", fontsize=8)
        note = m.description if share else f"{m.description}\n{m.layer_text}, {m.head_text}"
        ax.set_xlabel(fit_text(note, panel_w, 6), fontsize=6, color=NOTE_COLOR)
    for last in runs:  # one colour bar per run of panels showing the same quantity
        m = maps[last]
        add_colorbar_beside(axes[last], norms[m.quantity], opaque(cmaps[m.quantity]), m.quantity, panel_w)

    words = sorted({m.word for m in maps})
    fig.suptitle(f"“{' / '.join(words)}” → image", fontsize=9)
    shown = "default maps as share of map mass" if share else join_caption(
        f"layer {layer}" if layer is not None else "last layer", f"head {head}", f"method {method}")
    said = f"word {' / '.join(words)}" if _per_record(token, items) else f"token {token if token is not None else 0}"
    add_caption(fig, join_caption(said, shown, f"colormap {colormap}"))
    return fig
