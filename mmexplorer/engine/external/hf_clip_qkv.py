"""Q, K and V of one Hugging Face CLIP attention module (eager), from the same forward pass as HFClip.capture.

CLIP's eager attention multiplies q·k by head_dim**-0.5 after the projections;
the text tower's mask is causal, the vision tower has none (see hf_qkv).
"""

from __future__ import annotations

import torch

from mmexplorer.attention.qkv import CellError, HeadTensors
from mmexplorer.engine.external import hf_qkv
from mmexplorer.engine.external.record_parts import grid_of, image_layout, text_layout

POSITION_NOTE = ("the same forward pass with CLIP's learned position embeddings set to zero in both towers; at layer 0 "
                 "this is exactly their part in the score, deeper it also carries what positions changed before")


def _module(net, kind: str, layer: int):
    towers = {"image": net.vision_model, "text": net.text_model}
    if kind not in towers:
        raise CellError(f"this model has no {kind!r} attention; it has image, text (CLIP is a dual encoder)")
    layers = towers[kind].encoder.layers
    if not 0 <= layer < len(layers):
        raise CellError(f"layer {layer} out of range: {kind!r} has layers 0..{len(layers) - 1}")
    return layers[layer].self_attn


def _no_positions(net):
    """Both towers' position-embedding tables give zeros within the block (the embeddings are token/patch only)."""
    tables = (net.vision_model.embeddings.position_embedding, net.text_model.embeddings.position_embedding)
    return hf_qkv.zero_outputs(*tables)


def head_tensors(model, sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    """HeadTensors of CLIP's `kind` ("image" or "text") layer `layer` for `sample`."""
    net = model.net
    module = _module(net, kind, layer)
    pixels = model.preprocess(sample.image).pixels.to(model.device)  # [1, 3, S, S], as capture() preprocesses
    ids, encoding = model.tokenizer.ids_and_encoding(sample.text)
    input_ids = torch.tensor([ids], device=model.device)  # [1, L]
    grid = grid_of(pixels, model.patch_size)
    axis = image_layout(grid[0] * grid[1]) if kind == "image" else text_layout(len(encoding.tokens))
    return hf_qkv.head_tensors(
        module, lambda: net(input_ids=input_ids, pixel_values=pixels, output_attentions=True, return_dict=True),
        (axis, axis), tuple(t.surface for t in encoding.tokens), tuple(t.is_unk for t in encoding.tokens), grid,
        no_positions=(lambda: _no_positions(net)) if positions else None, position_note=POSITION_NOTE,
    )
