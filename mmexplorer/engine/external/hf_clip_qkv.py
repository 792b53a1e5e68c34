"""Q, K and V of one Hugging Face CLIP attention module (eager), from the same forward pass as HFClip.capture.

Forward hooks on the module's q_proj / k_proj / v_proj give the projections
before any scaling (CLIP's eager attention multiplies q·k by head_dim**-0.5
afterwards); a pre-hook on out_proj gives the per-head output; the mask is
the additive `attention_mask` the module itself receives (causal for the text
tower, none for the vision tower).
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import numpy as np
import torch

from mmexplorer.attention.qkv import CellError, HeadTensors, heads_of, hooked
from mmexplorer.engine.external.hf_common import pixel_values
from mmexplorer.engine.external.record_parts import grid_of, image_layout, text_layout, to_pil


def _module(net, kind: str, layer: int):
    towers = {"image": net.vision_model, "text": net.text_model}
    if kind not in towers:
        raise CellError(f"this model has no {kind!r} attention; it has image, text (CLIP is a dual encoder)")
    layers = towers[kind].encoder.layers
    if not 0 <= layer < len(layers):
        raise CellError(f"layer {layer} out of range: {kind!r} has layers 0..{len(layers) - 1}")
    return layers[layer].self_attn


@contextlib.contextmanager
def _no_positions(net) -> Iterator[None]:
    """Both towers' position embeddings give zeros within the block (the embeddings are token/patch only)."""
    tables = (net.vision_model.embeddings.position_embedding, net.text_model.embeddings.position_embedding)
    handles = [t.register_forward_hook(lambda _m, _a, out: torch.zeros_like(out)) for t in tables]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _run(net, module, input_ids, pixels) -> dict:
    with torch.inference_mode(), hooked(module, pre=True, with_kwargs=True) as calls, hooked(module) as results, \
            hooked(module.q_proj) as qs, hooked(module.k_proj) as ks, hooked(module.v_proj) as vs, \
            hooked(module.out_proj, pre=True) as outs:
        net(input_ids=input_ids, pixel_values=pixels, output_attentions=True, return_dict=True)
    args, kwargs = calls[0]
    mask = kwargs.get("attention_mask", args[1] if len(args) > 1 else None)
    return {"q": qs[0], "k": ks[0], "v": vs[0], "out": outs[0][0][0], "weights": results[0][1], "mask": mask}


def _mask(mask, n_q: int, n_k: int) -> tuple[np.ndarray, np.ndarray]:
    """The module's attention_mask -> (allowed bool [Q, K], additive bias float32 [Q, K] on allowed keys)."""
    if mask is None:
        return np.ones((n_q, n_k), bool), np.zeros((n_q, n_k), np.float32)
    m = mask[0, 0].detach().cpu()  # [Q, K]
    if m.dtype == torch.bool:
        return m.numpy().copy(), np.zeros((n_q, n_k), np.float32)
    m = m.float()
    # Masked entries hold the dtype's most negative number (or -inf): effectively -inf after the softmax.
    allowed = (m > torch.finfo(torch.float32).min / 2).numpy()
    return allowed, np.where(allowed, m.numpy(), 0.0).astype(np.float32)


def head_tensors(model, sample, kind: str, layer: int, positions: bool = True) -> HeadTensors:
    """HeadTensors of CLIP's `kind` ("image" or "text") layer `layer` for `sample`."""
    net = model.net
    module = _module(net, kind, layer)
    device = model.device
    pixels = pixel_values(model.image_processor, to_pil(sample.image)).to(device)  # [1, 3, S, S], as capture()
    ids, encoding = model.tokenizer.ids_and_encoding(sample.text)
    input_ids = torch.tensor([ids], device=device)  # [1, L]
    got = _run(net, module, input_ids, pixels)
    h = module.num_heads
    q, k = heads_of(got["q"], h), heads_of(got["k"], h)
    allowed, bias = _mask(got["mask"], q.shape[1], k.shape[1])
    q_no_pos = k_no_pos = None
    note = ""
    if positions:
        with _no_positions(net):
            plain = _run(net, module, input_ids, pixels)
        q_no_pos, k_no_pos = heads_of(plain["q"], h), heads_of(plain["k"], h)
        note = ("the same forward pass with CLIP's learned position embeddings set to zero in both towers; at layer 0 "
                "this is exactly their part in the score, deeper it also carries what positions changed before")
    grid = grid_of(pixels, model.patch_size)
    n_tokens = len(encoding.tokens)
    axis = image_layout(grid[0] * grid[1]) if kind == "image" else text_layout(n_tokens)
    return HeadTensors(
        q=q, k=k, v=heads_of(got["v"], h), scale=float(module.scale), allowed=allowed, bias=bias,
        weights=got["weights"][0].detach().float().cpu().numpy(), out=heads_of(got["out"], h),
        layouts=(axis, axis), tokens=tuple(t.surface for t in encoding.tokens),
        token_unk=tuple(t.is_unk for t in encoding.tokens), grid=grid,
        q_no_pos=q_no_pos, k_no_pos=k_no_pos, position_note=note,
    )
