"""Turning a Sample into the tensors a model takes. Travels with the model config."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from mmexplorer.config import ModelConfig
from mmexplorer.data.tokenizer import Encoding, Tokenizer
from mmexplorer.models.fusion.base import PIXEL_MEAN, PIXEL_STD


def image_tensor(pixels: np.ndarray | Sequence[np.ndarray], cfg: ModelConfig, size: int | None = None) -> torch.Tensor:
    """uint8 [H, W, 3] (or a list of them) -> normalised float [B, 3, S, S].

    The whole image is resized (not cropped) to S x S, so the patch grid covers
    the full original picture whatever its aspect ratio.
    """
    arrays = [pixels] if isinstance(pixels, np.ndarray) else list(pixels)
    side = size or cfg.image_size
    out = []
    for arr in arrays:
        x = torch.from_numpy(np.ascontiguousarray(arr)).permute(2, 0, 1).float().div_(255.0)[None]  # [1, 3, H, W]
        if x.shape[-2:] != (side, side):
            x = F.interpolate(x, size=(side, side), mode="bilinear", align_corners=False, antialias=True)
        out.append(x)
    x = torch.cat(out)
    mean = torch.tensor(PIXEL_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(PIXEL_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def text_tensor(encodings: Encoding | Sequence[Encoding], tokenizer: Tokenizer) -> tuple[torch.Tensor, torch.Tensor]:
    """Encodings -> ids [B, L] with [CLS] at 0 and right padding, mask [B, L] True for real tokens."""
    encs = [encodings] if isinstance(encodings, Encoding) else list(encodings)
    length = 1 + max((len(e.tokens) for e in encs), default=0)
    ids = torch.full((len(encs), length), tokenizer.pad_id, dtype=torch.long)
    mask = torch.zeros((len(encs), length), dtype=torch.bool)
    for row, enc in enumerate(encs):
        seq = [tokenizer.cls_id] + enc.ids
        ids[row, : len(seq)] = torch.tensor(seq)
        mask[row, : len(seq)] = True
    return ids, mask
