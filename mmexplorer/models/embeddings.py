"""Turning pixels and word ids into token sequences of the shared width."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def sincos_1d(length: int, dim: int) -> torch.Tensor:
    """Fixed sinusoidal encoding (Vaswani et al. 2017): [length, dim]."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    pe = torch.zeros(length, dim)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: dim // 2])
    return pe


def sincos_2d(rows: int, cols: int, dim: int) -> torch.Tensor:
    """Fixed 2D sinusoidal encoding: half the channels encode the row, half the column. [rows*cols, dim]."""
    if dim % 4:
        raise ValueError("2D sinusoidal encoding needs a width divisible by 4")
    half = dim // 2
    row = sincos_1d(rows, half)  # [rows, half]
    col = sincos_1d(cols, half)  # [cols, half]
    grid = torch.cat([row[:, None, :].expand(rows, cols, half), col[None, :, :].expand(rows, cols, half)], dim=-1)
    return grid.reshape(rows * cols, dim)


class PatchEmbed(nn.Module):
    """ViT patch embedding: non-overlapping p x p patches, linearly projected, plus 2D positions and [CLS]."""

    def __init__(self, patch_size: int, dim: int, grid: tuple[int, int], pos_embed: str) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.grid = grid  # (rows, cols) the learned position table was trained for
        self.proj = nn.Conv2d(3, dim, kernel_size=patch_size, stride=patch_size)  # a linear map per patch
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.cls_pos = nn.Parameter(torch.zeros(1, 1, dim))
        self.kind = pos_embed
        if pos_embed == "learned":
            self.pos = nn.Parameter(torch.randn(1, grid[0] * grid[1], dim) * 0.02)
        else:
            self.register_buffer("pos", sincos_2d(grid[0], grid[1], dim)[None], persistent=False)
        nn.init.normal_(self.cls, std=0.02)

    def positions(self, rows: int, cols: int) -> torch.Tensor:
        """Patch position embeddings for a (rows, cols) grid: [rows*cols, dim]."""
        if (rows, cols) == tuple(self.grid):
            return self.pos[0]
        dim = self.pos.shape[-1]
        if self.kind == "sincos":
            return sincos_2d(rows, cols, dim).to(self.pos.device, self.pos.dtype)
        table = self.pos[0].reshape(1, self.grid[0], self.grid[1], dim).permute(0, 3, 1, 2)
        table = F.interpolate(table, size=(rows, cols), mode="bicubic", align_corners=False)
        return table.permute(0, 2, 3, 1).reshape(rows * cols, dim)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        """image [B, 3, H, W] -> tokens [B, 1 + rows*cols, D] ([CLS] first) and the grid (rows, cols)."""
        x = self.proj(image)  # [B, D, rows, cols]
        rows, cols = x.shape[-2:]
        x = x.flatten(2).transpose(1, 2) + self.positions(rows, cols)[None]  # [B, N, D]
        cls = (self.cls + self.cls_pos).expand(x.shape[0], -1, -1)
        return torch.cat([cls, x], dim=1), (rows, cols)


class TextEmbed(nn.Module):
    """Word embeddings plus 1D positions; position 0 is the sequence's [CLS]."""

    def __init__(self, vocab_size: int, dim: int, max_len: int, pos_embed: str) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab_size, dim)
        length = max_len + 1  # + [CLS]
        if pos_embed == "learned":
            self.pos = nn.Parameter(torch.randn(1, length, dim) * 0.02)
        else:
            self.register_buffer("pos", sincos_1d(length, dim)[None], persistent=False)
        nn.init.normal_(self.tok.weight, std=0.02)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids [B, L] (position 0 holds [CLS]) -> [B, L, D]."""
        return self.tok(ids) + self.pos[:, : ids.shape[1]]
