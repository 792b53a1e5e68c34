"""The explanation of one attention weight: plain numpy values, safe to hand to the GUI thread (no torch).

engine/cell.py computes it; the CLI prints it; the explorer's cell panel draws it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from mmexplorer.attention.record import _frozen


@dataclass(frozen=True)
class Place:
    """Where a query or key sits: its label, modality and, for a patch, its place on the picture."""

    index: int  # position along the axis, as in the probe's arrays
    label: str  # "[CLS]", the word (with "[UNK] " when unknown), or "p<N>"
    modality: str  # "cls", "text" or "image"
    patch: Optional[int] = None  # for image positions: patch number, row-major
    row: Optional[int] = None
    col: Optional[int] = None


@dataclass(frozen=True)
class CellExplanation:
    model: str
    fusion: str
    kind: str
    layer: int
    head: int
    query: Place
    key: Place
    query_modalities: tuple[str, ...]  # the modalities along the query axis of this kind (e.g. ("cls", "text"))
    key_modalities: tuple[str, ...]
    grid: tuple[int, int]
    d_k: int
    scale: float  # multiplies q·k (1/sqrt(d_k))
    q: np.ndarray  # float32 [d_k]: row `query` of this head's Q
    k: np.ndarray  # float32 [d_k]: row `key` of this head's K
    v: np.ndarray  # float32 [d_k]: row `key` of this head's V
    score: float  # q·k
    scaled: float  # q·k * scale (+ any bias the module adds; none so far)
    row_scaled: np.ndarray  # float64 [K]: every key's scaled score for this query, -inf where masked
    mask: np.ndarray  # bool [K]: True where the key may be attended
    row_weights: np.ndarray  # float64 [K]: softmax of row_scaled (sums to 1)
    weight: float  # row_weights[key]
    model_weight: float  # the module's own weight for this cell in the same pass (a cross-check)
    contribution: np.ndarray  # float64 [d_k]: weight * v
    output: np.ndarray  # float32 [d_k]: the module's own output of this head for the query row
    # with position embeddings left out of the input (None where the family cannot do that)
    score_no_pos: Optional[float] = None
    scaled_no_pos: Optional[float] = None
    weight_no_pos: Optional[float] = None
    position_note: str = ""
    key_labels: tuple[str, ...] = ()  # every key's label, in order

    def __post_init__(self) -> None:
        for name in ("q", "k", "v", "row_scaled", "mask", "row_weights", "contribution", "output"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    @property
    def position_share(self) -> Optional[float]:
        """How much of the scaled score the position embeddings make: scaled - scaled_no_pos."""
        if self.scaled_no_pos is None or not math.isfinite(self.scaled):
            return None  # a masked cell has no score to share
        return self.scaled - self.scaled_no_pos

    def to_json(self) -> dict:
        """JSON-able; masked keys are null in row_scaled (and False in mask)."""
        def place(p: Place) -> dict:
            return {k: v for k, v in p.__dict__.items() if v is not None}

        return {
            "model": self.model, "fusion": self.fusion, "kind": self.kind, "layer": self.layer, "head": self.head,
            "query": place(self.query), "key": place(self.key),
            "query_modalities": list(self.query_modalities), "key_modalities": list(self.key_modalities),
            "grid": list(self.grid), "d_k": self.d_k, "scale": self.scale,
            "q": _floats(self.q), "k": _floats(self.k), "score": self.score, "scaled": _finite(self.scaled),
            "row_scaled": [float(s) if m else None for s, m in zip(self.row_scaled, self.mask)],
            "mask": [bool(m) for m in self.mask],
            "row_weights": _floats(self.row_weights), "weight": self.weight, "model_weight": self.model_weight,
            "v": _floats(self.v), "contribution": _floats(self.contribution), "output": _floats(self.output),
            "position": None if self.scaled_no_pos is None else {
                "score_without": self.score_no_pos, "scaled_without": _finite(self.scaled_no_pos),
                "weight_without": self.weight_no_pos, "share": _finite(self.position_share), "how": self.position_note,
            },
            "key_labels": list(self.key_labels),
            "formula": "softmax(Q Kᵀ / √d_k) V",
        }


def _finite(x: Optional[float]) -> Optional[float]:
    """JSON has no -inf: a masked cell's scaled score is null."""
    return None if x is None or not math.isfinite(x) else float(x)


def _floats(a: np.ndarray) -> list[float]:
    return [float(x) for x in a]
