"""The maps the views show, computed from a record without running the model.

token_image_map: one word -> a [rows, cols] map over the patches.
patch_token_scores: one patch -> a score for every word.
Methods: "raw" (one layer, one head or a head reduction), "rollout" and
"relevancy" (all layers, propagated through every attention set in the order
the model ran them).
"""

from __future__ import annotations

import weakref
from typing import Optional

import numpy as np

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.attention.reductions import Head, gradient_weighted, propagate, propagate_row, reduce_heads

METHODS = ("raw", "rollout", "relevancy")

def _text_len(record: AttentionRecord) -> int:
    return 1 + len(record.tokens)  # [CLS] + words


def _universe(record: AttentionRecord, sequence: str) -> np.ndarray:
    """Positions of the text sequence ([CLS] + words) in the universe."""
    if sequence != "text":
        raise ValueError(f"only the text sequence has fixed universe positions, not {sequence!r}")
    return np.arange(_text_len(record))


def _universe_map(record: AttentionRecord) -> dict:
    """For every (kind, axis): the universe position of each index along that axis (cached on the record).

    The universe is the text sequence ([CLS] at 0, words 1..T), then the image
    sequence ([CLS] at T+1, patches T+2.., raster order), then one slot for each
    position that is neither (a multimodal [CLS], padding). Which [CLS] is which
    comes from the layout: a [CLS] run right before the words is the text's,
    right before the patches the image's. Axes with the same segments are the
    same sequence and share their extra slots.
    """
    cache = _cache(record)
    if "universe" in cache:
        return cache["universe"]
    n_words = len(record.tokens)
    size = n_words + 2 + record.n_patches
    extras: dict = {}
    out: dict = {}
    for kind in record.kinds:
        for axis, segments in enumerate(record.layouts[kind]):
            length = max((stop for _, _, stop in segments), default=0)
            ids = np.full(length, -1, dtype=np.int64)
            for i, (modality, start, stop) in enumerate(segments):
                n = stop - start
                following = segments[i + 1][0] if i + 1 < len(segments) else None
                if modality == "text":
                    ids[start:stop] = 1 + np.arange(n)
                elif modality == "image":
                    ids[start:stop] = n_words + 2 + np.arange(n)
                elif modality == "cls" and following == "text":
                    ids[start:stop] = 0
                elif modality == "cls" and following == "image":
                    ids[start:stop] = n_words + 1
                else:  # a position of neither sequence: its own slot, shared by axes of the same sequence
                    for j in range(start, stop):
                        key = (tuple(segments), j)
                        if key not in extras:
                            extras[key] = size
                            size += 1
                        ids[j] = extras[key]
            out[kind, axis] = ids
    cache["universe"] = (out, size)
    return cache["universe"]


def _universe_size(record: AttentionRecord) -> int:
    return _universe_map(record)[1]


def _head_weighted(record: AttentionRecord, kind: str, layer: int, head: Head, method: str) -> np.ndarray:
    weights = record.attention[kind][layer]
    if method == "rollout":
        return reduce_heads(weights, head)
    grad = record.grads[kind][layer]
    if isinstance(head, str) and head == "mean":
        return gradient_weighted(weights, grad)
    return reduce_heads(np.clip(grad * weights, 0.0, None), head)


def propagated(record: AttentionRecord, method: str, head: Head = "mean") -> np.ndarray:
    """Universe-wide relevance R [U, U] for "rollout" or "relevancy" (cached on the record)."""
    if method == "relevancy" and record.grads is None:
        raise ValueError("this record was captured without gradients; relevancy is not available")
    key = ("propagated", method, head)
    cache = _cache(record)
    if key not in cache:
        events = []
        axes, size = _universe_map(record)
        for step, (kind, layer) in enumerate(record.order):
            # the two directions of a co-attention layer read the same previous states
            step_id = ("co", layer) if kind in ("text_to_image", "image_to_text") else step
            a = _head_weighted(record, kind, layer, head, method)
            events.append((a, axes[kind, 0], axes[kind, 1], step_id))
        cache[key] = propagate(events, size, "rollout" if method == "rollout" else "relevancy")
    return cache[key]


# id(record) -> arrays derived from it (the universe index, propagated relevance), kept beside the frozen
# record rather than on it, and dropped the moment the record is freed (so a later record that reuses the id
# never sees them). Whoever holds the record (the explorer's state, an export) holds its derived arrays.
_DERIVED: dict[int, dict] = {}


def _cache(record: AttentionRecord) -> dict:
    key = id(record)
    cache = _DERIVED.get(key)
    if cache is None:
        cache = _DERIVED[key] = {}
        weakref.finalize(record, _DERIVED.pop, key, None)
    return cache


