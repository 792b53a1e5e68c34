"""Q, K and V of one ViLT joint attention layer (BERT-style query/key/value), in the record's raster order.

The pass is HFVilt.forward itself: the same seeded patch draw, so the same
drawn order as the probe's. The module sees the patches in that drawn order;
its q, k, v, per-head output, weights and mask are put back in raster order
with the patch index of this very pass, so a cell's query and key are
positions in the probe's `attn/joint/<layer>` arrays.
"""

from __future__ import annotations

import numpy as np
import torch

from mmexplorer.attention.qkv import HeadTensors
from mmexplorer.engine.external import hf_qkv
from mmexplorer.engine.external.hf_vilt import joint_layout, raster_permutation

WHY = "early fusion: one transformer over words and patches"


def in_raster_order(got: dict, perm: np.ndarray) -> dict:
    """capture()'s pieces with sequence positions reordered: new position i is drawn position perm[i]."""
    out = dict(got)
    for name in ("q", "k", "v", "out"):  # [H, S, d_k]
        out[name] = got[name][:, perm]
    out["weights"] = got["weights"][:, perm][:, :, perm]  # [H, S, S]
    for name in ("allowed", "bias"):  # [S, S]
        out[name] = got[name][perm][:, perm]
    return out


def head_tensors(model, sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    if kind != "joint":
        raise hf_qkv.no_such_kind(kind, "joint", WHY)
    module = hf_qkv.pick_layer(model.net.vilt.encoder.layer, kind, layer).attention.attention
    pre = model.preprocess(sample.image)
    text_ids = model.tokenizer.text_ids(sample.text)
    encoding = text_ids.encoding
    input_ids = torch.tensor([text_ids.ids], device=model.device)  # [1, L]: [CLS], tokens, [SEP]
    seen: dict = {}

    def forward():
        seen["patch_index"] = model.forward(pre, input_ids)[1]  # [N, 2] (row, col) of each drawn patch

    got = hf_qkv.capture(hf_qkv.bert_parts(module), forward)
    grid = (int(pre.pixels.shape[-2]) // model.patch_size, int(pre.pixels.shape[-1]) // model.patch_size)
    perm = raster_permutation(seen["patch_index"], input_ids.shape[1], grid).numpy()
    layout = joint_layout(len(encoding.tokens), grid[0] * grid[1])
    return hf_qkv.assemble(in_raster_order(got, perm), (layout, layout), (t.surface for t in encoding.tokens),
                           (t.is_unk for t in encoding.tokens), grid)
