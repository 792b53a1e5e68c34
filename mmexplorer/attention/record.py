"""AttentionRecord: everything one probe captured, immutable, on the CPU, numpy only.

This is what crosses from the engine process back to the views and exporters (protocol/wire.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

import numpy as np

from mmexplorer.attention.generation import Generation, ImageRegions

Segments = tuple[tuple[str, int, int], ...]  # (modality, start, stop) runs along one axis


def _frozen(a: Optional[np.ndarray]) -> Optional[np.ndarray]:
    if a is None:
        return None
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class AttentionRecord:
    model: str  # model name as the user selected it
    fusion: str  # registry name of the fusion strategy
    tokens: tuple[str, ...]  # word tokens as shown to the user (surface form)
    token_unk: tuple[bool, ...]  # True where the word is not in the vocabulary ([UNK])
    truncated: bool  # True when the text was cut at the model's maximum length
    grid: tuple[int, int]  # (rows, cols) of the patch grid
    image_box: tuple[float, float, float, float]  # [x0, y0, x1, y1] of the original image the grid covers
    image_size: tuple[int, int]  # (width, height) of the original image
    # kind -> per-layer weights [heads, queries, keys]
    attention: Mapping[str, tuple[np.ndarray, ...]]
    # kind -> (query segments, key segments)
    layouts: Mapping[str, tuple[Segments, Segments]]
    order: tuple[tuple[str, int], ...]  # (kind, layer) in the order the model ran them
    cross_kind: Optional[str]  # the attention kind whose text rows over image columns is the cross-modal map
    token_to_image: np.ndarray  # float32 [tokens, rows, cols]: the default map for each word token
    map_label: str  # what token_to_image is, in words
    grads: Optional[Mapping[str, tuple[np.ndarray, ...]]] = None  # d(match logit)/d(weights), same shapes
    similarity: Optional[np.ndarray] = None  # float32 [tokens, rows, cols] cosine token-patch similarity (dual encoders)
    patch_positions: Optional[np.ndarray] = None  # float32 [rows*cols, D] patch position embeddings
    # kind -> per-layer float32 [keys]: the L2 norm of the hidden state each key is read from (the residual
    # stream entering the attention module, before its LayerNorm); None when the family does not record them
    norms: Optional[Mapping[str, tuple[np.ndarray, ...]]] = None
    outputs: Mapping = field(default_factory=dict)  # JSON-able model outputs (match probability, branches, answers)
    meta: Mapping = field(default_factory=dict)  # JSON-able: device, timings, versions, model summary
    # generative vision-language models: the photo as regions (tiles, a global view) and the answer produced;
    # None for every other model (and every record written before they existed)
    regions: Optional[ImageRegions] = None
    generation: Optional[Generation] = None

    def __post_init__(self) -> None:
        attn = {k: tuple(_frozen(np.asarray(a, dtype=np.float32)) for a in v) for k, v in self.attention.items()}
        object.__setattr__(self, "attention", MappingProxyType(attn))
        object.__setattr__(self, "layouts", MappingProxyType(dict(self.layouts)))
        if self.grads is not None:
            grads = {k: tuple(_frozen(np.asarray(a, dtype=np.float32)) for a in v) for k, v in self.grads.items()}
            object.__setattr__(self, "grads", MappingProxyType(grads))
        if self.norms is not None:
            norms = {k: tuple(_frozen(np.asarray(a, dtype=np.float32)) for a in v) for k, v in self.norms.items()}
            object.__setattr__(self, "norms", MappingProxyType(norms))
        object.__setattr__(self, "token_to_image", _frozen(np.asarray(self.token_to_image, dtype=np.float32)))
        for name in ("similarity", "patch_positions"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _frozen(np.asarray(value, dtype=np.float32)))
        object.__setattr__(self, "outputs", MappingProxyType(dict(self.outputs)))
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))

    # -- structure ---------------------------------------------------------
    @property
    def generative(self) -> bool:
        """The record holds a generated (or forced) answer: see `generation`."""
        return self.generation is not None

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.attention)

    def layers(self, kind: str) -> int:
        return len(self.attention.get(kind, ()))

    @property
    def heads(self) -> int:
        first = next(iter(self.attention.values()), ())
        return int(first[0].shape[0]) if first else 0

    @property
    def unknown_words(self) -> tuple[str, ...]:
        """The words the model could not read ([UNK]), as written in the text."""
        return tuple(t for t, u in zip(self.tokens, self.token_unk) if u)

    @property
    def n_patches(self) -> int:
        return self.grid[0] * self.grid[1]

    @property
    def has_cross_modal_attention(self) -> bool:
        return self.cross_kind is not None

    def positions(self, kind: str, axis: int, modality: str) -> np.ndarray:
        """Indices along `axis` (0 queries, 1 keys) of `kind` that belong to `modality`."""
        idx = [np.arange(s, e) for m, s, e in self.layouts[kind][axis] if m == modality]
        return np.concatenate(idx) if idx else np.zeros(0, dtype=int)

    def labels(self, kind: str, axis: int) -> list[str]:
        """Axis labels: [CLS] (or [start], a start token that is not pooled), the word tokens, p0..pN-1."""
        out: list[str] = []
        for modality, start, stop in self.layouts[kind][axis]:
            n = stop - start
            if modality == "cls":
                out += ["[CLS]"] * n
            elif modality == "start":
                out += ["[start]"] * n
            elif modality == "pad":  # padding the model was fed (its positions still take part)
                out += ["[PAD]"] * n
            elif modality == "text":
                out += [("[UNK] " + t if u else t) for t, u in zip(self.tokens[:n], self.token_unk[:n])]
            else:
                out += [f"p{j}" for j in range(n)]
        return out
