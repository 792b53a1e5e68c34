"""The record of an image classifier (a ViT): image self-attention only, no text."""

from __future__ import annotations

import dataclasses

import numpy as np

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.engine.external.record_builder import Captured, build_record
from mmexplorer.engine.external.record_parts import image_layout

NO_TEXT = "image classifier: no text input; see the image attention views"


def classifier_record(
    model,
    sample,
    *,
    attention: tuple[np.ndarray, ...],  # per layer [H, 1+N, 1+N]
    grads: tuple[np.ndarray, ...] | None,  # d(top class logit)/d(attention), same shapes
    norms: tuple[np.ndarray, ...] | None = None,  # per layer [1+N]: hidden-state norms at the keys
    grid: tuple[int, int],
    image_box: tuple[float, float, float, float],
    patch_positions: np.ndarray | None,  # [N, D]
    classes: list,  # [[label, probability], ...] most likely first
    timings: dict,
    family_meta: dict,
    notes: list,
) -> AttentionRecord:
    n_patches = grid[0] * grid[1]
    if sample.text.strip():
        notes = [*notes, "the text is ignored: this model reads only the image"]
    record = build_record(model, sample, Captured(
        encoding=model.tokenizer.encode(sample.text),
        grid=grid,
        image_box=image_box,
        attention={"image": attention},
        layouts={"image": (image_layout(n_patches),) * 2},
        order=tuple(("image", i) for i in range(len(attention))),
        outputs={"classes": classes},
        timings=timings,
        grads={"image": grads} if grads is not None else None,
        norms={"image": norms} if norms is not None else None,
        patch_positions=patch_positions,
        family_meta={**family_meta, "relevancy_target": "logit of the top class"},
        notes=notes,
        tokens_shown=False,
    ))
    return dataclasses.replace(record, map_label=NO_TEXT)
