"""Drawing pieces shared by the views: a map over the image, colour scales, colour bars."""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.figure import Figure, SubFigure

from mmexplorer import colours
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.export.errors import ExportError


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


def levels_norm(levels: Sequence[float]) -> Normalize:
    """The colour scale of resolved settings (the screen's fixed levels unless the user gave others)."""
    return Normalize(float(levels[0]), float(levels[1]))


def screen_colormap(name: str, over_picture: bool, signed: bool = False, opacity: float = 1.0) -> ListedColormap:
    """The explorer's colours as a matplotlib colormap: the same 256-colour table (mmexplorer.colours),
    faded where low over a picture, times the map's opacity. Out-of-range values clip to the
    end colours and NaN takes the lowest, as on screen."""
    table = colours.rgba_table(name, over_picture, signed).astype(np.float64) / 255.0
    table[:, 3] *= float(opacity)
    used = colours.DIVERGING if (over_picture and signed) else name
    return ListedColormap(table, name=f"{used} over picture" if over_picture else used).with_extremes(
        under=table[0], over=table[-1], bad=table[0])


def opaque(cmap: ListedColormap) -> ListedColormap:
    """The same colours with no fade: for a colour bar, or a map with nothing underneath."""
    table = np.array(cmap.colors, dtype=np.float64)
    table[:, 3] = 1.0
    return ListedColormap(table, name=cmap.name).with_extremes(under=table[0], over=table[-1], bad=table[0])


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
    cmap: ListedColormap,
    picture: str = "colour",
) -> None:
    """values [rows, cols] drawn over the part of the image the grid covers (image_box), any aspect ratio.

    `cmap` carries the fade and the opacity (screen_colormap); `picture` is "colour"
    (the picture as the explorer shows it) or "grey" (a grey underlay, so every colour
    on top reads only as the map's value).
    """
    width, height = record.image_size
    x0, y0, x1, y1 = record.image_box
    if image is not None:
        if picture == "grey":
            grey = image[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
            ax.imshow(grey, extent=(0, width, height, 0), cmap="gray", vmin=0, vmax=255, interpolation="antialiased")
        else:
            ax.imshow(image[..., :3], extent=(0, width, height, 0), interpolation="antialiased")
    else:
        cmap = opaque(cmap)  # nothing underneath to see through to
    # extent pins each patch cell to its pixel box; the rows run downwards like the image
    shown = ax.imshow(values, extent=(x0, x1, y1, y0), cmap=cmap, norm=norm, interpolation="nearest")
    shown.set_gid("map")  # what tests and readers look for: the map's colours and scale
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
