"""The map the explorer shows first for each word, from a record alone (numpy only: the window and the
protocol read records through it, never torch)."""

from __future__ import annotations

import dataclasses

import numpy as np

from mmexplorer.attention.maps import image_branch_map
from mmexplorer.attention.record import AttentionRecord


def _span(positions: np.ndarray):
    """A slice for consecutive positions (a view, no copy), else the positions themselves."""
    if len(positions) and positions[-1] - positions[0] == len(positions) - 1:
        return slice(int(positions[0]), int(positions[-1]) + 1)
    return positions


def default_maps(record: AttentionRecord) -> tuple[np.ndarray, str]:
    """The map the explorer shows first for each word: [tokens, rows, cols] and its label (letterbox padding 0)."""
    maps, label = _default_maps(record)
    valid = record.meta.get("patch_valid")
    if valid is not None and maps.shape[1:] == tuple(record.grid):
        maps = maps * np.asarray(valid, dtype=bool)
    return maps, label


def _default_maps(record: AttentionRecord) -> tuple[np.ndarray, str]:
    n = len(record.tokens)
    if n == 0:
        return np.zeros((0, *record.grid), np.float32), "no words"
    if record.cross_kind is not None:
        kind = record.cross_kind
        last = record.layers(kind) - 1
        # the same slice token_image_map(record, t) takes, for all words at once
        rows, cols = _span(record.positions(kind, 0, "text")), _span(record.positions(kind, 1, "image"))
        weights = record.attention[kind][last]  # [H, Q, K]
        maps = (weights[:, rows, cols].sum(axis=0) / weights.shape[0]).reshape(n, *record.grid)
        what = "cross-attention text→image" if record.cross_kind == "text_to_image" else "joint attention word→patches"
        return maps, f"{what}, last layer ({last}), mean over heads"
    if record.similarity is not None:
        return record.similarity, "token-patch cosine similarity (dual encoder: not attention)"
    method = "relevancy" if record.grads is not None else "rollout"
    m, label = image_branch_map(record, method)
    return np.repeat(m[None], n, axis=0), label


def with_default_maps(record: AttentionRecord) -> AttentionRecord:
    maps, label = default_maps(record)
    return dataclasses.replace(record, token_to_image=maps, map_label=label)