def _image_patch_universe(record: AttentionRecord) -> np.ndarray:
    return _text_len(record) + 1 + np.arange(record.n_patches)


def token_image_map(
    record: AttentionRecord, token: int, layer: Optional[int] = None, head: Head = "mean", method: str = "raw"
) -> tuple[np.ndarray, str]:
    """[rows, cols] map for word `token`, and a label saying what it is."""
    if not 0 <= token < len(record.tokens):
        raise IndexError(f"token {token} out of range")
    word = record.tokens[token]
    if method == "raw":
        if record.cross_kind is not None:
            kind = record.cross_kind
            layer = record.layers(kind) - 1 if layer is None else layer
            a = reduce_heads(record.attention[kind][layer], head)
            rows = record.positions(kind, 0, "text")
            cols = record.positions(kind, 1, "image")
            what = "cross-attention text→image" if kind == "text_to_image" else "joint attention, word row → patch columns"
            return a[rows[token], cols].reshape(record.grid), f"'{word}': {what}, layer {layer}, head {head}"
        if record.similarity is not None:
            return record.similarity[token], f"'{word}': token-patch cosine similarity (not attention)"
        return image_branch_map(record, "relevancy" if record.grads is not None else "rollout", head)
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    if record.cross_kind is None:
        return image_branch_map(record, method, head)
    r = propagated(record, method, head)
    row = _universe(record, "text")[1 + token]
    label = "attention rollout" if method == "rollout" else "gradient-weighted relevancy (Chefer et al. 2021)"
    return r[row, _image_patch_universe(record)].reshape(record.grid), f"'{word}': {label}, head {head}"


def token_image_maps_every_head(record: AttentionRecord, token: int) -> np.ndarray:
    """Raw cross-modal maps of word `token` for every layer and head at once: float32 [layers, heads, rows, cols].

    The same values as token_image_map(record, token, layer, h, "raw") for each
    layer and head, gathered with one index per layer (the heads overview draws
    all of them whenever the word changes).
    """
    kind = record.cross_kind
    if kind is None:
        raise ValueError("the model has no cross-modal attention")
    if not 0 <= token < len(record.tokens):
        raise IndexError(f"token {token} out of range")
    row = record.positions(kind, 0, "text")[token]
    cols = record.positions(kind, 1, "image")
    maps = np.stack([a[:, row, cols] for a in record.attention[kind]])  # [L, H, N]
    return maps.reshape(*maps.shape[:2], *record.grid)


def word_spans_of(record: AttentionRecord) -> list[tuple[int, int]]:
    """(first, stop) token indices of each word (meta["word_spans"]; one token per word when absent)."""
    spans = record.meta.get("word_spans")
    return [tuple(s) for s in spans] if spans else [(i, i + 1) for i in range(len(record.tokens))]


def word_image_map(
    record: AttentionRecord, word: int, layer: Optional[int] = None, head: Head = "mean", method: str = "raw",
    reduce: str = "mean",
) -> tuple[np.ndarray, str]:
    """[rows, cols] map of a whole word: the mean (or sum) of its pieces' maps, and a label that says so."""
    if reduce not in ("mean", "sum"):
        raise ValueError(f"reduce must be 'mean' or 'sum', not {reduce!r}")
    first, stop = word_spans_of(record)[word]
    maps, labels = zip(*(token_image_map(record, t, layer, head, method) for t in range(first, stop)))
    if stop - first == 1:
        return maps[0], labels[0]
    stacked = np.stack(maps)
    pieces = ", ".join(f"'{record.tokens[t]}'" for t in range(first, stop))
    combined = stacked.mean(0) if reduce == "mean" else stacked.sum(0)
    what = labels[0].split(": ", 1)[-1]
    return combined, f"word of {stop - first} pieces ({pieces}): {reduce} of their maps; {what}"


def image_branch_map(record: AttentionRecord, method: str, head: Head = "mean") -> tuple[np.ndarray, str]:
    """The image [CLS]'s relevance over patches: what the image branch used, the same for every word."""
    what = "relevancy" if method == "relevancy" else "rollout"
    label = f"image-branch {what} of [CLS] (no cross-modal attention: the same for every word)"
    if set(record.kinds) <= {"image", "text"} and "image" in record.attention:
        # Separate encoders: image positions only ever read image positions, so the
        # image [CLS] row needs the image stream alone, one vector at a time (this
        # runs on every probe of such a model).
        if method == "relevancy" and record.grads is None:
            raise ValueError("this record was captured without gradients; relevancy is not available")
        layers = [_head_weighted(record, "image", layer, head, method) for layer in range(record.layers("image"))]
        cls, patches = record.positions("image", 0, "cls"), record.positions("image", 1, "image")
        start = np.zeros(layers[0].shape[-1])
        if len(cls):
            start[cls[0]] = 1.0  # the image [CLS]'s row
        else:  # an encoder that pools by attention (SigLIP) has no [CLS]: the mean of the patches' rows
            start[record.positions("image", 0, "image")] = 1.0 / record.n_patches
            label = f"image-branch {what}, mean over the patches' rows (no [CLS]; no cross-modal attention)"
        row = propagate_row(layers, start, "rollout" if method == "rollout" else "relevancy")
        return row[patches].reshape(record.grid), label
    r = propagated(record, method, head)
    row = _text_len(record)  # image [CLS]
    return r[row, _image_patch_universe(record)].reshape(record.grid), label


