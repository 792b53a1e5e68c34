"""Q, K and V of one FLAVA attention layer (image, text or multimodal encoder; BERT-style query/key/value),
from the same forward pass as HFFlava.capture (its multimodal encoder asked for weights the same way)."""

from __future__ import annotations

import torch

from mmexplorer.attention.qkv import HeadTensors
from mmexplorer.engine.external import hf_qkv
from mmexplorer.engine.external.hf_flava import joint_layout
from mmexplorer.engine.external.record_parts import grid_of, image_layout, text_layout

KINDS = "image, text, joint"


def head_tensors(model, sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    flava = model.flava
    encoders = {"image": flava.image_model, "text": flava.text_model, "joint": flava.multimodal_model}
    if kind not in encoders:
        raise hf_qkv.no_such_kind(kind, KINDS)
    module = hf_qkv.pick_layer(encoders[kind].encoder.layer, kind, layer).attention.attention
    pixels = model.preprocess(sample.image).pixels.to(model.device)  # [1, 3, S, S]
    text_ids = model.tokenizer.text_ids(sample.text)
    encoding = text_ids.encoding
    input_ids = torch.tensor([text_ids.ids], device=model.device)  # [1, L]: [CLS], tokens, [SEP]
    got = hf_qkv.capture(hf_qkv.bert_parts(module), lambda: model.forward(pixels, input_ids))
    grid = grid_of(pixels, model.patch_size)
    n_tokens, n_patches = len(encoding.tokens), grid[0] * grid[1]
    axis = {"image": image_layout(n_patches), "text": text_layout(n_tokens),
            "joint": joint_layout(n_patches, n_tokens)}[kind]
    return hf_qkv.assemble(got, (axis, axis), (t.surface for t in encoding.tokens), (t.is_unk for t in encoding.tokens),
                           grid)
