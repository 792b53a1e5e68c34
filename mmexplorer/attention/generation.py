"""What a generative vision-language model's record adds: the photo's regions, and the answer it produced.

ImageRegions: the photo as the model saw it, as one or more regions (tiles,
a downscaled global view, or one grid of the whole photo), each with its box
in the original photo, its grid of tokens in the language model's sequence,
its grid of vision-tower patches and the span of prompt positions its tokens
occupy; merged tokens (pixel shuffle, 2 x 2 merge) map to blocks of patches.

Generation: the prompt's tokens (image placeholders named by region), the
answer's tokens, and for each answer token the attention row of the position
that produced it (the position before it) over everything before it, per
layer and head, with its rollout under the model's own mask.

Pure numpy: no torch, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

import numpy as np

from mmexplorer.attention.reductions import Head, reduce_heads

Segments = tuple[tuple[str, int, int], ...]


def _frozen(a, dtype) -> np.ndarray:
    a = np.ascontiguousarray(np.asarray(a, dtype=dtype))
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class ImageRegions:
    names: tuple[str, ...]  # "tile r1 c1", ..., "global": what each region is
    boxes: np.ndarray  # float32 [R, 4]: [x0, y0, x1, y1] of the original photo each region shows
    token_grids: np.ndarray  # int64 [R, 2]: (rows, cols) of the region's tokens in the language model's sequence
    patch_grids: np.ndarray  # int64 [R, 2]: (rows, cols) of the vision tower's patches for the region
    spans: np.ndarray  # int64 [R, 2]: [start, stop) of the region's tokens among the prompt's positions
    # int64 [image tokens, block]: for each image token (regions in order, tokens row-major), the vision patches
    # it merges, numbered over all regions (region r's patch (i, j) is offset_r + i * patch_cols + j)
    token_patches: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))
        object.__setattr__(self, "boxes", _frozen(self.boxes, np.float32).reshape(-1, 4))
        for name in ("token_grids", "patch_grids", "spans"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.int64).reshape(-1, 2))
        object.__setattr__(self, "token_patches", _frozen(self.token_patches, np.int64))
        n = len(self.names)
        if not (len(self.boxes) == len(self.token_grids) == len(self.patch_grids) == len(self.spans) == n):
            raise ValueError("every region needs a name, a box, both grids and a span")
        tokens = self.token_grids.prod(axis=1)
        if np.any(self.spans[:, 1] - self.spans[:, 0] != tokens):
            raise ValueError("a region's span must hold exactly its grid of tokens")
        if self.token_patches.shape[0] != int(tokens.sum()):
            raise ValueError("token_patches needs one row per image token")

    @property
    def count(self) -> int:
        return len(self.names)

    @property
    def n_tokens(self) -> int:
        return int(self.token_grids.prod(axis=1).sum())

    def positions(self) -> np.ndarray:
        """Prompt positions of every image token, regions in order: int64 [image tokens]."""
        return np.concatenate([np.arange(s, e) for s, e in self.spans]) if self.count else np.zeros(0, np.int64)

    def to_dict(self) -> dict:
        """The table as JSON-able rows (the record's meta, the CLI's summary)."""
        return {"names": list(self.names), "boxes": self.boxes.tolist(), "token_grids": self.token_grids.tolist(),
                "patch_grids": self.patch_grids.tolist(), "spans": self.spans.tolist()}


def block_token_patches(token_grids, patch_grids) -> np.ndarray:
    """token -> patches for regions whose tokens each merge a block of patches (pixel shuffle, 2 x 2 merge):
    token (i, j) of a region whose patch grid is (s_r * rows, s_c * cols) takes patches i*s_r .. i*s_r+s_r-1 by
    j*s_c .. j*s_c+s_c-1. int64 [image tokens, s_r * s_c] (every region merges the same block)."""
    out, offset, blocks = [], 0, set()
    for (tr, tc), (pr, pc) in zip(np.asarray(token_grids), np.asarray(patch_grids)):
        sr, sc = int(pr) // int(tr), int(pc) // int(tc)
        if sr * int(tr) != int(pr) or sc * int(tc) != int(pc):
            raise ValueError(f"a patch grid {pr}x{pc} is not whole blocks of a token grid {tr}x{tc}")
        blocks.add((sr, sc))
        i, j = np.meshgrid(np.arange(tr), np.arange(tc), indexing="ij")  # [tr, tc]
        di, dj = np.meshgrid(np.arange(sr), np.arange(sc), indexing="ij")  # [sr, sc]
        rows = i.reshape(-1, 1) * sr + di.reshape(1, -1)  # [tokens, block]
        cols = j.reshape(-1, 1) * sc + dj.reshape(1, -1)
        out.append(offset + rows * int(pc) + cols)
        offset += int(pr) * int(pc)
    if len(blocks) > 1:
        raise ValueError("regions merge blocks of different sizes")
    return np.concatenate(out) if out else np.zeros((0, 1), np.int64)


def photo_weights(regions: ImageRegions, grid: tuple[int, int], image_box) -> np.ndarray:
    """float32 [image tokens, rows * cols]: how each image token's value spreads over the photo's grid.

    The grid covers `image_box` of the photo. A grid cell belongs to the token of a region whose box holds the
    cell's centre; a token's value is shared evenly by its cells, so a map's total is the image tokens' total
    (a global view's tokens spread over the cells the tiles' tokens also cover: the two add up).
    """
    rows, cols = grid
    x0, y0, x1, y1 = (float(v) for v in image_box)
    cy = y0 + (np.arange(rows) + 0.5) * (y1 - y0) / rows  # [rows] cell centres, photo pixels
    cx = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    weights = np.zeros((regions.n_tokens, rows * cols), np.float32)
    offset = 0
    for (bx0, by0, bx1, by1), (tr, tc) in zip(regions.boxes.astype(np.float64), regions.token_grids):
        ti = np.floor((cy - by0) / max(by1 - by0, 1e-9) * tr).astype(np.int64)  # [rows] token row, or out of box
        tj = np.floor((cx - bx0) / max(bx1 - bx0, 1e-9) * tc).astype(np.int64)
        ys, xs = np.nonzero(((ti >= 0) & (ti < tr))[:, None] & ((tj >= 0) & (tj < tc))[None, :])
        weights[offset + ti[ys] * tc + tj[xs], ys * cols + xs] = 1.0
        offset += int(tr * tc)
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


def to_photo(values: np.ndarray, weights: np.ndarray, grid: tuple[int, int]) -> np.ndarray:
    """values [..., image tokens] -> float32 [..., rows, cols] on the photo's grid (see photo_weights)."""
    return (np.asarray(values, np.float32) @ weights).reshape(*np.shape(values)[:-1], *grid)


