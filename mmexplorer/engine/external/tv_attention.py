"""Capturing torchvision ViT attention: its EncoderBlock asks nn.MultiheadAttention for no weights.

WeightsCapturingAttention takes the block's self_attention slot and calls the
same nn.MultiheadAttention with need_weights=True, average_attn_weights=False,
handing the per-head weights [B, H, S, S] to a sink.
"""

from __future__ import annotations

from typing import Callable, Optional

import torch
from torch import nn


class WeightsCapturingAttention(nn.Module):
    def __init__(self, mha: nn.MultiheadAttention) -> None:
        super().__init__()
        if not (mha.batch_first and mha._qkv_same_embed_dim):
            raise ValueError("expected torchvision's batch-first self-attention")
        self.mha = mha
        self.sink: Optional[Callable[[torch.Tensor], None]] = None
        self.keep_graph = False  # True when gradients of the weights are wanted (relevancy)

    def forward(self, query, key, value, need_weights: bool = False, **kwargs):
        out, weights = self.mha(query, key, value, need_weights=True, average_attn_weights=False, **kwargs)
        if self.keep_graph:
            out = _through_weights(self.mha, value, weights, out)
        if self.sink is not None:
            self.sink(weights)
        return out, (weights if need_weights else None)


def _through_weights(mha: nn.MultiheadAttention, value: torch.Tensor, weights: torch.Tensor, out: torch.Tensor):
    """The library's output, with gradients routed through the returned weights.

    PyTorch returns the weights as a view taken after they were used, so the
    output does not depend on that tensor. Recomputing out = W_o (weights @ V) + b
    puts it on the graph; adding (out - recomputed).detach() keeps the forward
    value exactly the library's.
    """
    b, s, d = value.shape  # [B, S, D]
    h = mha.num_heads
    w_v, b_v = mha.in_proj_weight[2 * d:], (None if mha.in_proj_bias is None else mha.in_proj_bias[2 * d:])
    v = nn.functional.linear(value, w_v, b_v).view(b, s, h, d // h).transpose(1, 2)  # [B, H, S, d/H]
    mixed = (weights @ v).transpose(1, 2).reshape(b, s, d)  # [B, S, D]
    recomputed = mha.out_proj(mixed)
    return recomputed + (out - recomputed).detach()


def wrap_attention(encoder_layers) -> list[WeightsCapturingAttention]:
    """Swap every EncoderBlock's self_attention for the capturing wrapper (after the weights are loaded)."""
    wrappers = []
    for block in encoder_layers:
        wrapper = WeightsCapturingAttention(block.self_attention)
        block.self_attention = wrapper
        wrappers.append(wrapper)
    return wrappers
