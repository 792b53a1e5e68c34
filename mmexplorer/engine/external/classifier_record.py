"""The record of an image classifier (a ViT): image self-attention only, no text."""

from __future__ import annotations

import dataclasses

import numpy as np

from mmexplorer.attention.capture import with_default_maps
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.engine.external.record_parts import image_layout

NO_TEXT = "image classifier: no text input; see the image attention views"



def classifier_record(
    *,
    name: str,
    fusion: str,
    sample,
    attention: tuple[np.ndarray, ...],  # per layer [H, 1+N, 1+N]
    grads: tuple[np.ndarray, ...] | None,  # d(top class logit)/d(attention), same shapes
    grid: tuple[int, int],
    image_box: tuple[float, float, float, float],
    patch_positions: np.ndarray | None,  # [N, D]
    classes: list,  # [[label, probability], ...] most likely first
    meta: dict,
) -> AttentionRecord:
    n_patches = grid[0] * grid[1]
    notes = list(meta.pop("notes", []))
    if sample.text.strip():
        notes.append("the text is ignored: this model reads only the image")
    record = AttentionRecord(
        model=name,
        fusion=fusion,
        tokens=(),
        token_unk=(),
        truncated=False,
        grid=grid,
        image_box=image_box,
        image_size=sample.image.size,
        attention={"image": attention},
        layouts={"image": (image_layout(n_patches),) * 2},
        order=tuple(("image", i) for i in range(len(attention))),
        cross_kind=None,
        token_to_image=np.zeros((0, *grid), np.float32),
        map_label="",
        grads={"image": grads} if grads is not None else None,
        patch_positions=patch_positions,
        outputs={"classes": classes},
        meta={**meta, "model": name, "fusion": fusion, "relevancy_target": "logit of the top class", "notes": notes},
    )
    return dataclasses.replace(with_default_maps(record), map_label=NO_TEXT)
