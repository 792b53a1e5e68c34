"""pyqtgraph, configured once for every view: arrays are [row, col] like numpy, and the colormaps offered."""

from __future__ import annotations

import functools
import sys

import numpy as np


def _import_pyqtgraph():
    """pyqtgraph, without the CUDA bindings it tries at import (for GPU arrays in RawImageGLWidget).

    Where torch's CUDA wheels are installed that import finds them and spends
    about 50 ms loading CUDA's runtime bindings into the window's process, which
    never touches a GPU. While pyqtgraph imports, `cuda` is marked as absent
    (the ImportError pyqtgraph expects without it); the mark is removed after.
    """
    if "cuda" in sys.modules:
        import pyqtgraph

        return pyqtgraph
    sys.modules["cuda"] = None  # type: ignore[assignment]  # the import system's "not installed"
    try:
        import pyqtgraph
    finally:
        if sys.modules.get("cuda", 0) is None:
            del sys.modules["cuda"]
    return pyqtgraph


pg = _import_pyqtgraph()

from mmexplorer import colours
from mmexplorer.gui.qtfix import protect

protect()  # pyqtgraph emits signals all the time: see qtfix
pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background="w", foreground="#333")

# the colormaps offered, by the name shown; their colours are mmexplorer.colours' tables,
# the same ones an exported figure uses
COLORMAPS = {name: name for name in colours.COLORMAPS}
_STOPS = np.linspace(0.0, 1.0, colours.N_COLOURS)


@functools.lru_cache(maxsize=None)
def colormap(name: str) -> pg.ColorMap:
    # cached: building a ColorMap costs about a millisecond, and views ask on every redraw
    return pg.ColorMap(_STOPS, colours.rgba_table(name if name in COLORMAPS else "inferno"))


@functools.lru_cache(maxsize=None)
def overlay_colormap(name: str, signed: bool = False) -> pg.ColorMap:
    """The colormap with an alpha ramp, for maps laid over a picture (see colours.rgba_table).

    Low scores fade to transparent so the picture shows through where the
    model does not look. Signed scores (cosine similarity) get a diverging
    map whatever `name` says -- a sequential one would hide where zero is --
    transparent at zero.
    """
    return pg.ColorMap(_STOPS, colours.rgba_table(name if name in COLORMAPS else "inferno", over_picture=True, signed=signed))


_TABLES: dict[int, tuple[pg.ColorMap, np.ndarray]] = {}  # id -> (the colormap, kept alive; its table)


def lookup_table(cmap: pg.ColorMap) -> np.ndarray:
    """uint8 [256, 4] RGBA colours of a colormap, as its colour bar shows them (cached: ColorMaps are unhashable)."""
    entry = _TABLES.get(id(cmap))
    if entry is None or entry[0] is not cmap:
        entry = _TABLES[id(cmap)] = (cmap, cmap.getLookupTable(nPts=256, alpha=True))
    return entry[1]


def colorize(values: np.ndarray, levels: tuple[float, float], cmap: pg.ColorMap) -> np.ndarray:
    """float [rows, cols] -> uint8 [rows, cols, 4] RGBA, `levels` spanning the colormap.

    Handing pyqtgraph finished colours lets Qt draw a true-colour image;
    given floats and a colormap it draws an indexed one, which Qt converts and
    scales at more than twice the cost on every repaint.
    """
    lo, hi = levels
    scale = 256.0 / ((hi - lo) or 1.0)  # the same binning as pyqtgraph's own levels
    # in place, on one float32 copy: a switch colours a 201 x 201 matrix, and every copy costs
    index = np.subtract(np.asarray(values, dtype=np.float32), lo, order="C")  # C order, whatever the input's, so the words below view as bytes
    index *= scale
    np.clip(index, 0, 255, out=index)  # infinities clip to the ends
    np.nan_to_num(index, copy=False, nan=0.0)
    # one 4-byte gather per cell instead of four 1-byte ones: the table's RGBA rows as uint32 words
    words = np.ascontiguousarray(lookup_table(cmap)).view(np.uint32).reshape(-1)  # [256]
    return words[index.astype(np.uint8)].view(np.uint8).reshape(*index.shape, 4)


class ColorBar:
    """A colour bar for images drawn from finished colours (see `colorize`).

    It is not linked to the images: it shows the colormap and levels it is
    given, and touches pyqtgraph only when they change, since a new range
    regenerates the bar's axis. The axis has a fixed width and no SI prefix,
    so new labels never re-lay out the plot around it.
    """

    def __init__(self, cmap: pg.ColorMap, label: str | None = None) -> None:
        self.item = pg.ColorBarItem(values=(0, 1), colorMap=cmap, interactive=False, width=14, label=label)
        self.item.axis.setWidth(46)
        self.item.axis.enableAutoSIPrefix(False)
        self.cmap = cmap

    def place_beside(self, plot: pg.PlotItem) -> None:
        """Where ColorBarItem.setImageItem(insert_in=plot) would put it."""
        plot.layout.addItem(self.item, 2, 5)
        plot.layout.setColumnFixedWidth(4, 5)

    def show(self, cmap: pg.ColorMap, levels: tuple[float, float]) -> None:
        if cmap is not self.cmap:
            self.item.setColorMap(cmap)
            self.cmap = cmap
        levels = (float(levels[0]), float(levels[1]))
        if levels != tuple(self.item.levels()):
            self.item.setLevels(values=levels)

    def levels(self) -> tuple[float, float]:
        return tuple(self.item.levels())


def image_view_box() -> pg.ViewBox:
    """A ViewBox for pictures: y grows downwards, square pixels, no mouse panning surprises."""
    box = pg.ViewBox(lockAspect=True, invertY=True, enableMenu=False)
    box.setMouseEnabled(False, False)
    return box
