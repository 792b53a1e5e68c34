"""The one place a pretrained family's forward pass becomes an AttentionRecord, with the meta every record carries.

A family's capture runs its network and returns a Captured (numpy on the CPU,
patches in raster order); build_record adds what every record shares (the
text as the user sees it, the picture's size and box, the model's name,
fusion, device, config, timings and notes) and the default word maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import numpy as np

from mmexplorer.attention.capture import with_default_maps
from mmexplorer.attention.generation import Generation, ImageRegions
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.tokenizer import Encoding
from mmexplorer.engine.external.record_parts import image_meta

Box = tuple[float, float, float, float]


@dataclass
class Captured:
    """What one forward pass of a pretrained family gives the record builder."""

    encoding: Encoding  # the text as the user sees it (no special tokens)
    grid: tuple[int, int]  # (rows, cols) of the patch grid
    image_box: Box  # [x0, y0, x1, y1] of the original picture that the grid covers
    attention: Mapping[str, tuple[np.ndarray, ...]]  # kind -> per layer float32 [H, Q, K], patches in raster order
    layouts: Mapping[str, tuple]  # kind -> (query segments, key segments)
    order: tuple  # ((kind, layer), ...) in the order the model runs them
    outputs: Mapping  # JSON-able scores: match_logit, match_prob, cosine, classes, answers
    timings: Mapping[str, float]  # preprocess_s, forward_s
    grads: Optional[Mapping[str, tuple[np.ndarray, ...]]] = None  # d(relevancy target)/d(attention), same shapes
    similarity: Optional[np.ndarray] = None  # float32 [T, rows, cols]: a dual encoder's token-patch cosine
    patch_positions: Optional[np.ndarray] = None  # [N, D]: the position embeddings added to the patches
    # kind -> per layer float32 [K]: the norm of the hidden state each key is read from (attention.sinks), when
    # the family asks its network for hidden states
    norms: Optional[Mapping[str, tuple[np.ndarray, ...]]] = None
    family_meta: Mapping = field(default_factory=dict)  # the family's own facts (preprocess, relevancy_target, pooled)
    notes: Sequence[str] = ()
    tokens_shown: bool = True  # False for image-only models: the record has no tokens whatever the text
    # generative models: the photo's regions and the answer; their words' maps come made (token_to_image
    # [T, rows, cols] and its label), as the default maps are for attention kinds the record does not hold
    regions: Optional[ImageRegions] = None
    generation: Optional[Generation] = None
    token_to_image: Optional[np.ndarray] = None
    map_label: str = ""


def ignored_size_note(input_size: int | None) -> list[str]:
    """The note when a caller asks for an input size the model's own processor decides."""
    return [f"input_size {input_size} ignored: the model's own processor sets the size"] if input_size else []


def split_by_kind(grads: Sequence[np.ndarray] | None, counts: Sequence[tuple[str, int]]) -> dict | None:
    """Per-layer gradients taken in one list -> {kind: layers} in the order of `counts` ((kind, layers), ...)."""
    if grads is None:
        return None
    out, start = {}, 0
    for kind, n in counts:
        out[kind] = tuple(grads[start:start + n])
        start += n
    return out


def build_record(model, sample, captured: Captured) -> AttentionRecord:
    """The record of `model` (an ExplorableModel of a pretrained family) for `sample`, default maps included."""
    encoding = captured.encoding
    tokens = encoding.tokens if captured.tokens_shown else ()
    cross_kind = model.spec.cross_kind if model.spec.cross_kind in captured.attention else None
    record = AttentionRecord(
        model=model.name,
        fusion=model.spec.fusion,
        tokens=tuple(t.surface for t in tokens),
        token_unk=tuple(t.is_unk for t in tokens),
        truncated=encoding.truncated if captured.tokens_shown else False,
        grid=captured.grid,
        image_box=captured.image_box,
        image_size=sample.image.size,
        attention={k: tuple(v) for k, v in captured.attention.items()},
        layouts=dict(captured.layouts),
        order=tuple(captured.order),
        cross_kind=cross_kind,
        token_to_image=(captured.token_to_image if captured.token_to_image is not None
                        else np.zeros((len(tokens), *captured.grid), np.float32)),
        map_label=captured.map_label,
        grads={k: tuple(v) for k, v in captured.grads.items()} if captured.grads is not None else None,
        similarity=captured.similarity,
        norms={k: tuple(v) for k, v in captured.norms.items()} if captured.norms is not None else None,
        patch_positions=captured.patch_positions,
        outputs=dict(captured.outputs),
        meta={
            "model": model.name,
            "fusion": model.spec.fusion,
            "device": str(model.device),
            "config": model.cfg.to_dict(),
            "attention": "eager",
            **captured.family_meta,
            "notes": list(captured.notes),
            "timings": dict(captured.timings),
            **image_meta(sample),
        },
        regions=captured.regions,
        generation=captured.generation,
    )
    return record if captured.token_to_image is not None else with_default_maps(record)
