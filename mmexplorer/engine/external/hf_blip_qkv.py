"""Q, K and V of one BLIP ITM attention module, from the same forward pass as HFBlipITM.capture.

The vision tower's attention packs q, k and v into one qkv linear (split in
three, see hf_qkv.fused_parts); the text encoder's self-attention and its
cross-attention are BERT-style. In the cross-attention the queries are the
text's ([CLS] + words) and the keys and values the image's ([CLS] + patches),
as the record's text_to_image layout says.
"""

from __future__ import annotations

import torch

from mmexplorer.attention.qkv import HeadTensors
from mmexplorer.engine.external import hf_qkv
from mmexplorer.engine.external.record_parts import grid_of, image_layout, text_layout

KINDS = "image, text, text_to_image"


def _parts(net, kind: str, layer: int) -> hf_qkv.Parts:
    if kind == "image":
        attention = hf_qkv.pick_layer(net.vision_model.encoder.layers, kind, layer).self_attn
        return hf_qkv.fused_parts(attention, attention.qkv, attention.projection)
    if kind in ("text", "text_to_image"):
        block = hf_qkv.pick_layer(net.text_encoder.encoder.layer, kind, layer)
        return hf_qkv.bert_parts((block.attention if kind == "text" else block.crossattention).self)
    raise hf_qkv.no_such_kind(kind, KINDS)


def head_tensors(model, sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    parts = _parts(model.net, kind, layer)
    pixels = model.preprocess(sample.image).pixels.to(model.device)  # [1, 3, S, S]
    text_ids = model.tokenizer.text_ids(sample.text)
    encoding = text_ids.encoding
    input_ids = torch.tensor([text_ids.ids], device=model.device)  # [1, L]: [CLS], tokens, [SEP]
    got = hf_qkv.capture(parts, lambda: model.forward(pixels, input_ids))
    grid = grid_of(pixels, model.patch_size)
    words, patches = text_layout(len(encoding.tokens)), image_layout(grid[0] * grid[1])
    layouts = {"image": (patches, patches), "text": (words, words), "text_to_image": (words, patches)}[kind]
    return hf_qkv.assemble(got, layouts, (t.surface for t in encoding.tokens), (t.is_unk for t in encoding.tokens),
                           grid)
