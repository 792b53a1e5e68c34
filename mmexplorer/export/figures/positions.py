"""The `positions` view: cosine similarity of the patch position embeddings.

Left, every patch against one selected patch; right, the 'grid of grids'
(each cell holds that patch's similarity map), as in the ViT paper.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mmexplorer.attention.positions import position_similarity
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.errors import ExportError
from mmexplorer.export.figure_data import FigureData
from mmexplorer.export.figures.draw import add_colorbar_beside, levels_norm, screen_colormap
from mmexplorer.export.settings import FigureSettings
from mmexplorer.export.style import add_caption, join_caption, new_figure

_PANEL_IN = 2.3  # inches per panel side


def _index_ticks(ax: Axes, rows: int, cols: int, tile: tuple[int, int] = (1, 1)) -> None:
    """Patch row / column indices at cell centres; `tile` is (rows, cols) pixels per cell in the grid of grids."""
    step_c, step_r = max(1, cols // 8), max(1, rows // 8)
    ax.set_xticks([(c + 0.5) * tile[1] - 0.5 for c in range(0, cols, step_c)], [str(c) for c in range(0, cols, step_c)])
    ax.set_yticks([(r + 0.5) * tile[0] - 0.5 for r in range(0, rows, step_r)], [str(r) for r in range(0, rows, step_r)])
    ax.tick_params(length=1.5, width=0.4, labelsize=6)
    for spine in ax.spines.values():
        spine.set_visible(False)


def positions_panels(record: AttentionRecord, settings: FigureSettings) -> FigureData:
    """Every patch's similarity map [N, rows, cols] (the tiles of the grid of grids; tile `patch` is the left panel)."""
    if record.patch_positions is None:
        raise ExportError("this record has no patch position embeddings")
    pos = record.patch_positions  # [rows*cols, D] float32, the very numbers the patches tab computes with
    maps = position_similarity(pos).reshape(record.n_patches, *record.grid).astype(np.float32)  # row j: similarity to p j
    labels = tuple(f"position similarity to p{j}" for j in range(record.n_patches))
    return FigureData(maps, labels, record.tokens, settings.levels)


def positions_figure(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings, data: Optional[FigureData] = None) -> Figure:
    data = data or positions_panels(record, settings)
    rows, cols = record.grid
    patch = settings.patch
    one = data.maps[patch]  # [rows, cols]
    # the grid of grids: outer cell (r, c) holds patch (r, c)'s map
    tiles = data.maps.reshape(rows, cols, rows, cols).transpose(0, 2, 1, 3).reshape(rows * rows, cols * cols)
    norm = levels_norm(settings.levels)  # the explorer's fixed -1..1, so models compare
    cmap = screen_colormap(settings.colormap, over_picture=False)

    fig = new_figure(6.2, _PANEL_IN * rows / cols + 1.0)  # two square-celled panels, titles, labels, caption
    left, right = fig.subplots(1, 2, width_ratios=(1, 1))
    left.imshow(one, cmap=cmap, norm=norm, interpolation="nearest").set_gid("map")
    r, c = divmod(patch, cols)
    left.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="black", lw=1.0))
    left.set_title(f"similarity to p{patch} (row {r}, column {c})", fontsize=8)
    _index_ticks(left, rows, cols)
    left.set_xlabel("patch column")
    left.set_ylabel("patch row")

    right.imshow(tiles, cmap=cmap, norm=norm, interpolation="nearest").set_gid("map")
    for k in range(1, rows):  # outer cell (r, c) spans rows r*rows.. and columns c*cols..
        right.axhline(k * rows - 0.5, color="white", lw=0.5)
    for k in range(1, cols):
        right.axvline(k * cols - 0.5, color="white", lw=0.5)
    right.set_title("every patch (grid of grids)", fontsize=8)
    _index_ticks(right, rows, cols, tile=(rows, cols))
    right.set_xlabel("patch column")
    right.set_ylabel("patch row")

    add_colorbar_beside(right, norm, cmap, "cosine similarity", _PANEL_IN)
    pos_kind = (record.meta.get("config") or {}).get("pos_embed", "")
    add_caption(
        fig,
        join_caption(f"model {record.model}", f"{record.fusion} fusion", f"{pos_kind} position embeddings" if pos_kind else "", f"grid {rows}×{cols}"),
    )
    return fig
