"""The training losses of one step: matching, grounding, masked words, question answering.

compute_losses(trainee, batch, settings) -> dict of named scalar losses plus
"loss" (their weighted sum) and the batch's matching predictions.
"""

from __future__ import annotations

import contextlib

import torch
import torch.nn.functional as F

from mmexplorer.engine.grounding import capture_supervised, grounding_loss, supports_grounding


def matching_loss(out: dict, labels: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the match logit [2B] against 1 (true caption) / 0 (negative)."""
    return F.binary_cross_entropy_with_logits(out.itm_logit, labels)


def contrastive_loss(out: dict, scenes: int) -> torch.Tensor:
    """InfoNCE over the true pairs (rows < scenes), both directions (CLIP)."""
    t = out.text_embed[:scenes]  # [B, E] unit vectors
    i = out.image_embed[:scenes]
    logits = out.logit_scale * t @ i.T  # [B, B]
    target = torch.arange(scenes, device=logits.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


def masked_words(ids: torch.Tensor, mask: torch.Tensor, mask_id: int, prob: float, generator: torch.Generator):
    """Replace a random `prob` share of word tokens (never [CLS], never padding) by [MASK].

    -> (masked ids [B, L], bool [B, L] where a word was masked). At least one word per row is masked.
    """
    words = mask.clone()
    words[:, 0] = False
    draw = torch.rand(ids.shape, generator=generator, device="cpu").to(ids.device) < prob
    chosen = draw & words
    # guarantee one masked word per row: the first word when the draw chose none
    none = ~chosen.any(1)
    chosen[none, 1] = words[none, 1]
    return ids.masked_fill(chosen, mask_id), chosen


def compute_losses(trainee, batch, settings, generator: torch.Generator) -> dict:
    model = trainee.itm_model
    scenes = batch.images.shape[0] // 2
    losses: dict[str, torch.Tensor] = {}
    use_grounding = settings.grounding and supports_grounding(model.cfg.fusion)
    with capture_supervised(model) if use_grounding else contextlib.nullcontext({}) as store:
        out = model(batch.images, batch.ids, batch.mask)
    losses["itm"] = matching_loss(out, batch.labels)
    total = losses["itm"]
    if model.spec.contrastive:
        losses["nce"] = contrastive_loss(out, scenes)
        total = total + losses["nce"]
    if use_grounding:
        g = grounding_loss(model, out, store, batch, settings.grounding_heads)
        if g is not None:
            losses["grounding"] = g
            total = total + settings.grounding_weight * g
    if settings.mlm and model.mlm_head is not None:
        ids, chosen = masked_words(batch.ids[:scenes], batch.mask[:scenes], model.tokenizer.mask_id, settings.mlm_prob, generator)
        mlm_out = model(batch.images[:scenes], ids, batch.mask[:scenes])
        losses["mlm"] = F.cross_entropy(mlm_out.mlm_logits[chosen], batch.ids[:scenes][chosen])
        total = total + settings.mlm_weight * losses["mlm"]
    if batch.q_ids is not None:
        vqa_model = trainee.vqa_model
        q_out = vqa_model(batch.images[:scenes], batch.q_ids, batch.q_mask)
        losses["vqa"] = F.cross_entropy(q_out.vqa_logits, batch.q_answers)
        total = total + settings.vqa_weight * losses["vqa"]
    tie = trainee.tie_penalty()
    if tie is not None:
        losses["tie"] = tie
        total = total + settings.soft_tie * tie
    losses["loss"] = total
    losses["logits"] = out.itm_logit.detach()
    return losses

