"""Q, K and V of one torchvision ViT attention layer, from the same forward pass as TorchvisionViT.capture.

torchvision's nn.MultiheadAttention packs the three projections into one
in_proj and calls no submodule for them, so they cannot be hooked: q, k and v
are that in_proj applied to the very input the layer received (a pre-hook on
the capturing wrapper), split in three. The per-head output is the module's
own weights times those values (its out_proj is not called as a module either).
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from mmexplorer.attention.qkv import CellError, HeadTensors, heads_of, hooked
from mmexplorer.engine.external.record_parts import image_layout

POSITION_NOTE = ("the same forward pass with the encoder's learned position embeddings taken back out of its input; "
                 "at layer 0 this is exactly their part in the score, deeper it also carries what positions changed before")


def _wrapper(model, kind: str, layer: int):
    if kind != "image":
        raise CellError(f"this model has no {kind!r} attention; it has image (an image-only classifier)")
    if not 0 <= layer < len(model.wrappers):
        raise CellError(f"layer {layer} out of range: 'image' has layers 0..{len(model.wrappers) - 1}")
    return model.wrappers[layer]


@contextlib.contextmanager
def _no_positions(net) -> Iterator[None]:
    """The encoder adds pos_embedding, then applies dropout: within the block the dropout's input has it subtracted."""
    encoder = net.encoder
    handle = encoder.dropout.register_forward_pre_hook(lambda _m, args: (args[0] - encoder.pos_embedding,))
    try:
        yield
    finally:
        handle.remove()


def _run(model, wrapper, pixels) -> dict:
    mha = wrapper.mha
    with torch.inference_mode(), hooked(wrapper, pre=True, with_kwargs=True) as calls, model._recording(False) as events:
        model.net(pixels)
        x = calls[0][0][0]  # [1, S, D]: the layer's query = key = value input
        q, k, v = F.linear(x, mha.in_proj_weight, mha.in_proj_bias).chunk(3, dim=-1)  # each [1, S, D]
    return {"q": q, "k": k, "v": v, "weights": events[model.wrappers.index(wrapper)]}


def head_tensors(model, sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    wrapper = _wrapper(model, kind, layer)
    pixels = model.preprocess(sample.image).pixels.to(model.device)  # [1, 3, S, S], as capture() preprocesses
    got = _run(model, wrapper, pixels)
    h = wrapper.mha.num_heads
    q, k, v = (heads_of(got[n], h) for n in ("q", "k", "v"))
    weights = got["weights"][0].detach().float().cpu().numpy()  # [H, S, S]
    q_no_pos = k_no_pos = None
    if positions:
        with _no_positions(model.net):
            plain = _run(model, wrapper, pixels)
        q_no_pos, k_no_pos = heads_of(plain["q"], h), heads_of(plain["k"], h)
    side = model.arch.image_size // model.arch.patch_size
    axis = image_layout(side * side)
    n = q.shape[1]
    return HeadTensors(
        q=q, k=k, v=v, scale=float(q.shape[-1]) ** -0.5, allowed=np.ones((n, n), bool), bias=np.zeros((n, n), np.float32),
        weights=weights, out=(weights @ v).astype(np.float32),  # [H, S, d_k]
        layouts=(axis, axis), tokens=(), token_unk=(), grid=(side, side),
        q_no_pos=q_no_pos, k_no_pos=k_no_pos, position_note=POSITION_NOTE if positions else "",
    )
