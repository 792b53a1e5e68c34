"""Pointing game and energy for a pair's own boxes, with the metric code of engine/evaluate."""

from __future__ import annotations

import math

import numpy as np

from mmexplorer.attention.grid import box_mask
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.engine.bulk.pairs import Box
from mmexplorer.engine.evaluate import energy_share, pointing_hit


def check_tokens(boxes: tuple[Box, ...], n_tokens: int) -> str | None:
    """An error message when a box names a word the text does not have (checked before the probe runs)."""
    for i, b in enumerate(boxes):
        bad = [t for t in b.tokens if t >= n_tokens]
        if bad:
            return f"box {i}: token {bad[0]} is past the text's {n_tokens} word(s) (indices start at 0)"
    return None


def box_metrics(record: AttentionRecord, boxes: tuple[Box, ...]) -> dict:
    """{"pointing": share of boxes hit, "energy": mean energy} over the boxes; NaN without boxes.

    A box's map is its word's default map (record.token_to_image), a phrase's the
    sum of its words' maps; the box is in original-image pixels, mapped onto the
    grid through the record's image_box (box_mask: patches at least half inside).
    """
    if not boxes:
        return {"pointing": math.nan, "energy": math.nan}
    hits, energies = [], []
    for b in boxes:
        word_map = np.sum([np.asarray(record.token_to_image[t], dtype=np.float64) for t in b.tokens], axis=0)
        inside = box_mask(record.grid, record.image_box, b.box)
        hits.append(pointing_hit(word_map, inside))
        energies.append(energy_share(word_map, inside))
    return {"pointing": float(np.mean(hits)), "energy": float(np.mean(energies))}
