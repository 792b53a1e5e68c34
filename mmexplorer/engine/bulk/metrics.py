"""Pointing game and energy for a pair's own boxes, with the metric code of engine/evaluate."""

from __future__ import annotations

import math

import numpy as np

from mmexplorer.attention.grid import box_mask
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.engine.bulk.pairs import Box
from mmexplorer.engine.evaluate import energy_share, pointing_hit


def _phrase_span(text: str, phrase: str) -> tuple[int, int] | None:
    """Character span of the first whole-word, case-insensitive occurrence of phrase in text."""
    folded, target = text.casefold(), " ".join(phrase.split()).casefold()
    start = 0
    while (at := folded.find(target, start)) >= 0:
        end = at + len(target)
        if (at == 0 or not folded[at - 1].isalnum()) and (end == len(folded) or not folded[end].isalnum()):
            return at, end
        start = at + 1
    return None


def resolve_boxes(boxes: tuple[Box, ...], encoding) -> tuple[tuple[Box, ...], str | None]:
    """Boxes with word indices (phrases found in the text by character span, any tokenizer); or an error message
    when a box names a word the text does not have (checked before the probe runs)."""
    n_tokens = len(encoding.tokens)
    out = []
    for i, b in enumerate(boxes):
        if b.phrase is not None:
            span = _phrase_span(encoding.text, b.phrase)
            tokens = () if span is None else tuple(k for k, t in enumerate(encoding.tokens) if t.start < span[1] and t.end > span[0])
            if not tokens:
                return boxes, f"box {i}: phrase {b.phrase!r} is not among the text's words"
            b = Box(tokens, b.regions, b.phrase)
        bad = [t for t in b.tokens if t >= n_tokens]
        if bad:
            return boxes, f"box {i}: token {bad[0]} is past the text's {n_tokens} word(s) (indices start at 0)"
        out.append(b)
    return tuple(out), None


def box_metrics(record: AttentionRecord, boxes: tuple[Box, ...]) -> dict:
    """{"pointing": share of boxes hit, "energy": mean energy} over the boxes; NaN without boxes.

    A box's map is its word's default map (record.token_to_image), a phrase's the
    sum of its words' maps; boxes are in original-image pixels, mapped onto the
    grid through the record's image_box (box_mask: patches at least half inside),
    several boxes for one word count as their union.
    """
    if not boxes:
        return {"pointing": math.nan, "energy": math.nan}
    hits, energies = [], []
    for b in boxes:
        word_map = np.sum([np.asarray(record.token_to_image[t], dtype=np.float64) for t in b.tokens], axis=0)
        inside = np.any([box_mask(record.grid, record.image_box, r) for r in b.regions], axis=0)  # [rows, cols]
        hits.append(pointing_hit(word_map, inside))
        energies.append(energy_share(word_map, inside))
    return {"pointing": float(np.mean(hits)), "energy": float(np.mean(energies))}