@dataclass(frozen=True)
class Generation:
    prompt_tokens: tuple[str, ...]  # the prompt as the model's tokens; image placeholders named by region
    prompt_ids: np.ndarray  # int64 [P]
    prompt_segments: Segments  # ("template" | "text" | "image", start, stop) runs over the prompt's positions
    answer_tokens: tuple[str, ...]  # the answer as the model's tokens (surface form)
    answer_ids: np.ndarray  # int64 [A]
    # per layer float32 [H, A, P + A - 1]: answer token a's row is the attention of position P - 1 + a (the one
    # whose output produced it) over positions 0 .. P - 1 + a; later positions are 0 (the causal mask)
    answer_rows: tuple[np.ndarray, ...]
    answer_rollout: np.ndarray  # float32 [A, P + A - 1]: those rows of attention rollout (head mean, own mask)
    answer_to_image: np.ndarray  # float32 [A, rows, cols]: the default map of each answer token on the photo's grid
    answer_map_label: str  # what answer_to_image is, in words
    prompt_attention: Mapping[int, np.ndarray] = field(default_factory=dict)  # layer -> float32 [H, P, P] (kept)
    forced: bool = False  # the answer was given (teacher forcing), not generated
    bidirectional_prefix: int = 0  # positions 0..n-1 attend to each other both ways (a prefix-LM); 0: causal
    # float32 [A, P + A - 1]: each answer token's row of gradient relevancy (Chefer et al. 2021, self-attention
    # rules) for its own logit; None when not asked for (it takes one backward pass per answer token)
    answer_relevancy: Optional[np.ndarray] = None
    # layer -> float32 [images, H, N, N]: the vision tower's own attention over each region's patches (the images
    # the processor made, in the regions' order), for the layers kept within a budget
    vision_attention: Mapping[int, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "prompt_tokens", tuple(str(t) for t in self.prompt_tokens))
        object.__setattr__(self, "answer_tokens", tuple(str(t) for t in self.answer_tokens))
        object.__setattr__(self, "prompt_ids", _frozen(self.prompt_ids, np.int64).reshape(-1))
        object.__setattr__(self, "answer_ids", _frozen(self.answer_ids, np.int64).reshape(-1))
        object.__setattr__(self, "prompt_segments", tuple((str(m), int(s), int(e)) for m, s, e in self.prompt_segments))
        object.__setattr__(self, "answer_rows", tuple(_frozen(a, np.float32) for a in self.answer_rows))
        for name in ("answer_rollout", "answer_to_image"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.float32))
        if self.answer_relevancy is not None:
            object.__setattr__(self, "answer_relevancy", _frozen(self.answer_relevancy, np.float32))
        for name in ("prompt_attention", "vision_attention"):
            object.__setattr__(self, name, MappingProxyType(
                {int(k): _frozen(v, np.float32) for k, v in dict(getattr(self, name)).items()}))
        p, a = len(self.prompt_ids), len(self.answer_ids)
        if len(self.prompt_tokens) != p or len(self.answer_tokens) != a:
            raise ValueError("one token string per prompt id and per answer id")
        for rows in self.answer_rows:
            if rows.shape[1:] != (a, p + a - 1):
                raise ValueError(f"answer rows must be [heads, {a}, {p + a - 1}], got {list(rows.shape)}")

    @property
    def layers(self) -> int:
        return len(self.answer_rows)

    @property
    def heads(self) -> int:
        return int(self.answer_rows[0].shape[0]) if self.answer_rows else 0

    def positions(self, modality: str) -> np.ndarray:
        idx = [np.arange(s, e) for m, s, e in self.prompt_segments if m == modality]
        return np.concatenate(idx) if idx else np.zeros(0, np.int64)


