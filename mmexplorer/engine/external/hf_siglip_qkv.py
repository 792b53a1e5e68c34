"""Q, K and V of one SigLIP or SigLIP 2 attention module (q_proj/k_proj/v_proj, eager), as their capture runs it.

SigLIP 2's NaFlex padding patches and its padded text are masked out by the
module's own attention_mask (see hf_qkv); SigLIP's text padding is attended,
as trained. SigLIP 2 resizes its vision position table by hand (it is never
called as a module), so its image cells come without the position share.
"""

from __future__ import annotations

from mmexplorer.attention.qkv import HeadTensors
from mmexplorer.engine.external import hf_dual_qkv, hf_qkv


def _tables(net, kind: str) -> tuple:
    """The position tables that feed `kind` as called modules (none for SigLIP 2's resized vision table)."""
    vision = net.vision_model.embeddings
    if kind == "image" and hasattr(vision, "resize_positional_embeddings"):
        return ()
    return (vision.position_embedding, net.text_model.embeddings.position_embedding)


def head_tensors(model, sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    net = model.net
    tower = hf_dual_qkv.tower_for(net, kind)
    module = hf_qkv.pick_layer(hf_dual_qkv.tower_layers(tower), kind, layer).self_attn
    tables = _tables(net, kind)
    no_positions = (lambda: hf_qkv.zero_outputs(*tables)) if positions and tables else None
    return hf_dual_qkv.head_tensors(model, sample, kind, hf_qkv.projection_parts(module), no_positions)
