"""Cosine similarity of patch position embeddings (what ViT papers show as the 'grid of grids')."""

from __future__ import annotations

import numpy as np


def position_similarity(pos: np.ndarray) -> np.ndarray:
    """pos [N, D] -> cosine similarity [N, N]."""
    unit = pos / np.maximum(np.linalg.norm(pos, axis=-1, keepdims=True), 1e-12)
    return unit @ unit.T


def similarity_to_patch(pos: np.ndarray, patch: int, grid: tuple[int, int]) -> np.ndarray:
    """Similarity of every patch's position embedding to `patch`'s: [rows, cols]."""
    return position_similarity(pos)[patch].reshape(grid)


def grid_of_grids(pos: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """Tile every patch's similarity map at its own grid cell: [rows*rows, cols*cols]."""
    rows, cols = grid
    sim = position_similarity(pos).reshape(rows, cols, rows, cols)  # [r, c, r', c']
    return sim.transpose(0, 2, 1, 3).reshape(rows * rows, cols * cols)
