"""The `matrix` view: one attention set, layer and head as a query x key matrix.

Axes are labelled with the tokens ([CLS], the words) and patch indices, and
the modality blocks are marked: early fusion's joint matrix splits into four
(text→text, text→image, image→text, image→image).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mmexplorer.attention.maps import attention_matrix
from mmexplorer.attention.record import AttentionRecord, Segments
from mmexplorer.export.figure_data import FigureData
from mmexplorer.export.figures.draw import add_colorbar, levels_norm, screen_colormap
from mmexplorer.export.settings import FigureSettings
from mmexplorer.export.style import add_caption, join_caption, new_figure

KIND_TITLES = {
    "joint": "joint self-attention over text and image",
    "text": "text self-attention",
    "image": "image self-attention",
    "text_to_image": "cross-attention, text queries → image keys",
    "image_to_text": "cross-attention, image queries → text keys",
}
_MAX_PATCH_TICKS = 16  # beyond this, patch indices are labelled every n-th
_CELL_IN = 0.11  # inches per matrix cell, when the matrix is small enough
_MAX_SIDE_IN = 6.5  # the longest side of the matrix, in inches


def modality_blocks(segments: Segments) -> list[tuple[str, int, int]]:
    """Merge a [CLS] (or a start token) into the modality that follows it: [(modality, start, stop), ...] along one axis."""
    blocks: list[list] = []
    pending_cls: Optional[int] = None
    for modality, start, stop in segments:
        if modality in ("cls", "start"):
            pending_cls = start
            continue
        begin = pending_cls if pending_cls is not None else start
        pending_cls = None
        if blocks and blocks[-1][0] == modality:
            blocks[-1][2] = stop
        else:
            blocks.append([modality, begin, stop])
    if pending_cls is not None:  # a [CLS] with nothing after it
        blocks.append(["cls", pending_cls, pending_cls + 1])
    return [tuple(b) for b in blocks]


def tick_positions(labels: list[str]) -> list[int]:
    """Every token is labelled; patches every n-th so the axis stays readable."""
    patches = [i for i, label in enumerate(labels) if label.startswith("p") and label[1:].isdigit()]
    step = max(1, int(np.ceil(len(patches) / _MAX_PATCH_TICKS)))
    keep = set(patches[::step])
    return [i for i, label in enumerate(labels) if i in keep or i not in patches]


def _mark_blocks(ax: Axes, rows: list, cols: list) -> None:
    for _, start, _ in rows[1:]:
        ax.axhline(start - 0.5, color="white", lw=0.9)
    for _, start, _ in cols[1:]:
        ax.axvline(start - 0.5, color="white", lw=0.9)
    # block names on the free sides: keys on top, queries on the right
    top = ax.secondary_xaxis("top")
    top.set_xticks([(s + e - 1) / 2 for _, s, e in cols], [m for m, _, _ in cols])
    top.tick_params(length=0, labelsize=7)
    right = ax.secondary_yaxis("right")
    right.set_yticks([(s + e - 1) / 2 for _, s, e in rows], [m for m, _, _ in rows], rotation=90, va="center")
    right.tick_params(length=0, labelsize=7)
    for axis in (top, right):
        for spine in axis.spines.values():
            spine.set_visible(False)


def matrix_panels(record: AttentionRecord, settings: FigureSettings) -> FigureData:
    """The matrix [1, Q, K] as drawn."""
    weights = attention_matrix(record, settings.kind, settings.layer, settings.head)  # [Q, K]
    label = f"{settings.kind} attention, layer {settings.layer}, head {settings.head}"
    return FigureData(np.asarray(weights, dtype=np.float32)[None], (label,), record.tokens, settings.levels)


def matrix_figure(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings, data: Optional[FigureData] = None) -> Figure:
    kind, layer, head = settings.kind, settings.layer, settings.head
    weights = (data or matrix_panels(record, settings)).maps[0]  # [Q, K]
    n_q, n_k = weights.shape
    row_labels, col_labels = record.labels(kind, 0), record.labels(kind, 1)
    cell = min(_CELL_IN, _MAX_SIDE_IN / max(n_q, n_k))
    label_size = float(np.clip(cell * 72 * 0.8, 4.0, 6.5))  # token labels as tall as a cell allows
    width = float(np.clip(n_k * cell, 2.0, _MAX_SIDE_IN)) + 1.6
    height = float(np.clip(n_q * cell, 1.3, _MAX_SIDE_IN)) + 1.4
    fig = new_figure(width, height)
    ax = fig.subplots()
    norm = levels_norm(settings.levels)  # the explorer's: a high percentile of the set's weights, weights above it saturate
    cmap = screen_colormap(settings.colormap, over_picture=False)
    ax.imshow(weights, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest").set_gid("map")

    xt, yt = tick_positions(col_labels), tick_positions(row_labels)
    ax.set_xticks(xt, [col_labels[i] for i in xt], rotation=90, fontsize=label_size)
    ax.set_yticks(yt, [row_labels[i] for i in yt], fontsize=label_size)
    ax.tick_params(length=1.5, width=0.4)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("key")
    ax.set_ylabel("query")
    _mark_blocks(ax, modality_blocks(record.layouts[kind][0]), modality_blocks(record.layouts[kind][1]))

    if settings.token is not None:  # outline the selected word's row
        text_rows = record.positions(kind, 0, "text")
        if len(text_rows) > settings.token:
            row = text_rows[settings.token]
            ax.add_patch(Rectangle((-0.5, row - 0.5), n_k, 1, fill=False, ec="#e41a1c", lw=0.8))

    head_text = f"head {head}" if isinstance(head, int) else f"{head} over heads"
    ax.set_title(KIND_TITLES.get(kind, f"{kind} attention"), fontsize=9)
    add_colorbar(fig, ax, norm, cmap, "attention weight", pad=0.06, extend="max" if weights.max() > norm.vmax else "neither")
    add_caption(fig, join_caption(f"model {record.model}", f"{record.fusion} fusion", f"{kind} attention", f"layer {layer}", head_text, "method raw"))
    return fig
