"""Colour levels that stay fixed while the user flips through layers and heads.

A map's colours are only comparable to another's if both use the same
levels, so the levels depend on the record and the method, never on the
layer or head being shown.
"""

from __future__ import annotations

import numpy as np

# the levels live with the maps, so exported figures use the very same ones
from mmexplorer.attention.levels import MATRIX_PERCENTILE, matrix_levels, token_map_levels  # noqa: F401


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 times a power of ten that is at least `value` (> 0)."""
    power = 10.0 ** np.floor(np.log10(value))
    return float(next(step * power for step in (1.0, 2.0, 2.5, 5.0, 10.0) if step * power >= value * (1 - 1e-9)))


def bar_range(lo: float, hi: float) -> tuple[float, float]:
    """A y range in round numbers for bars whose values lie within [lo, hi].

    The next word, layer or head often fits the same range, so the bar chart's
    axis (the slowest part of it to draw) is not redrawn on every change.
    """
    top = _nice_ceiling(hi) if hi > 0 else (0.0 if lo < 0 else 1.0)
    bottom = -_nice_ceiling(-lo) if lo < 0 else 0.0
    return bottom, top


def bar_ticks(bottom: float, top: float) -> list[tuple[float, str]]:
    """Labelled ticks at the ends of a bar_range, at zero and half way: few labels, quick to draw."""
    values = sorted({bottom, bottom / 2, 0.0, top / 2, top})
    return [(v, f"{v:.3g}") for v in values]
