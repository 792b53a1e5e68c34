"""Grounding supervision: pull each object word's map over the patches towards its object's box.

The supervised map is the one the explorer shows by default for the word:
- early and hybrid: the word's row of the last joint attention layer, over the patch columns;
- cross: the word's row of the last text->image cross-attention layer, over the patch columns;
- contrastive: the token-patch cosine similarity of the projected embeddings.
Late fusion has no word-to-patch map, so it has no grounding loss.

Only the supervised attention module runs the explicit softmax (a sink is set
on it alone); every other layer keeps the fused kernel.
"""

from __future__ import annotations

import contextlib
from typing import Iterator, Optional

import torch
import torch.nn.functional as F

from mmexplorer.models import fusion_spec

EPS = 1e-8


def _last_module(model, kind: str):
    modules = [m for m in model.attention_modules() if m.kind == kind]
    return max(modules, key=lambda m: m.layer) if modules else None


def supports_grounding(fusion: str) -> bool:
    """A strategy has a word-to-patch map to supervise when its default map is attention or similarity."""
    return fusion_spec(fusion).default_map in ("attention", "similarity")


@contextlib.contextmanager
def capture_supervised(model) -> Iterator[dict]:
    """Within the block the supervised layer's weights [B, H, Q, K] land in the yielded dict under "weights"."""
    store: dict = {}
    kind = model.spec.cross_kind  # the supervised map is the last layer of the cross-modal attention, if any
    module = _last_module(model, kind) if kind else None
    if module is None:
        yield store
        return

    def sink(_module, weights: torch.Tensor) -> None:
        store["weights"] = weights  # keeps the graph: the loss backpropagates through it

    module.sink = sink
    try:
        yield store
    finally:
        module.sink = None


def _patch_columns(fusion: str, n_text: int, n_patches: int) -> slice:
    """Where the patches sit along the keys of the supervised attention."""
    if fusion_spec(fusion).cross_kind == "joint":
        return slice(n_text, n_text + n_patches)  # joint keys: [CLS] + words (n_text incl. [CLS]), then patches
    return slice(1, 1 + n_patches)  # cross-attention keys: image [CLS], then patches


def attention_grounding_loss(
    weights: torch.Tensor,  # [B, H, Q, K] of the supervised layer
    fusion: str,
    n_text: int,  # text sequence length incl. [CLS]
    rows: torch.Tensor,  # [G] batch rows of grounded words
    tokens: torch.Tensor,  # [G] their query positions
    targets: torch.Tensor,  # [G, N] 1 inside the object's box
    heads: str = "mean",  # "mean": supervise the head-mean map (what is shown); "all": every head
) -> torch.Tensor:
    n = targets.shape[1]
    a = weights[rows, :, tokens][:, :, _patch_columns(fusion, n_text, n)]  # [G, H, N]
    target = targets / targets.sum(-1, keepdim=True)  # box-uniform distribution [G, N]
    if heads == "mean":
        a = a.mean(1, keepdim=True)  # [G, 1, N]
    q = a / (a.sum(-1, keepdim=True) + EPS)  # the word's map over patches, renormalised
    # cross-entropy to the box-uniform target (= KL up to the target's constant entropy)
    return -(target[:, None] * torch.log(q + EPS)).sum(-1).mean()


def similarity_grounding_loss(
    out: dict, rows: torch.Tensor, tokens: torch.Tensor, targets: torch.Tensor, scale: float = 10.0
) -> torch.Tensor:
    """Dual encoders: the cosine similarity of a word and each patch should be high inside its box, low outside."""
    tok = out.token_embed[rows, tokens]  # [G, E] unit vectors
    patches = out.patch_embed[rows]  # [G, N, E]
    sim = torch.einsum("ge,gne->gn", tok, patches)  # [G, N] cosine
    target = targets / targets.sum(-1, keepdim=True)
    pointing = -(target * F.log_softmax(scale * sim, -1)).sum(-1).mean()
    sign = F.binary_cross_entropy_with_logits(scale * sim, targets)  # positive inside, negative outside
    return pointing + sign


def grounding_loss(model, out: dict, store: dict, batch, heads: str = "mean") -> Optional[torch.Tensor]:
    fusion = model.cfg.fusion
    if model.spec.contrastive:
        return similarity_grounding_loss(out, batch.ground_rows, batch.ground_tokens, batch.ground_targets)
    if "weights" not in store:
        return None
    return attention_grounding_loss(
        store["weights"], fusion, batch.ids.shape[1], batch.ground_rows, batch.ground_tokens, batch.ground_targets, heads
    )

