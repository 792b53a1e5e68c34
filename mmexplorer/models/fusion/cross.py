"""Co-attention (cross-attention) fusion: unimodal encoders, then layers in which
text queries attend to patches and patch queries attend to words."""

from __future__ import annotations

import torch
from torch import nn

from mmexplorer.models.fusion.base import FusionModel, FusionOutput, image_layout, text_layout
from mmexplorer.models.fusion.unimodal import UnimodalEncoders, with_cls
from mmexplorer.models.layers import CrossBlock


class CrossFusion(FusionModel):
    def __init__(self, cfg) -> None:
        super().__init__(cfg)
        d = cfg.width
        self.unimodal = UnimodalEncoders(cfg, cfg.unimodal_depth)
        self.t2i = nn.ModuleList(CrossBlock(d, cfg.heads, cfg.mlp_ratio, "text_to_image", i, cfg.dropout) for i in range(cfg.depth))
        self.i2t = nn.ModuleList(CrossBlock(d, cfg.heads, cfg.mlp_ratio, "image_to_text", i, cfg.dropout) for i in range(cfg.depth))
        self.norm_t = nn.LayerNorm(d)
        self.norm_i = nn.LayerNorm(d)
        self.pool = nn.Sequential(nn.Linear(2 * d, d), nn.GELU())
        self.itm_head = nn.Linear(d, 1)

    def fuse(self, image, ids, mask):
        valid = self.patch_mask(image)  # letterbox padding is never attended
        t, i, grid = self.unimodal(self, image, ids, mask, valid)
        image_keys = with_cls(valid)
        for t2i, i2t in zip(self.t2i, self.i2t):
            # Both directions read the previous layer's states (symmetric co-attention).
            t, i = t2i(t, i, image_keys), i2t(i, t, mask)
        t, i = self.norm_t(t), self.norm_i(i)
        pooled = self.pool(torch.cat([t[:, 0], i[:, 0]], dim=-1))
        return FusionOutput(
            itm_logit=self.itm_head(pooled).squeeze(-1),
            pooled=pooled,
            text_states=t,
            patch_states=i[:, 1:],
            grid=grid,
        )

    def layouts(self, n_text, n_patches):
        t, i = text_layout(n_text), image_layout(n_patches)
        return {"text": (t, t), "image": (i, i), "text_to_image": (t, i), "image_to_text": (i, t)}
