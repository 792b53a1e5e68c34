"""Q, K and V of one Hugging Face eager attention module, from an ordinary forward pass of its network.

The families built on transformers' current attention layout (q_proj, k_proj,
v_proj and an output projection, eager_attention_forward with
`scaling`) share this: forward hooks on the three projections give them
before any scaling, a pre-hook on the output projection gives the per-head
output, and the module's own `attention_mask` argument gives the mask
(additive: 0 where a key may be seen, the dtype's lowest number where not).
"""

from __future__ import annotations

from typing import Callable, ContextManager, Optional

import numpy as np
import torch

from mmexplorer.attention.qkv import HeadTensors, heads_of, hooked


def output_projection(module) -> torch.nn.Module:
    return module.out_proj if hasattr(module, "out_proj") else module.o_proj


def run_module(module, forward: Callable[[], object]) -> dict:
    """Run `forward()` (the whole network on one input) and keep what `module` saw and made."""
    with torch.inference_mode(), hooked(module, pre=True, with_kwargs=True) as calls, hooked(module) as results, \
            hooked(module.q_proj) as qs, hooked(module.k_proj) as ks, hooked(module.v_proj) as vs, \
            hooked(output_projection(module), pre=True) as outs:
        forward()
    args, kwargs = calls[0]
    mask = kwargs.get("attention_mask", args[1] if len(args) > 1 else None)
    return {"q": qs[0], "k": ks[0], "v": vs[0], "out": outs[0][0][0], "weights": results[0][1], "mask": mask}


def mask_of(mask, n_q: int, n_k: int) -> tuple[np.ndarray, np.ndarray]:
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


def head_tensors(module, forward: Callable[[], object], layouts, tokens, token_unk, grid,
                 no_positions: Optional[Callable[[], ContextManager]] = None, position_note: str = "") -> HeadTensors:
    """HeadTensors of `module` for the input `forward` runs; with `no_positions`, also q and k without positions."""
    got = run_module(module, forward)
    h = int(getattr(module, "num_heads", 0) or module.config.num_attention_heads)
    q, k = heads_of(got["q"], h), heads_of(got["k"], h)
    allowed, bias = mask_of(got["mask"], q.shape[1], k.shape[1])
    q_no_pos = k_no_pos = None
    if no_positions is not None:
        with no_positions():
            plain = run_module(module, forward)
        q_no_pos, k_no_pos = heads_of(plain["q"], h), heads_of(plain["k"], h)
    scale = getattr(module, "scale", None) or module.scaling
    return HeadTensors(
        q=q, k=k, v=heads_of(got["v"], h), scale=float(scale), allowed=allowed, bias=bias,
        weights=got["weights"][0].detach().float().cpu().numpy(), out=heads_of(got["out"], h),
        layouts=layouts, tokens=tokens, token_unk=token_unk, grid=grid,
        q_no_pos=q_no_pos, k_no_pos=k_no_pos, position_note=position_note if no_positions is not None else "",
    )
