"""How maps are coloured, one definition for the screen (pyqtgraph) and the figures (matplotlib).

numpy only, so the window's process can draw with it without importing
matplotlib, and an exported figure uses the very colours the screen showed:
the same 256-colour tables, the same fade to transparent for maps laid over
a picture, the same binning of values into colours.
"""

from __future__ import annotations

import functools

import numpy as np

from mmexplorer.colormap_names import COLORMAPS  # noqa: F401  (the names the user picks from)
from mmexplorer.colour_tables import TABLES

DIVERGING = "diverging"  # blue - white - red, for signed scores laid over a picture
N_COLOURS = 256


def check_colormap(name: str) -> str:
    if name not in COLORMAPS:
        raise ValueError(f"unknown colormap {name!r}; expected one of {', '.join(COLORMAPS)}")
    return name


@functools.lru_cache(maxsize=None)
def rgb_table(name: str) -> np.ndarray:
    """uint8 [256, 3] colours of a colormap (or of DIVERGING)."""
    if name not in TABLES:
        raise ValueError(f"unknown colormap {name!r}; expected one of {', '.join(COLORMAPS)}")
    table = np.frombuffer(bytes.fromhex(TABLES[name]), dtype=np.uint8).reshape(N_COLOURS, 3)
    table.setflags(write=False)
    return table


def overlay_alpha(signed: bool = False) -> np.ndarray:
    """float [256] in 0..1: low scores fade to transparent so the picture shows through
    where the model does not look; signed scores are transparent at zero."""
    pos = np.linspace(0.0, 1.0, N_COLOURS)
    ramp = np.abs(2 * pos - 1) if signed else pos
    return np.clip(ramp * 1.4, 0, 1) ** 0.8


@functools.lru_cache(maxsize=None)
def rgba_table(name: str, over_picture: bool = False, signed: bool = False) -> np.ndarray:
    """uint8 [256, 4] colours as a view draws them.

    Over a picture, signed scores take DIVERGING whatever `name` says (a
    sequential map would hide where zero is) and alpha fades with the value;
    elsewhere (matrices, position similarity) the colours are opaque.
    """
    rgb = rgb_table(DIVERGING if (over_picture and signed) else name)
    alpha = 255 * overlay_alpha(signed) if over_picture else np.full(N_COLOURS, 255.0)
    table = np.concatenate([rgb, np.round(alpha).astype(np.uint8)[:, None]], axis=1)
    table.setflags(write=False)
    return table


def colour_index(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """float [...] -> uint8 [...] index into a 256-colour table, `levels` spanning it (NaN -> 0)."""
    lo, hi = float(levels[0]), float(levels[1])
    scale = N_COLOURS / ((hi - lo) or 1.0)
    index = np.nan_to_num((np.asarray(values, dtype=np.float32) - lo) * scale, nan=0.0)
    return np.clip(index, 0, N_COLOURS - 1).astype(np.uint8)


def colorize(values: np.ndarray, levels: tuple[float, float], table: np.ndarray) -> np.ndarray:
    """float [rows, cols] -> uint8 [rows, cols, 4] RGBA with a [256, 4] table."""
    return np.asarray(table)[colour_index(values, levels)]
