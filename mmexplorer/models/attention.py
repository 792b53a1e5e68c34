"""One attention class for self- and cross-attention.

`fused=True` uses F.scaled_dot_product_attention (fast, no weights);
`fused=False` computes softmax(QK^T / sqrt(d_k)) explicitly. When a `sink` is
attached the explicit path always runs and hands the weights to the sink,
which is how attention is captured. Both paths compute the same function.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import torch
import torch.nn.functional as F
from torch import nn

# kinds of attention set, as named in the probe npz
KINDS = ("joint", "text", "image", "text_to_image", "image_to_text")


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, kind: str, layer: int, dropout: float = 0.0) -> None:
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown attention kind {kind!r}")
        self.heads = heads
        self.head_dim = dim // heads
        self.kind = kind  # which attention set this module belongs to
        self.layer = layer  # its index within that set
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)
        self.dropout = dropout
        self.fused = True
        # Called with (module, weights [B, H, Q, K]) on the explicit path when set.
        self.sink: Optional[Callable[["Attention", torch.Tensor], None]] = None
        # Called with (module, norms [B, K]) by keys_entering when set: the hidden states' norms at the keys.
        self.norm_sink: Optional[Callable[["Attention", torch.Tensor], None]] = None
        # Ablation (engine/ablation.py), None when nothing is ablated (the forward is then exactly the plain one):
        # head_gate [H] or [B, H] multiplies each head's output before the output projection (0 zeroes a head);
        # blocked [Q, K] or [B, Q, K] bool, True where a query may not read a key.
        self.head_gate: Optional[torch.Tensor] = None
        self.blocked: Optional[torch.Tensor] = None

    def keys_entering(self, states: torch.Tensor) -> None:
        """The block hands over the residual stream its keys are read from, [B, K, D] (before the LayerNorm)."""
        if self.norm_sink is not None:
            self.norm_sink(self, states.detach().float().norm(dim=-1))  # [B, K]

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        return x.view(b, n, self.heads, self.head_dim).transpose(1, 2)  # [B, H, N, dh]

    def forward(
        self,
        x: torch.Tensor,  # queries' input [B, Q, D]
        context: Optional[torch.Tensor] = None,  # keys'/values' input [B, K, D]; None for self-attention
        key_mask: Optional[torch.Tensor] = None,  # [B, K] bool, True for keys that may be attended
    ) -> torch.Tensor:
        ctx = x if context is None else context
        if key_mask is not None and not self.training and bool(key_mask.all()):
            key_mask = None  # nothing masked (a single probe): skip the masking work
        q, k, v = self._split(self.q(x)), self._split(self.k(ctx)), self._split(self.v(ctx))
        mask = None if key_mask is None else key_mask[:, None, None, :]  # [B, 1, 1, K]
        p = self.dropout if self.training else 0.0
        ablated = self.head_gate is not None or self.blocked is not None
        if self.fused and self.sink is None and not ablated:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        else:
            scores = (q * (1.0 / math.sqrt(self.head_dim))) @ k.transpose(-2, -1)  # [B, H, Q, K]
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            if self.blocked is not None:
                blocked = self.blocked if self.blocked.dim() == 2 else self.blocked[:, None]  # [Q, K] or [B, 1, Q, K]
                scores = scores.masked_fill(blocked, float("-inf"))
            weights = scores.softmax(dim=-1)
            if self.blocked is not None:  # a query whose every key is blocked reads nothing (0, not NaN)
                weights = torch.nan_to_num(weights, nan=0.0)
            if self.sink is not None:
                self.sink(self, weights)
            if p:
                weights = F.dropout(weights, p)
            out = weights @ v  # [B, H, Q, dh]
            if self.head_gate is not None:
                gate = self.head_gate.to(out.dtype)
                out = out * (gate[None, :, None, None] if gate.dim() == 1 else gate[:, :, None, None])
        b, _, n, _ = out.shape
        return self.proj(out.transpose(1, 2).reshape(b, n, self.heads * self.head_dim))