ANSWER_METHODS = ("raw", "rollout", "relevancy")


def answer_row(generation: Generation, token: int, layer: Optional[int] = None, head: Head = "mean",
               method: str = "raw") -> np.ndarray:
    """Answer token `token`'s row over every position before it: float64 [P + token].

    raw: one layer (None: the mean over layers) and one head or a head reduction (mean, max, min);
    rollout: the rollout under the model's own mask (head mean, all layers); relevancy: the gradient relevancy
    of the token's own logit (when the record has it).
    """
    if not 0 <= token < len(generation.answer_ids):
        raise IndexError(f"answer token {token} out of range")
    length = len(generation.prompt_ids) + token
    if method == "rollout":
        return generation.answer_rollout[token, :length].astype(np.float64)
    if method == "relevancy":
        if generation.answer_relevancy is None:
            raise ValueError("this record was asked without answer relevancy")
        return generation.answer_relevancy[token, :length].astype(np.float64)
    if method != "raw":
        raise ValueError(f"unknown answer method {method!r}; expected one of {', '.join(ANSWER_METHODS)}")
    layers = range(generation.layers) if layer is None else [layer]
    rows = [reduce_heads(generation.answer_rows[i][:, token:token + 1, :length].astype(np.float64), head)[0]
            for i in layers]
    return np.mean(rows, axis=0)


def answer_image_values(generation: Generation, regions: ImageRegions, token: int, **how) -> np.ndarray:
    """Answer token `token`'s weights on the image tokens, regions in order: [image tokens]."""
    return answer_row(generation, token, **how)[regions.positions()]


def answer_image_map(generation: Generation, regions: ImageRegions, grid, image_box, token: int, **how) -> np.ndarray:
    """Answer token `token`'s map on the photo's grid [rows, cols] (answer_row's methods)."""
    return to_photo(answer_image_values(generation, regions, token, **how), photo_weights(regions, grid, image_box), grid)


def region_maps(generation: Generation, regions: ImageRegions, token: int, **how) -> list[np.ndarray]:
    """Answer token `token`'s weights region by region, each on its own token grid [rows, cols]."""
    values = answer_image_values(generation, regions, token, **how)
    out, start = [], 0
    for tr, tc in regions.token_grids:
        out.append(values[start:start + tr * tc].reshape(int(tr), int(tc)))
        start += int(tr * tc)
    return out