def patch_token_scores(
    record: AttentionRecord, patch: int, layer: Optional[int] = None, head: Head = "mean", method: str = "raw"
) -> tuple[np.ndarray, str]:
    """Scores [tokens] of every word for image patch `patch`, and a label."""
    if not 0 <= patch < record.n_patches:
        raise IndexError(f"patch {patch} out of range")
    if method == "raw":
        kind = "image_to_text" if "image_to_text" in record.attention else record.cross_kind
        if kind is not None:
            layer = record.layers(kind) - 1 if layer is None else layer
            a = reduce_heads(record.attention[kind][layer], head)
            if not _patches_query(record, kind):  # text→image only (BLIP): each word's weight on this patch
                col = record.positions(kind, 1, "image")[patch]
                rows = record.positions(kind, 0, "text")
                return a[rows, col], f"p{patch}: cross-attention text→image, each word's weight on the patch, layer {layer}, head {head}"
            row = record.positions(kind, 0, "image")[patch]
            cols = record.positions(kind, 1, "text")
            name = "cross-attention image→text" if kind == "image_to_text" else "joint attention, patch row → word columns"
            return a[row, cols], f"p{patch}: {name}, layer {layer}, head {head}"
        if record.similarity is not None:
            return record.similarity[:, patch // record.grid[1], patch % record.grid[1]], f"p{patch}: token-patch cosine similarity (not attention)"
        return np.zeros(len(record.tokens)), "no cross-modal attention in this model"
    if record.cross_kind is None:
        return np.zeros(len(record.tokens)), "no cross-modal attention in this model"
    r = propagated(record, method, head)
    row = _image_patch_universe(record)[patch]
    return r[row, _universe(record, "text")[1:]], f"p{patch}: {method}, head {head}"


def patch_token_extent(record: AttentionRecord, patch: int, method: str = "raw", head: Head = "mean") -> tuple[float, float]:
    """(lowest, highest) score `patch_token_scores` gives this patch in any layer.

    For "raw" the extent also covers every head (so every head reduction lies
    within it); the propagated methods have no layers and keep their `head`.
    """
    kind = "image_to_text" if "image_to_text" in record.attention else record.cross_kind
    if method == "raw" and kind is not None and record.tokens:
        if _patches_query(record, kind):
            row, cols = record.positions(kind, 0, "image")[patch], record.positions(kind, 1, "text")
            blocks = [a[:, row, cols] for a in record.attention[kind]]  # [H, words] per layer
        else:
            rows, col = record.positions(kind, 0, "text"), record.positions(kind, 1, "image")[patch]
            blocks = [a[:, rows, col] for a in record.attention[kind]]
        return float(min(b.min() for b in blocks)), float(max(b.max() for b in blocks))
    scores, _ = patch_token_scores(record, patch, None, head, method)
    return (float(scores.min()), float(scores.max())) if scores.size else (0.0, 0.0)


def _patches_query(record: AttentionRecord, kind: str) -> bool:
    """True when patches are queries of `kind` (joint, image→text); False for text→image cross-attention."""
    return len(record.positions(kind, 0, "image")) > 0


def attention_matrix(record: AttentionRecord, kind: str, layer: int, head: Head = "mean") -> np.ndarray:
    """[Q, K] weights of one attention set and layer."""
    return reduce_heads(record.attention[kind][layer], head)


def patch_self_map(record: AttentionRecord, kind: str, layer: int, query: int, head: Head = "mean") -> Optional[np.ndarray]:
    """For a query position of `kind`, its weights over the image patches as [rows, cols] (None if it has none)."""
    return patch_row(record, kind, reduce_heads(record.attention[kind][layer], head), query)


def patch_row(record: AttentionRecord, kind: str, matrix: np.ndarray, query: int) -> Optional[np.ndarray]:
    """Row `query` of a [Q, K] matrix of `kind` over the image patches, as [rows, cols] (None if it has none).

    For a view that already holds the matrix: the head reduction is not done twice.
    """
    cols = record.positions(kind, 1, "image")
    if len(cols) != record.n_patches:
        return None
    return matrix[query, cols].reshape(record.grid)
