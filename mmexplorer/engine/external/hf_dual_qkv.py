"""Q, K and V of a dual encoder's self-attention (SigLIP, SigLIP 2, Chinese-CLIP), from the same forward as its capture.

The family's own forward_pair runs the pair exactly as DualEncoder.capture
does; its DualRow gives the grid and the two towers' layouts, which are
the record's. The family module only says which attention module `kind` and
`layer` name and how to leave the position embeddings out.
"""

from __future__ import annotations

from typing import Callable, ContextManager, Optional

from mmexplorer.attention.qkv import HeadTensors
from mmexplorer.engine.external import hf_qkv

KINDS = "image, text"
WHY = "a dual encoder: the towers never attend to each other"

POSITION_NOTE = ("the same forward pass with the towers' learned position tables giving zeros; at layer 0 this is "
                 "exactly their part in the score, deeper it also carries what positions changed before")


def tower_layers(tower):
    """A tower's transformer layers: encoder.layers (CLIP-style) or encoder.layer (BERT-style)."""
    encoder = tower.encoder
    return encoder.layers if hasattr(encoder, "layers") else encoder.layer


def tower_for(net, kind: str):
    towers = {"image": net.vision_model, "text": net.text_model}
    if kind not in towers:
        raise hf_qkv.no_such_kind(kind, KINDS, WHY)
    return towers[kind]


def head_tensors(model, sample, kind: str, parts: hf_qkv.Parts,
                 no_positions: Optional[Callable[[], ContextManager]] = None) -> HeadTensors:
    """HeadTensors of `parts` (the module of `kind`) for `sample`."""
    pre = model.preprocess(sample.image)
    text = model.tokenizer.text_ids(sample.text)
    encoding = text.encoding
    seen: dict = {}

    def forward():
        seen["pair"] = model.forward_pair(pre, text, len(encoding.tokens))

    got = hf_qkv.capture(parts, forward, no_positions)
    pair = seen["pair"]
    axis = pair.image_layout if kind == "image" else pair.text_layout
    return hf_qkv.assemble(got, (axis, axis), (t.surface for t in encoding.tokens), (t.is_unk for t in encoding.tokens),
                           pair.grid, POSITION_NOTE)
