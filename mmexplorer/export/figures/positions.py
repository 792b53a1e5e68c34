"""The `positions` view: cosine similarity of the patch position embeddings.

Left, every patch against one selected patch; right, the 'grid of grids'
(each cell holds that patch's similarity map), as in the ViT paper.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mmexplorer.attention.positions import grid_of_grids, similarity_to_patch
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.errors import ExportError
from mmexplorer.export.figures.draw import add_colorbar_beside
from mmexplorer.export.style import SIGNED_CMAP, add_caption, join_caption, new_figure
from mmexplorer.export.settings import FigureSettings

_NORM = Normalize(-1.0, 1.0)  # cosine similarity, fixed so models compare
_PANEL_IN = 2.3  # inches per panel side


def _index_ticks(ax: Axes, rows: int, cols: int, tile: tuple[int, int] = (1, 1)) -> None:
    """Patch row / column indices at cell centres; `tile` is (rows, cols) pixels per cell in the grid of grids."""
    step_c, step_r = max(1, cols // 8), max(1, rows // 8)
    ax.set_xticks([(c + 0.5) * tile[1] - 0.5 for c in range(0, cols, step_c)], [str(c) for c in range(0, cols, step_c)])
    ax.set_yticks([(r + 0.5) * tile[0] - 0.5 for r in range(0, rows, step_r)], [str(r) for r in range(0, rows, step_r)])
    ax.tick_params(length=1.5, width=0.4, labelsize=6)
    for spine in ax.spines.values():
        spine.set_visible(False)


def positions_figure(record: AttentionRecord, image: Optional[np.ndarray], settings: FigureSettings) -> Figure:
    if record.patch_positions is None:
        raise ExportError("this record has no patch position embeddings")
    rows, cols = record.grid
    patch = settings.patch
    pos = np.asarray(record.patch_positions, dtype=np.float64)  # [rows*cols, D]
    one = similarity_to_patch(pos, patch, record.grid)  # [rows, cols]
    tiles = grid_of_grids(pos, record.grid)  # [rows*rows, cols*cols]

    fig = new_figure(6.2, _PANEL_IN * rows / cols + 1.0)  # two square-celled panels, titles, labels, caption
    left, right = fig.subplots(1, 2, width_ratios=(1, 1))
    left.imshow(one, cmap=SIGNED_CMAP, norm=_NORM, interpolation="nearest")
    r, c = divmod(patch, cols)
    left.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec="black", lw=1.0))
    left.set_title(f"similarity to p{patch} (row {r}, column {c})", fontsize=8)
    _index_ticks(left, rows, cols)
    left.set_xlabel("patch column")
    left.set_ylabel("patch row")

    right.imshow(tiles, cmap=SIGNED_CMAP, norm=_NORM, interpolation="nearest")
    for k in range(1, rows):  # outer cell (r, c) spans rows r*rows.. and columns c*cols..
        right.axhline(k * rows - 0.5, color="white", lw=0.5)
    for k in range(1, cols):
        right.axvline(k * cols - 0.5, color="white", lw=0.5)
    right.set_title("every patch (grid of grids)", fontsize=8)
    _index_ticks(right, rows, cols, tile=(rows, cols))
    right.set_xlabel("patch column")
    right.set_ylabel("patch row")

    add_colorbar_beside(right, _NORM, SIGNED_CMAP, "cosine similarity", _PANEL_IN)
    pos_kind = (record.meta.get("config") or {}).get("pos_embed", "")
    add_caption(
        fig,
        join_caption(f"model {record.model}", f"{record.fusion} fusion", f"{pos_kind} position embeddings" if pos_kind else "", f"grid {rows}×{cols}"),
    )
    return fig
