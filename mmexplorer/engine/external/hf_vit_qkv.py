"""Q, K and V of one Hugging Face ViT attention module (eager), from the same forward pass as HFViT.capture."""

from __future__ import annotations

import contextlib
from typing import Iterator

from mmexplorer.attention.qkv import CellError, HeadTensors
from mmexplorer.engine.external import hf_qkv
from mmexplorer.engine.external.record_parts import grid_of, image_layout

POSITION_NOTE = ("the same forward pass with ViT's learned position embeddings taken back out of the embeddings' "
                 "output; at layer 0 this is exactly their part in the score, deeper it also carries what positions "
                 "changed before")


def _module(net, kind: str, layer: int):
    if kind != "image":
        raise CellError(f"this model has no {kind!r} attention; it has image (an image-only classifier)")
    vit = net.vit
    layers = vit.layers if hasattr(vit, "layers") else vit.encoder.layer  # transformers 5 / 4
    if not 0 <= layer < len(layers):
        raise CellError(f"layer {layer} out of range: 'image' has layers 0..{len(layers) - 1}")
    module = layers[layer].attention
    if not hasattr(module, "q_proj"):
        raise CellError("this transformers version lays ViT attention out differently; cells need transformers >= 5")
    return module


@contextlib.contextmanager
def _no_positions(net) -> Iterator[None]:
    """ViTEmbeddings adds its position table to [CLS] + patches; within the block its output has it subtracted."""
    embeddings = net.vit.embeddings
    handle = embeddings.register_forward_hook(lambda m, _a, out: out - m.position_embeddings)
    try:
        yield
    finally:
        handle.remove()


def head_tensors(model, sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    net = model.net
    module = _module(net, kind, layer)
    pixels = model.preprocess(sample.image).pixels.to(model.device)  # [1, 3, S, S], as capture() preprocesses
    grid = grid_of(pixels, model.patch_size)
    axis = image_layout(grid[0] * grid[1])
    return hf_qkv.head_tensors(
        module, lambda: net(pixel_values=pixels, output_attentions=True, return_dict=True),
        (axis, axis), (), (), grid,
        no_positions=(lambda: _no_positions(net)) if positions else None, position_note=POSITION_NOTE,
    )
