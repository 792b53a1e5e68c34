"""Q, K and V of one Hugging Face eager attention module, from an ordinary forward pass of its network.

Every family's module computes softmax(q·kᵀ·scale + mask)·v from three
linear projections; they differ only in where the pieces sit, described by
`Parts`:
- q_proj, k_proj, v_proj and an output projection (CLIP, ViT, SigLIP,
  Chinese-CLIP's vision tower): `projection_parts`;
- BERT's query, key, value, the module returning (per-head output, weights)
  (ViLT, FLAVA, BLIP's text encoder, Chinese-CLIP's text tower; a cross-
  attention module reads its keys and values from encoder_hidden_states):
  `bert_parts`;
- one fused qkv linear and an output projection (BLIP's vision tower):
  `fused_parts`.
Forward hooks on the projections give them before any scaling, the per-head
output comes from the module's own call, and the mask is the one the module
was called with (additive: 0 where a key may be seen, the dtype's lowest
number where not; None when the library skips an all-ones mask).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, ContextManager, Optional

import numpy as np
import torch

from mmexplorer.attention.qkv import CellError, HeadTensors, heads_of, hooked


def _call_mask(args: tuple, kwargs: dict):
    """The mask a module was called with: attention_mask, or encoder_attention_mask when it cross-attends."""
    if kwargs.get("encoder_hidden_states") is not None:  # BERT-style cross-attention: that one mask applies
        return kwargs.get("encoder_attention_mask")
    return kwargs.get("attention_mask", args[1] if len(args) > 1 else None)


@dataclass(frozen=True)
class Parts:
    """Where one attention module's pieces are."""

    module: torch.nn.Module  # called with the mask; returns (output, weights)
    projections: tuple  # (q, k, v) linears, or (qkv,) for one fused linear whose output is [q | k | v]
    heads: int
    scale: float  # what the module multiplies q·k by
    output: Optional[torch.nn.Module] = None  # its input is the per-head output; None: the module's first output


def output_projection(module) -> torch.nn.Module:
    return module.out_proj if hasattr(module, "out_proj") else module.o_proj


def projection_parts(module) -> Parts:
    """q_proj, k_proj, v_proj and out_proj (or o_proj), eager_attention_forward with `scale`/`scaling`."""
    heads = int(getattr(module, "num_heads", 0) or module.config.num_attention_heads)
    scale = getattr(module, "scale", None) or module.scaling
    return Parts(module, (module.q_proj, module.k_proj, module.v_proj), heads, float(scale), output_projection(module))


def bert_parts(module) -> Parts:
    """BERT's self-attention: query, key, value; returns (per-head output [1, Q, H * d_k], weights)."""
    heads = int(module.num_attention_heads)
    return Parts(module, (module.query, module.key, module.value), heads, float(module.attention_head_size) ** -0.5)


def fused_parts(module, qkv: torch.nn.Module, projection: torch.nn.Module) -> Parts:
    """One qkv linear ([1, N, 3 * H * d_k], laid out q, k, v) and an output projection."""
    return Parts(module, (qkv,), int(module.num_heads), float(module.scale), projection)


def run_module(parts: Parts, forward: Callable[[], object]) -> dict:
    """Run `forward()` (the whole network on one input) and keep what the module saw and made."""
    module = parts.module
    with torch.inference_mode(), contextlib.ExitStack() as stack:
        calls = stack.enter_context(hooked(module, pre=True, with_kwargs=True))
        results = stack.enter_context(hooked(module))
        made = [stack.enter_context(hooked(p)) for p in parts.projections]
        outs = stack.enter_context(hooked(parts.output, pre=True)) if parts.output is not None else None
        forward()
    if not calls:
        raise CellError("the model did not run this attention module for this input")
    q, k, v = (seen[0] for seen in made) if len(made) == 3 else made[0][0].chunk(3, dim=-1)  # each [1, N, H * d_k]
    out = outs[0][0][0] if outs is not None else results[0][0]  # [1, Q, H * d_k]
    return {"q": q, "k": k, "v": v, "out": out, "weights": results[0][1], "mask": _call_mask(*calls[0])}


