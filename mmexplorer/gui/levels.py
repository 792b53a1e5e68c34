"""Colour levels that stay fixed while the user flips through layers and heads.

A map's colours are only comparable to another's if both use the same
levels, so the levels depend on the record and the method, never on the
layer or head being shown.
"""

from __future__ import annotations

import numpy as np

from mmexplorer.attention.maps import token_image_map
from mmexplorer.attention.record import AttentionRecord


def _top(values) -> float:
    top = float(np.nanmax(values)) if np.size(values) else 0.0
    return top if top > 0 else 1.0


def token_map_levels(record: AttentionRecord, method: str, head) -> tuple[float, float]:
    """Levels for the word -> image maps of this record."""
    if method == "raw" and record.cross_kind is None and record.similarity is not None:
        m = _top(np.abs(record.similarity))
        return -m, m  # cosine similarity is signed
    if method == "raw" and record.cross_kind is not None:
        kind = record.cross_kind
        rows, cols = record.positions(kind, 0, "text"), record.positions(kind, 1, "image")
        # the largest weight any single head gives any word->patch pair, in any layer
        if len(rows) == 0:
            return 0.0, 1.0
        return 0.0, _top([a[:, rows][:, :, cols].max() for a in record.attention[kind]])
    maps = [token_image_map(record, t, None, head, method)[0] for t in range(len(record.tokens))]
    return 0.0, (_top(maps) if maps else 1.0)


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


MATRIX_PERCENTILE = 99.0


def matrix_levels(record: AttentionRecord, kind: str) -> tuple[float, float]:
    """Levels for the attention matrices of one attention set, the same for every head and layer.

    A handful of weights (on [CLS], on the diagonal) are far larger than the
    rest; scaling to them would paint every matrix black. The top is the
    MATRIX_PERCENTILE-th percentile of all weights of the set instead, and
    the few weights above it saturate.
    """
    weights = np.concatenate([a.ravel() for a in record.attention[kind]])
    return 0.0, _top(np.percentile(weights, MATRIX_PERCENTILE))
