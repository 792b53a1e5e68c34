"""CLIP-like dual encoder: the match score is a scaled cosine similarity of the two [CLS] embeddings.

There is no cross-modal attention; what relates words to patches is the cosine
similarity of their projected embeddings (token-patch similarity maps)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from mmexplorer.models.fusion.base import FusionModel, FusionOutput, image_layout, text_layout
from mmexplorer.models.fusion.unimodal import UnimodalEncoders


class ContrastiveDualEncoder(FusionModel):
    def __init__(self, cfg) -> None:
        super().__init__(cfg)
        d = cfg.width
        self.unimodal = UnimodalEncoders(cfg, cfg.depth)
        self.image_out = nn.Linear(d, d, bias=False)  # into the joint embedding space
        self.text_out = nn.Linear(d, d, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(10.0)))  # learned temperature (log)
        self.logit_bias = nn.Parameter(torch.tensor(-5.0))  # lets one pair be scored alone (sigmoid matching)
        self.pool = nn.Sequential(nn.Linear(2 * d, d), nn.GELU())

    def fuse(self, image, ids, mask):
        t, i, grid = self.unimodal(self, image, ids, mask, self.patch_mask(image))  # padding never attended
        text_embed = F.normalize(self.text_out(t), dim=-1)  # [B, L, E]; [CLS] at 0
        image_embed = F.normalize(self.image_out(i), dim=-1)  # [B, 1 + N, E]
        scale = self.logit_scale.exp().clamp(max=100.0)
        cosine = (text_embed[:, 0] * image_embed[:, 0]).sum(-1)  # [B]
        return FusionOutput(
            itm_logit=scale * cosine + self.logit_bias,
            pooled=self.pool(torch.cat([t[:, 0], i[:, 0]], dim=-1)),
            text_states=t,
            patch_states=i[:, 1:],
            grid=grid,
            text_embed=text_embed[:, 0],
            image_embed=image_embed[:, 0],
            token_embed=text_embed,
            patch_embed=image_embed[:, 1:],
            logit_scale=scale,
        )

    def layouts(self, n_text, n_patches):
        t, i = text_layout(n_text), image_layout(n_patches)
        return {"text": (t, t), "image": (i, i)}