def mask_of(mask, n_q: int, n_k: int) -> tuple[np.ndarray, np.ndarray]:
    """The module's attention_mask -> (allowed bool [Q, K], additive bias float32 [Q, K] on allowed keys)."""
    if mask is None:
        return np.ones((n_q, n_k), bool), np.zeros((n_q, n_k), np.float32)
    m = torch.broadcast_to(mask[0, 0].detach().cpu(), (n_q, n_k))  # [Q, K] (a key-only mask is [1, K])
    if m.dtype == torch.bool:
        return m.numpy().copy(), np.zeros((n_q, n_k), np.float32)
    m = m.float()
    # Masked entries hold the dtype's most negative number (or -inf): effectively -inf after the softmax.
    allowed = (m > torch.finfo(torch.float32).min / 2).numpy().copy()
    return allowed, np.where(allowed, m.numpy(), 0.0).astype(np.float32)


def capture(parts: Parts, forward: Callable[[], object],
            no_positions: Optional[Callable[[], ContextManager]] = None) -> dict:
    """numpy pieces of `parts` for the input `forward` runs: q, k, v, out [H, N, d_k], weights [H, Q, K],
    allowed and bias [Q, K]; with `no_positions`, also q and k of a second pass without positions (else None)."""
    got = run_module(parts, forward)
    h = parts.heads
    q, k = heads_of(got["q"], h), heads_of(got["k"], h)
    allowed, bias = mask_of(got["mask"], q.shape[1], k.shape[1])
    q_no_pos = k_no_pos = None
    if no_positions is not None:
        with no_positions():
            plain = run_module(parts, forward)
        q_no_pos, k_no_pos = heads_of(plain["q"], h), heads_of(plain["k"], h)
    return {"q": q, "k": k, "v": heads_of(got["v"], h), "out": heads_of(got["out"], h), "scale": parts.scale,
            "weights": got["weights"][0].detach().float().cpu().numpy(), "allowed": allowed, "bias": bias,
            "q_no_pos": q_no_pos, "k_no_pos": k_no_pos}


def assemble(got: dict, layouts, tokens, token_unk, grid, position_note: str = "") -> HeadTensors:
    """HeadTensors from capture()'s pieces and the record's axes for this kind."""
    note = position_note if got["q_no_pos"] is not None else ""
    return HeadTensors(
        q=got["q"], k=got["k"], v=got["v"], scale=float(got["scale"]), allowed=got["allowed"], bias=got["bias"],
        weights=got["weights"], out=got["out"], layouts=layouts, tokens=tuple(tokens), token_unk=tuple(token_unk),
        grid=tuple(grid), q_no_pos=got["q_no_pos"], k_no_pos=got["k_no_pos"], position_note=note,
    )


def head_tensors(module, forward: Callable[[], object], layouts, tokens, token_unk, grid,
                 no_positions: Optional[Callable[[], ContextManager]] = None, position_note: str = "") -> HeadTensors:
    """HeadTensors of `module` (a q_proj-style module, or its Parts) for the input `forward` runs."""
    parts = module if isinstance(module, Parts) else projection_parts(module)
    return assemble(capture(parts, forward, no_positions), layouts, tokens, token_unk, grid, position_note)


def pick_layer(layers, kind: str, layer: int):
    """layers[layer] of `kind`, or a CellError naming the range."""
    if not 0 <= layer < len(layers):
        raise CellError(f"layer {layer} out of range: {kind!r} has layers 0..{len(layers) - 1}")
    return layers[layer]


def no_such_kind(kind: str, kinds: str, why: str = "") -> CellError:
    return CellError(f"this model has no {kind!r} attention; it has {kinds}" + (f" ({why})" if why else ""))


@contextlib.contextmanager
def zero_outputs(*modules: torch.nn.Module):
    """Within the block each module (a position-embedding table called as a module) gives zeros."""
    handles = [m.register_forward_hook(lambda _m, _a, out: torch.zeros_like(out)) for m in modules]
    try:
        yield
    finally:
        for h in handles:
            h.remove()
