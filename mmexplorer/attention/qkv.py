"""Q, K and V of one attention module, captured on request from the same forward pass as a probe.

The probe path never pays for this: forward hooks are attached for the
duration of one call only, on the q/k/v projections of the one module asked
for. `HeadTensors` is what every family's capture function returns (bundled
models here, pretrained families under engine/external); the arithmetic that
turns it into an explanation lives in engine/cell.py and knows no family.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np
import torch

from mmexplorer.attention.capture import recording
from mmexplorer.attention.record import Segments, _frozen
from mmexplorer.data.sample import Sample
from mmexplorer.models.preprocess import image_tensor, text_tensor


class CellError(ValueError):
    """A kind, layer, head, query or key the model does not have (the user's input, not a fault)."""


@dataclass(frozen=True)
class HeadTensors:
    """One attention module's numbers for one input, all heads; CPU numpy, read-only."""

    q: np.ndarray  # float32 [H, Q, d_k]: the query projection split into heads, before any scaling
    k: np.ndarray  # float32 [H, K, d_k]
    v: np.ndarray  # float32 [H, K, d_k]
    scale: float  # what q·k is multiplied by (1/sqrt(d_k) in every family so far)
    allowed: np.ndarray  # bool [Q, K]: False where the mask keeps a key from a query (padding, causal)
    bias: np.ndarray  # float32 [Q, K]: anything the module adds to allowed scores before the softmax (0 here)
    weights: np.ndarray  # float32 [H, Q, K]: the module's own softmax weights in this pass
    out: np.ndarray  # float32 [H, Q, d_k]: the module's own per-head output, the input of its output projection
    layouts: tuple[Segments, Segments]  # (query segments, key segments) as in AttentionRecord.layouts
    tokens: tuple[str, ...]  # the word tokens as shown
    token_unk: tuple[bool, ...]
    grid: tuple[int, int]
    # q and k again, from the same pass with the position embeddings left out (None: not available)
    q_no_pos: Optional[np.ndarray] = None  # float32 [H, Q, d_k]
    k_no_pos: Optional[np.ndarray] = None  # float32 [H, K, d_k]
    position_note: str = ""  # how the position-free q and k were obtained, in words

    def __post_init__(self) -> None:
        for name in ("q", "k", "v", "allowed", "bias", "weights", "out", "q_no_pos", "k_no_pos"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))


