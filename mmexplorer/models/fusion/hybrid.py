"""Hybrid fusion: unimodal encoders whose intermediate features are fused early in a
joint stack, plus a decision-level combination of unimodal heads; the two
logits are mixed by learned weights."""

from __future__ import annotations

import torch
from torch import nn

from mmexplorer.models.fusion.base import FusionModel, FusionOutput, Segment, image_layout, text_layout
from mmexplorer.models.fusion.decisions import DecisionCombiner
from mmexplorer.models.fusion.unimodal import UnimodalEncoders
from mmexplorer.models.layers import Encoder


class HybridFusion(FusionModel):
    def __init__(self, cfg) -> None:
        super().__init__(cfg)
        d = cfg.width
        self.unimodal = UnimodalEncoders(cfg, cfg.unimodal_depth)
        self.modality = nn.Parameter(torch.zeros(2, d))
        nn.init.normal_(self.modality, std=0.02)
        self.joint = Encoder(d, cfg.depth, cfg.heads, cfg.mlp_ratio, "joint", cfg.dropout)
        self.itm_head = nn.Linear(d, 1)
        self.decisions = DecisionCombiner(d)
        self.mix = nn.Parameter(torch.tensor([1.0, 0.5]))  # weights of (feature-level, decision-level) logits

    def fuse(self, image, ids, mask):
        valid = self.patch_mask(image)  # letterbox padding is never attended
        t, i, grid = self.unimodal(self, image, ids, mask, valid)
        late = self.decisions(i[:, 0], t[:, 0])
        n_text = ids.shape[1]
        x = torch.cat([t + self.modality[0], i[:, 1:] + self.modality[1]], dim=1)  # [B, L + N, D]
        key_mask = torch.cat([mask, mask.new_ones(i[:, 1:].shape[:2]) if valid is None else valid], dim=1)
        x = self.joint(x, key_mask)
        pooled = x[:, 0]
        early_logit = self.itm_head(pooled).squeeze(-1)
        return FusionOutput(
            itm_logit=self.mix[0] * early_logit + self.mix[1] * late["logit"],
            pooled=pooled,
            text_states=x[:, :n_text],
            patch_states=x[:, n_text:],
            grid=grid,
            branches={
                "feature_level": self.mix[0] * early_logit,
                "decision_level": self.mix[1] * late["logit"],
                **{k: v for k, v in late.items() if k != "logit"},
            },
        )

    def layouts(self, n_text, n_patches):
        t, i = text_layout(n_text), image_layout(n_patches)
        joint = (Segment("cls", 0, 1), Segment("text", 1, 1 + n_text), Segment("image", 1 + n_text, 1 + n_text + n_patches))
        return {"text": (t, t), "image": (i, i), "joint": (joint, joint)}
