"""Q, K and V of one Chinese-CLIP attention module: CLIP's vision attention (q_proj...) or BERT's text
self-attention (query, key, value), from the same forward pass as its capture."""

from __future__ import annotations

from mmexplorer.attention.qkv import HeadTensors
from mmexplorer.engine.external import hf_dual_qkv, hf_qkv


def head_tensors(model, sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    net = model.net
    tower = hf_dual_qkv.tower_for(net, kind)
    block = hf_qkv.pick_layer(hf_dual_qkv.tower_layers(tower), kind, layer)
    parts = hf_qkv.projection_parts(block.self_attn) if kind == "image" else hf_qkv.bert_parts(block.attention.self)
    tables = (net.vision_model.embeddings.position_embedding, net.text_model.embeddings.position_embeddings)
    no_positions = (lambda: hf_qkv.zero_outputs(*tables)) if positions else None
    return hf_dual_qkv.head_tensors(model, sample, kind, parts, no_positions)
