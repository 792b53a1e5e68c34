"""Deletion and insertion curves: does removing (or adding) the patches a map ranks first move the score?

For any model and any input. Patches are taken in a map's order (most
important first) and, in `steps` equal steps,

- deletion: painted with the model's own blank (ExplorableModel.blank_colour)
  on the original picture, starting from the picture itself;
- insertion: restored onto an all-blank picture, starting from the blank.

Every perturbed picture is scored by ExplorableModel.match_scores (forward
only, run as batches), and the curve's area is the trapezoid rule over the
fraction of patches moved (0..1). Deletion: lower is better; insertion: higher
is better; a random order is the baseline (RISE, Petsiuk et al. 2018; the
positive/negative perturbation AUCs of Chefer et al. 2021). The rules are
written out in docs/methods.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from mmexplorer.attention.grid import patch_boxes
from mmexplorer.attention.maps import image_branch_map, token_image_map
from mmexplorer.attention.reductions import reduce_heads
from mmexplorer.data.image import LoadedImage
from mmexplorer.data.sample import Sample

METHODS = ("raw", "rollout", "relevancy", "random")  # "random": a seeded random order, the baseline
MODES = ("deletion", "insertion")
STEPS = 16


@dataclass(frozen=True)
class Curve:
    method: str  # raw | rollout | relevancy | random | any name an order was given under
    mode: str  # deletion | insertion
    fractions: tuple[float, ...]  # share of patches removed (deletion) or added (insertion), 0 .. 1
    scores: tuple[float, ...]  # the model's score at each fraction
    auc: float  # area under scores over fractions (trapezoid rule)

    def to_dict(self) -> dict:
        return {"method": self.method, "mode": self.mode, "fractions": list(self.fractions),
                "scores": list(self.scores), "auc": self.auc}


def _positive_unit(m: np.ndarray) -> np.ndarray:
    """The map's positive part scaled to sum 1 (all zeros stays zeros), so every word weighs the same."""
    positive = np.clip(np.asarray(m, dtype=np.float64), 0, None)
    total = positive.sum()
    return positive / total if total > 0 else positive


def method_map(record, method: str, tokens: Sequence[int] | None = None) -> np.ndarray:
    """[rows, cols] importance of each patch by `method` for the record's text.

    The text's map is the mean of its words' maps (each one's positive part
    scaled to sum 1); `tokens` picks words (a box's words), else every word.
    A record without words (an image-only model) uses the image [CLS]'s map:
    raw = the last image layer's [CLS] row over the patches (mean over heads),
    rollout / relevancy = the image branch's propagated [CLS] row.
    """
    words = list(range(len(record.tokens))) if tokens is None else [int(t) for t in tokens]
    if words:
        return np.mean([_positive_unit(token_image_map(record, t, method=method)[0]) for t in words], axis=0)
    if method == "raw":
        kind = "image" if "image" in record.attention else record.kinds[0]
        cls = record.positions(kind, 0, "cls")
        patches = record.positions(kind, 1, "image")
        a = reduce_heads(record.attention[kind][-1], "mean")  # [Q, K]
        row = a[cls[0]] if len(cls) else a[record.positions(kind, 0, "image")].mean(axis=0)
        return _positive_unit(row[patches].reshape(record.grid))
    return _positive_unit(image_branch_map(record, method)[0])


def order_of(importance: np.ndarray) -> np.ndarray:
    """Patch indices, most important first (ties keep raster order)."""
    return np.argsort(-np.asarray(importance, dtype=np.float64).reshape(-1), kind="stable")


def step_counts(n_patches: int, steps: int) -> list[int]:
    """Patches moved at each of the steps + 1 points, 0 .. n_patches."""
    return [round(n_patches * k / steps) for k in range(steps + 1)]


def _patch_rects(grid, image_box, size) -> np.ndarray:
    """Integer pixel rectangles [N, 4] (x0, y0, x1, y1) of each patch on the original picture, clipped to it."""
    width, height = size
    boxes = np.rint(patch_boxes(grid, image_box)).astype(np.int64)
    boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0, width)
    boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0, height)
    return boxes