def heads_of(x: torch.Tensor, heads: int) -> np.ndarray:
    """[1, N, H * d_k] (a projection's output for one sample) -> float32 numpy [H, N, d_k]."""
    _, n, width = x.shape
    return x[0].detach().float().cpu().reshape(n, heads, width // heads).transpose(0, 1).numpy().copy()


@contextlib.contextmanager
def hooked(module: torch.nn.Module, *, pre: bool = False, with_kwargs: bool = False) -> Iterator[list]:
    """Within the block, every call of `module` appends its (args, kwargs) (pre) or output to the yielded list."""
    seen: list = []
    if pre:
        def hook(_m, args, kwargs=None):
            seen.append((args, kwargs or {}))
        handle = module.register_forward_pre_hook(hook, with_kwargs=with_kwargs)
    else:
        handle = module.register_forward_hook(lambda _m, _args, output: seen.append(output))
    try:
        yield seen
    finally:
        handle.remove()


# -- the bundled models ----------------------------------------------------------

def find_module(model, kind: str, layer: int):
    """The bundled model's Attention module of `kind` and `layer`, or a CellError naming what exists."""
    found = {(m.kind, m.layer): m for m in model.attention_modules()}
    if (kind, layer) in found:
        return found[(kind, layer)]
    kinds = sorted({k for k, _ in found})
    if kind not in kinds:
        raise CellError(f"this model has no {kind!r} attention; it has {', '.join(kinds)}")
    n = sum(1 for k, _ in found if k == kind)
    raise CellError(f"layer {layer} out of range: {kind!r} has layers 0..{n - 1}")


@contextlib.contextmanager
def without_positions(model) -> Iterator[None]:
    """Within the block the bundled model's stems add no position embeddings.

    The stems' outputs are replaced by the same projections run on the input
    without the position part: for the words tok(ids) instead of
    tok(ids) + pos, for the patches the patch projection and [CLS] without
    their position vectors. Everything after the stems (modality projection,
    modality-type embeddings, every layer) runs unchanged.
    """
    def text_hook(module, args, _output):
        return module.tok(args[0])  # [B, L, D]

    def patch_hook(module, args, output):
        tokens, grid = output
        x = module.proj(args[0]).flatten(2).transpose(1, 2)  # [B, N, D], no positions
        cls = module.cls.expand(x.shape[0], -1, -1)  # no cls_pos
        return torch.cat([cls, x], dim=1), grid

    handles = [model.text.register_forward_hook(text_hook), model.patch.register_forward_hook(patch_hook)]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def _run(model, module, image, ids, mask) -> dict:
    """One forward pass on the explicit softmax path, with this module's pieces captured."""
    with torch.inference_mode(), recording(model) as events, hooked(module, pre=True, with_kwargs=True) as calls, \
            hooked(module.q) as qs, hooked(module.k) as ks, hooked(module.v) as vs, hooked(module.proj, pre=True) as outs:
        model(image, ids, mask)
    weights = next(w for m_kind, m_layer, w in events if (m_kind, m_layer) == (module.kind, module.layer))
    args, kwargs = calls[0]
    return {"q": qs[0], "k": ks[0], "v": vs[0], "out": outs[0][0][0], "weights": weights,
            "key_mask": kwargs.get("key_mask", args[2] if len(args) > 2 else None)}


def bundled_head_tensors(model, sample: Sample, kind: str, layer: int, input_size: int | None = None,
                         positions: bool = True) -> HeadTensors:
    """Q, K, V of the bundled model's `kind`/`layer` attention for `sample`, prepared exactly as capture() does."""
    module = find_module(model, kind, layer)
    device = next(model.parameters()).device
    image = image_tensor(sample.image.pixels, model.cfg, input_size).to(device)  # [1, 3, S, S]
    ids, mask = text_tensor(sample.encoding, model.tokenizer)  # [1, L]
    ids, mask = ids.to(device), mask.to(device)
    got = _run(model, module, image, ids, mask)
    h = module.heads
    q, k = heads_of(got["q"], h), heads_of(got["k"], h)
    n_q, n_k = q.shape[1], k.shape[1]
    key_mask = got["key_mask"]  # [1, K] bool or None: the same mask the module applied
    allowed = np.ones((n_q, n_k), bool) if key_mask is None else np.broadcast_to(key_mask[0].cpu().numpy(), (n_q, n_k)).copy()
    q_no_pos = k_no_pos = None
    note = ""
    if positions:
        with without_positions(model):
            plain = _run(model, module, image, ids, mask)
        q_no_pos, k_no_pos = heads_of(plain["q"], h), heads_of(plain["k"], h)
        note = ("the same forward pass with the position embeddings left out of the stems (words: token embedding only; "
                "patches: patch projection only); at the first layer over the embeddings this is exactly their part in the "
                "score, deeper it also carries what positions changed in the layers before")
    n_text = len(sample.encoding.tokens)
    rows, cols = (int(v) for v in _grid(model, image))
    query_segments, key_segments = model.layouts(n_text, rows * cols)[kind]
    plain_segments = tuple(tuple((s.modality, s.start, s.stop) for s in axis) for axis in (query_segments, key_segments))
    return HeadTensors(
        q=q, k=k, v=heads_of(got["v"], h), scale=float(module.head_dim) ** -0.5,
        allowed=allowed, bias=np.zeros((n_q, n_k), np.float32),
        weights=got["weights"][0].float().cpu().numpy(), out=heads_of(got["out"], h),
        layouts=plain_segments, tokens=tuple(t.surface for t in sample.encoding.tokens),
        token_unk=tuple(t.is_unk for t in sample.encoding.tokens), grid=(rows, cols),
        q_no_pos=q_no_pos, k_no_pos=k_no_pos, position_note=note,
    )


def _grid(model, image: torch.Tensor) -> tuple[int, int]:
    p = model.cfg.patch_size
    return image.shape[-2] // p, image.shape[-1] // p
