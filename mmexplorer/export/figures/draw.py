"""Drawing pieces shared by the views: a map over the image, colour scales, colour bars."""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure, SubFigure

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.errors import ExportError
from mmexplorer.export.style import ATTENTION_CMAP, OVERLAY_ALPHA, SIGNED_CMAP


def check_image(record: AttentionRecord, image: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """The original picture must be the one the record was probed on (same pixel size)."""
    if image is None:
        return None
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ExportError(f"the image must be an RGB array [height, width, 3], got shape {image.shape}")
    if (image.shape[1], image.shape[0]) != tuple(record.image_size):
        raise ExportError(
            f"the image is {image.shape[1]}x{image.shape[0]} pixels but the record was probed on "
            f"{record.image_size[0]}x{record.image_size[1]}"
        )
    return image


def shared_norm(maps: Iterable[np.ndarray], signed: bool) -> Normalize:
    """One colour scale for every map: [0, max] for weights, [-m, m] for signed scores."""
    values = [np.asarray(m, dtype=np.float64) for m in maps]
    finite = np.concatenate([v[np.isfinite(v)].ravel() for v in values]) if values else np.zeros(1)
    finite = finite if finite.size else np.zeros(1)
    if signed:
        top = max(float(np.abs(finite).max()), 1e-12)
        return Normalize(-top, top)
    top = float(finite.max())
    return Normalize(0.0, top if top > 0 else 1.0)


def cmap_for(signed: bool) -> str:
    return SIGNED_CMAP if signed else ATTENTION_CMAP


def panel_size(aspect: float, max_width: float, max_height: float) -> tuple[float, float]:
    """Inches (width, height) of the largest panel of this aspect (width / height) inside the box."""
    width = min(max_width, max_height * aspect)
    return width, width / aspect


def clear_frame(ax: Axes) -> None:
    """No ticks or spines: a picture, not a plot (axis labels, if set, still show)."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)


def draw_map_on_image(
    ax: Axes,
    record: AttentionRecord,
    image: Optional[np.ndarray],
    values: np.ndarray,
    norm: Normalize,
    cmap: str,
    alpha: float = OVERLAY_ALPHA,
) -> None:
    """values [rows, cols] drawn over the part of the image the grid covers (image_box), any aspect ratio."""
    width, height = record.image_size
    x0, y0, x1, y1 = record.image_box
    if image is not None:
        # a grey underlay, so every colour on top reads only as the map's value
        grey = image[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        ax.imshow(grey, extent=(0, width, height, 0), cmap="gray", vmin=0, vmax=255, interpolation="antialiased")
    else:
        alpha = 1.0  # nothing underneath to see through to
    # extent pins each patch cell to its pixel box; the rows run downwards like the image
    ax.imshow(values, extent=(x0, x1, y1, y0), cmap=cmap, norm=norm, alpha=alpha, interpolation="nearest")
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_aspect("equal")
    clear_frame(ax)


def add_colorbar_beside(ax: Axes, norm: Normalize, cmap: str, label: str, panel_width_in: float):
    """A colour bar exactly as tall as `ax` as drawn (after its equal aspect shrinks it), 0.1 in wide."""
    cax = ax.inset_axes((1.0 + 0.08 / panel_width_in, 0.0, 0.1 / panel_width_in, 1.0))
    bar = ax.figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), cax=cax)
    bar.set_label(label)
    bar.outline.set_linewidth(0.5)
    bar.ax.tick_params(width=0.5, length=2)
    return bar


def add_colorbar(
    fig: Figure | SubFigure, axes: Axes | Sequence[Axes], norm: Normalize, cmap: str, label: str, **kwargs
):
    """A colour bar for a colour scale (not for a half-transparent layer, whose colours would be washed out)."""
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    options = dict(fraction=0.05, pad=0.02, aspect=25)
    options.update(kwargs)
    bar = fig.colorbar(mappable, ax=axes, **options)
    bar.set_label(label)
    bar.outline.set_linewidth(0.5)
    bar.ax.tick_params(width=0.5, length=2)
    return bar
