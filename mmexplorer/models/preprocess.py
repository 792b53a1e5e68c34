"""Turning a Sample into the tensors a model takes. Travels with the model config."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from PIL import Image

from mmexplorer.config import ModelConfig
from mmexplorer.data.tokenizer import Encoding, Tokenizer
from mmexplorer.models.fusion.base import PIXEL_MEAN, PIXEL_STD

# (x / 255 - mean) / std  ==  x * _SCALE + _OFFSET, per channel
_SCALE = (1.0 / (255.0 * np.asarray(PIXEL_STD, dtype=np.float32)))
_OFFSET = (-np.asarray(PIXEL_MEAN, dtype=np.float32) / np.asarray(PIXEL_STD, dtype=np.float32))


def resized(pixels: np.ndarray, side: int) -> np.ndarray:
    """uint8 [H, W, 3] -> uint8 [side, side, 3], the resize image_tensor applies (none when already that size)."""
    if pixels.shape[:2] == (side, side):
        return pixels
    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels)).resize((side, side), Image.BILINEAR))  # antialiased when shrinking


def image_tensor(pixels: np.ndarray | Sequence[np.ndarray], cfg: ModelConfig, size: int | None = None) -> torch.Tensor:
    """uint8 [H, W, 3] (or a list of them) -> normalised float [B, 3, S, S].

    The whole image is resized (not cropped) to S x S, so the patch grid covers
    the full original picture whatever its aspect ratio.
    """
    arrays = [pixels] if isinstance(pixels, np.ndarray) else list(pixels)
    side = size or cfg.image_size
    # Resizing in Pillow and normalising in numpy, one channel plane at a time: a few
    # single-threaded C loops over contiguous memory, far cheaper for one image than a
    # chain of small multi-threaded torch ops or numpy broadcasting over a last axis
    # of 3. Writing into `batch` also means read-only input arrays (the GUI hands
    # those over) are never aliased.
    batch = np.empty((len(arrays), 3, side, side), dtype=np.float32)  # [B, 3, S, S]
    for i, arr in enumerate(arrays):
        arr = resized(arr, side)
        for c in range(3):
            np.multiply(arr[:, :, c], _SCALE[c], out=batch[i, c])
            batch[i, c] += _OFFSET[c]
    return torch.from_numpy(batch)


def text_tensor(encodings: Encoding | Sequence[Encoding], tokenizer: Tokenizer) -> tuple[torch.Tensor, torch.Tensor]:
    """Encodings -> ids [B, L] with [CLS] at 0 and right padding, mask [B, L] True for real tokens."""
    encs = [encodings] if isinstance(encodings, Encoding) else list(encodings)
    length = 1 + max((len(e.tokens) for e in encs), default=0)
    # filled in numpy: a handful of tiny torch ops would cost more than the whole fill
    ids = np.full((len(encs), length), tokenizer.pad_id, dtype=np.int64)
    mask = np.zeros((len(encs), length), dtype=bool)
    for row, enc in enumerate(encs):
        ids[row, 0] = tokenizer.cls_id
        ids[row, 1 : 1 + len(enc.ids)] = enc.ids
        mask[row, : 1 + len(enc.ids)] = True
    return torch.from_numpy(ids), torch.from_numpy(mask)