def perturbed(pixels: np.ndarray, rects: np.ndarray, order: np.ndarray, counts: Sequence[int], blank: np.ndarray,
              mode: str) -> list[np.ndarray]:
    """The pictures of one curve: uint8 [H, W, 3] each, one per count (each step paints on the one before)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    img = pixels.copy()
    if mode == "insertion":
        img[:] = blank
    out, done = [], 0
    for c in counts:
        img = img.copy()
        for p in order[done:c]:
            x0, y0, x1, y1 = rects[int(p)]
            img[y0:y1, x0:x1] = blank if mode == "deletion" else pixels[y0:y1, x0:x1]
        done = c
        out.append(img)
    return out


def area(fractions: Sequence[float], scores: Sequence[float]) -> float:
    x, y = np.asarray(fractions, dtype=np.float64), np.asarray(scores, dtype=np.float64)
    return float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))


def curves_for_orders(model, sample: Sample, grid: tuple[int, int], image_box, orders: Mapping[str, np.ndarray],
                      steps: int = STEPS, modes: Sequence[str] = MODES, target=None) -> dict[tuple[str, str], Curve]:
    """{(name, mode): Curve} for each named patch order; every perturbed picture scored in one batch.

    `grid` and `image_box` are the record's: which part of the original picture each patch covers.
    `target`: what match_scores scores (a classifier's class; None: the match, or the top class).
    """
    if steps < 1:
        raise ValueError("steps must be at least 1")
    pixels = sample.image.pixels
    n = grid[0] * grid[1]
    counts = step_counts(n, steps)
    rects = _patch_rects(grid, image_box, sample.image.size)
    blank = np.asarray(model.blank_colour(pixels), dtype=np.uint8)
    # every curve starts or ends at the picture itself or the all-blank one: those two are scored once
    pictures = [pixels, np.broadcast_to(blank, pixels.shape).copy()]
    keys, slots = [], []
    for name, order in orders.items():
        for mode in modes:
            keys.append((name, mode))
            start, end = (0, 1) if mode == "deletion" else (1, 0)
            inner = perturbed(pixels, rects, np.asarray(order), counts, blank, mode)[1:-1]
            slots += [start, *range(len(pictures), len(pictures) + len(inner)), end]
            pictures += inner
    source = f"{sample.image.source} (perturbed)"
    samples = [Sample(LoadedImage(p, source), sample.encoding) for p in pictures]
    unique = np.asarray(model.match_scores(samples, target=target), dtype=np.float64)
    scores = unique[np.asarray(slots)].reshape(len(keys), len(counts))
    fractions = tuple(c / n for c in counts)
    return {key: Curve(key[0], key[1], fractions, tuple(float(s) for s in row), area(fractions, row))
            for key, row in zip(keys, scores)}


def method_orders(record, methods: Sequence[str] = METHODS, tokens: Sequence[int] | None = None,
                  seed: int = 0) -> dict[str, np.ndarray]:
    """{method: patch order} for the record; relevancy is left out when the record has no gradients."""
    out = {}
    for method in methods:
        if method == "random":
            out[method] = np.random.default_rng(seed).permutation(record.n_patches)
        elif method == "relevancy" and record.grads is None:
            continue
        else:
            out[method] = order_of(method_map(record, method, tokens))
    return out


def faithfulness(model, sample: Sample, methods: Sequence[str] = METHODS, steps: int = STEPS,
                 modes: Sequence[str] = MODES, tokens: Sequence[int] | None = None, seed: int = 0,
                 record=None) -> dict:
    """Deletion and insertion curves of `sample` for each method: the report `mmexplorer curves` prints.

    `record`: the sample's probe with gradients, when the caller has it (else probed here).
    """
    from mmexplorer.engine.probe import probe

    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method {unknown[0]!r}; choose from {', '.join(METHODS)}")
    record = record if record is not None else probe(model, sample, relevancy="relevancy" in methods)
    orders = method_orders(record, methods, tokens, seed)
    curves = curves_for_orders(model, sample, record.grid, record.image_box, orders, steps, modes,
                               target=model.score_target(record))
    return {
        "model": model.name,
        "steps": steps,
        "score": model.score_name(),
        "blank": [int(v) for v in np.asarray(model.blank_colour(sample.image.pixels)).reshape(-1)],
        "curves": [c.to_dict() for c in curves.values()],
        "auc": {f"{mode}_{name}": c.auc for (name, mode), c in curves.items()},
    }


def auc_columns(methods: Sequence[str] = METHODS, modes: Sequence[str] = MODES) -> tuple[str, ...]:
    """The summary's column names, deletion_raw, insertion_raw, ... in method order."""
    return tuple(f"{mode}_{m}" for m in methods for mode in modes)
