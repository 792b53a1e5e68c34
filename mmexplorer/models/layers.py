"""Transformer building blocks (pre-LayerNorm)."""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

from mmexplorer.models.attention import Attention


class MLP(nn.Module):
    def __init__(self, dim: int, ratio: float, dropout: float = 0.0) -> None:
        super().__init__()
        hidden = int(dim * ratio)
        self.net = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Block(nn.Module):
    """Self-attention block: x + Attn(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float, kind: str, layer: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, kind, layer, dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MLP(dim, mlp_ratio, dropout)

    def forward(self, x: torch.Tensor, key_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        self.attn.keys_entering(x)
        x = x + self.attn(self.norm1(x), key_mask=key_mask)
        return x + self.mlp(self.norm2(x))


class CrossBlock(nn.Module):
    """Cross-attention block: queries from x, keys/values from another modality."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float, kind: str, layer: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, kind, layer, dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = MLP(dim, mlp_ratio, dropout)

    def forward(self, x: torch.Tensor, other: torch.Tensor, other_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        self.attn.keys_entering(other)
        x = x + self.attn(self.norm_q(x), self.norm_kv(other), key_mask=other_mask)
        return x + self.mlp(self.norm2(x))


class Encoder(nn.Module):
    """A stack of self-attention blocks whose attention is captured as `kind`."""

    def __init__(self, dim: int, depth: int, heads: int, mlp_ratio: float, kind: str, dropout: float = 0.0) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio, kind, i, dropout) for i in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, key_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        for block in self.blocks:
            x = block(x, key_mask)
        return self.norm(x)
