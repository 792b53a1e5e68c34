"""Colour levels that stay fixed while the user flips through layers and heads.

A map's colours are only comparable to another's if both use the same
levels, so the levels depend on the record and the method, never on the
layer or head being shown. The explorer's views and the exported figures
both take their levels from here, so a figure's scale is the screen's.
"""

from __future__ import annotations

import numpy as np

from mmexplorer.attention.maps import token_image_map
from mmexplorer.attention.record import AttentionRecord

SIMILARITY_LEVELS = (-1.0, 1.0)  # cosine similarity of position embeddings
MATRIX_PERCENTILE = 99.0


def top_level(values) -> float:
    top = float(np.nanmax(values)) if np.size(values) else 0.0
    return top if top > 0 else 1.0


def token_map_levels(record: AttentionRecord, method: str, head) -> tuple[float, float]:
    """Levels for the word -> image maps of this record."""
    if method == "raw" and record.cross_kind is None and record.similarity is not None:
        m = top_level(np.abs(record.similarity))
        return -m, m  # cosine similarity is signed
    if method == "raw" and record.cross_kind is not None:
        kind = record.cross_kind
        rows, cols = record.positions(kind, 0, "text"), record.positions(kind, 1, "image")
        # the largest weight any single head gives any word->patch pair, in any layer; for "min over heads", the
        # largest minimum (the weakest head's weights are far smaller: on the heads' scale its maps looked empty)
        if len(rows) == 0:
            return 0.0, 1.0
        weakest = isinstance(head, str) and head == "min"
        return 0.0, top_level([(a[:, rows][:, :, cols].min(0) if weakest else a[:, rows][:, :, cols]).max()
                               for a in record.attention[kind]])
    maps = [token_image_map(record, t, None, head, method)[0] for t in range(len(record.tokens))]
    return 0.0, (top_level(maps) if maps else 1.0)


def matrix_levels(record: AttentionRecord, kind: str) -> tuple[float, float]:
    """Levels for the attention matrices of one attention set, the same for every head and layer.

    A handful of weights (on [CLS], on the diagonal) are far larger than the
    rest; scaling to them would paint every matrix black. The top is the
    MATRIX_PERCENTILE-th percentile of all weights of the set instead, and
    the few weights above it saturate.
    """
    weights = np.concatenate([a.ravel() for a in record.attention[kind]])
    return 0.0, top_level(np.percentile(weights, MATRIX_PERCENTILE))


def mass_share(scores: np.ndarray) -> np.ndarray:
    """[rows, cols] -> share of the positive mass per patch (sums to 1; zeros if there is none).

    What the Compare tab draws, so maps of different models share one scale.
    """
    pos = np.clip(np.asarray(scores, dtype=np.float64), 0, None)
    total = pos.sum()
    return (pos / total if total > 0 else pos).astype(np.float32)
