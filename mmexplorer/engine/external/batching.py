"""One forward pass for a batch of pairs of a pretrained family, cut back to each pair's own positions.

Texts are right-padded to the longest with a mask (the models mask padded
keys, so every real query sees exactly the keys it would see alone);
pictures of different sizes are padded at the bottom and right with a pixel
mask (ViLT); pictures of one size are stacked. After the forward pass each
pair's attention (and gradient) arrays are cut to its own query and key
positions on the device, and everything a batch's records keep crosses to
the host in one copy (`HostBatch`), not one per layer. The gradients of every
pair's score come from one backward pass of their sum: the pairs of a batch
never see each other, so d(sum of scores)/d(pair b's attention) is
d(score b)/d(pair b's attention).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch


def needs_gradients(relevancy) -> bool:
    """`relevancy` as capture_batch takes it: True, False, or "maps" (gradients only where the default word
    maps are built from them). A pretrained family's maps are attention or similarity, never gradients."""
    return relevancy is True or (relevancy not in (False, None, "maps") and bool(relevancy))


def text_batch(rows: Sequence[Sequence[int]], masks: Sequence[Sequence[int]], pad_id: int,
               device) -> tuple[torch.Tensor, torch.Tensor]:
    """Id lists of different lengths -> ids [B, L] right-padded with `pad_id`, mask [B, L] (each text's own mask,
    0 on the padding)."""
    length = max(len(r) for r in rows)
    ids = torch.full((len(rows), length), int(pad_id), dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for b, (r, m) in enumerate(zip(rows, masks)):
        ids[b, :len(r)] = torch.tensor(r, dtype=torch.long)
        mask[b, :len(m)] = torch.tensor(m, dtype=torch.long)
    return ids.to(device), mask.to(device)


def picture_batch(pixels: Sequence[torch.Tensor], device) -> tuple[torch.Tensor, torch.Tensor]:
    """Pictures [1, C, h, w] of different sizes -> [B, C, H, W] zero-padded at the bottom and right, and the
    pixel mask [B, H, W] (1 on each picture's own pixels)."""
    height = max(int(p.shape[-2]) for p in pixels)
    width = max(int(p.shape[-1]) for p in pixels)
    out = torch.zeros((len(pixels), int(pixels[0].shape[1]), height, width), dtype=pixels[0].dtype)
    mask = torch.zeros((len(pixels), height, width), dtype=torch.long)
    for b, p in enumerate(pixels):
        h, w = int(p.shape[-2]), int(p.shape[-1])
        out[b, :, :h, :w] = p[0]
        mask[b, :h, :w] = 1
    return out.to(device), mask.to(device)


def stacked(tensors: Sequence[torch.Tensor], device) -> torch.Tensor:
    """Tensors [1, ...] of one shape -> [B, ...] on the device."""
    return torch.cat(list(tensors), 0).to(device)


def spans(*parts: tuple[int, int], device=None) -> torch.Tensor:
    """Positions (start, length), ... concatenated: where a pair's own positions sit in the padded sequence."""
    return torch.cat([torch.arange(start, start + length, device=device) for start, length in parts])


def score_gradients(scores: torch.Tensor, weights: Sequence[torch.Tensor]) -> list:
    """d scores[b] / d weights[layer][b] for every pair and layer from one backward pass of the scores' sum
    (scores [B] on the graph; weights per layer [B, H, Q, K]); None where a layer does not reach the scores."""
    return list(torch.autograd.grad(scores.sum(), list(weights), allow_unused=True))


def cut(weights: torch.Tensor, row: int, rows: torch.Tensor | None = None,
        cols: torch.Tensor | None = None) -> torch.Tensor:
    """Batch row `row` of weights [B, H, Q, K] at the given query and key positions (None: all) -> [H, q, k]."""
    w = weights[row].detach()
    if rows is not None:
        w = w.index_select(1, rows)
    if cols is not None:
        w = w.index_select(2, cols)
    return w


class HostBatch:
    """What a batch's records keep, gathered on the device and moved to the host in one copy.

    `add` takes a tensor (any shape, on the model's device) and returns a handle;
    after `fetch`, `get(handle)` is the float32 numpy array. On the CPU nothing is
    copied at all: each array is the tensor's own memory (when it is contiguous).
    """

    def __init__(self) -> None:
        self._parts: list[torch.Tensor] = []
        self._host: list[np.ndarray] | None = None

    def add(self, tensor: torch.Tensor) -> int:
        self._parts.append(tensor.detach().float())
        return len(self._parts) - 1

    def add_all(self, tensors: Sequence[torch.Tensor]) -> list[int]:
        return [self.add(t) for t in tensors]

    def fetch(self) -> "HostBatch":
        parts = self._parts
        if not parts or all(p.device.type == "cpu" for p in parts):
            self._host = [p.numpy() for p in parts]
            return self
        flat = torch.cat([p.reshape(-1) for p in parts])  # one buffer on the device
        host = flat.to("cpu").numpy()  # one transfer (and one sync) for the whole batch
        out, start = [], 0
        for p in parts:
            out.append(host[start:start + p.numel()].reshape(tuple(p.shape)))
            start += p.numel()
        self._host = out
        return self

    def get(self, handle: int) -> np.ndarray:
        assert self._host is not None, "fetch() first"
        return self._host[handle]

    def get_all(self, handles: Sequence[int]) -> tuple[np.ndarray, ...]:
        return tuple(self.get(h) for h in handles)


def zeros_where_unused(grads: Sequence, weights: Sequence[torch.Tensor]) -> list[torch.Tensor]:
    """Gradients with None (a layer the score does not depend on) replaced by zeros of the layer's shape."""
    return [torch.zeros_like(w) if g is None else g for g, w in zip(grads, weights)]


@dataclass
class Clock:
    """The batch's preprocess and forward times, shared out over its pairs in each record's timings."""

    started: float = field(default_factory=time.perf_counter)
    prepared: float = 0.0
    ran: float = 0.0

    def mark_prepared(self) -> None:
        self.prepared = time.perf_counter()

    def mark_ran(self) -> None:
        self.ran = time.perf_counter()

    def share(self, count: int) -> dict:
        out = {"preprocess_s": (self.prepared - self.started) / count, "forward_s": (self.ran - self.prepared) / count}
        return out if count == 1 else {**out, "batch": count}


def finish(model, samples: Sequence, records: list, meta=None) -> list:
    """Each batch record with what `probe` adds to a single one (engine.probe.with_probe_meta) and `meta`."""
    from mmexplorer.engine.probe import with_probe_meta

    return [with_probe_meta(model, s, r, extra=meta) for s, r in zip(samples, records)]
