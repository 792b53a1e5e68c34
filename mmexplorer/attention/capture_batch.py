"""capture_batch(model, samples) -> one AttentionRecord per sample, from one forward pass.

Texts of different lengths are right-padded to the longest; the models mask
padded keys, so every real query sees exactly the keys it would see alone.
Each sample's attention (and gradient) arrays are then cut back to its own
positions using the model's layouts for the padded and the unpadded length,
so a record equals the one `capture` gives for that sample alone (to float
rounding: the batched matrix products sum in a different order).
"""

from __future__ import annotations

import time
from typing import Sequence

import numpy as np
import torch

from mmexplorer.attention.capture import build_record, forward_and_grads, norms_of
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.sample import Sample
from mmexplorer.models.preprocess import image_tensor, text_tensor


def _positions(padded_axis, own_axis) -> np.ndarray | None:
    """Padded-sequence positions of a sample's own positions along one axis, or None when they coincide.

    Both axes are the same modality segments in the same order; a segment of the
    sample is the leading part of the padded segment (padding sits at its end).
    """
    if padded_axis == own_axis:
        return None
    parts = []
    for p, o in zip(padded_axis, own_axis):
        if p.modality != o.modality:  # the layouts of one model never reorder segments with the length
            raise ValueError(f"layouts differ in segment order: {p.modality} vs {o.modality}")
        parts.append(np.arange(p.start, p.start + (o.stop - o.start)))
    return np.concatenate(parts)


def _cut(weights: np.ndarray, rows: np.ndarray | None, cols: np.ndarray | None) -> np.ndarray:
    """weights [H, Q, K] -> [H, q, k] at the given query and key positions (None: all)."""
    if rows is None and cols is None:
        return weights
    rows = np.arange(weights.shape[1]) if rows is None else rows
    cols = np.arange(weights.shape[2]) if cols is None else cols
    return weights[:, rows[:, None], cols[None, :]]


def pixels_tensor(samples: Sequence[Sample], cfg, input_size: int | None = None) -> torch.Tensor:
    """[B, 3, S, S], exactly what `capture` makes for each sample on its own."""
    return image_tensor([s.image.pixels for s in samples], cfg, input_size)


def grads_for_maps(model) -> tuple[bool, frozenset | None]:
    """-> (whether the default word maps need gradients, the attention kinds they need them of; None: all).

    Decided from the model's spec before the forward pass, so models whose maps need no
    gradients run it in inference mode: only an image-branch map (no cross-modal attention,
    no token-patch similarity, see capture.default_maps) is built from gradients, and for
    separate encoders it reads the image maps' gradients alone.
    """
    if model.spec.default_map != "image-branch":
        return False, None
    kinds = {m.kind for m in model.attention_modules()}
    return True, (frozenset({"image"}) if kinds <= {"image", "text"} else None)


def capture_batch(
    model,
    samples: Sequence[Sample],
    device: str | torch.device = "cpu",
    relevancy: bool | str = True,
    name: str | None = None,
    meta: dict | None = None,
    images: torch.Tensor | None = None,
) -> list[AttentionRecord]:
    """Records for `samples`, as `capture(model, s, device, relevancy, name, meta=meta)` gives each.

    `relevancy="maps"`: gradients only where the default word maps are built from
    them (the backward pass is most of the cost when only the maps are kept).
    `images` [B, 3, S, S] may be handed in already normalised (decoded in a data
    loader worker with `pixels_tensor`); otherwise it is made here.
    """
    if not samples:
        return []
    device = torch.device(device)
    t0 = time.perf_counter()
    image = (pixels_tensor(samples, model.cfg) if images is None else images).to(device)  # [B, 3, S, S]
    ids, mask = text_tensor([s.encoding for s in samples], model.tokenizer)  # [B, L]
    ids, mask = ids.to(device), mask.to(device)
    t1 = time.perf_counter()
    grad_kinds = None
    if relevancy == "maps":
        relevancy, grad_kinds = grads_for_maps(model)
    out, events, grads = forward_and_grads(model, image, ids, mask, bool(relevancy), grad_kinds)
    t2 = time.perf_counter()

    # every event's weights on the CPU once: [B, H, Q, K]
    weights = [w.detach().float().cpu().numpy() for _, _, w in events]
    gradients = None
    if grads is not None:
        gradients = [np.zeros_like(w) if g is None else g.detach().float().cpu().numpy() for w, g in zip(weights, grads)]
    grid = tuple(int(v) for v in out.grid)
    n_patches = grid[0] * grid[1]
    padded = model.layouts(ids.shape[1] - 1, n_patches)
    share = {"preprocess_s": (t1 - t0) / len(samples), "forward_s": (t2 - t1) / len(samples), "batch": len(samples)}
    records = []
    for row, sample in enumerate(samples):
        own = model.layouts(len(sample.encoding.tokens), n_patches)
        cuts = {kind: (_positions(padded[kind][0], own[kind][0]), _positions(padded[kind][1], own[kind][1])) for kind in own}
        attention: dict[str, list] = {}
        grad_maps: dict[str, list] | None = {} if gradients is not None else None
        order = []
        for idx, (kind, layer, _) in enumerate(events):
            rows, cols = cuts[kind]
            attention.setdefault(kind, []).append(_cut(weights[idx][row], rows, cols))
            if grad_maps is not None:
                grad_maps.setdefault(kind, []).append(_cut(gradients[idx][row], rows, cols))
            order.append((kind, layer))
        def own_keys(kind, n, cuts=cuts):  # n [padded K] -> [own K]
            cols = cuts[kind][1]
            return n if cols is None else n[cols]

        norms = norms_of(events, row, own_keys)
        records.append(build_record(model, sample, out, row, attention, grad_maps, order, device, name, dict(share), meta,
                                    norms=norms))
    return records
