"""Decision-level (late) fusion: separate encoders, unimodal decisions combined by learned weights.

There is no cross-modal attention in this model."""

from __future__ import annotations

import torch
from torch import nn

from mmexplorer.models.fusion.base import FusionModel, FusionOutput, image_layout, text_layout
from mmexplorer.models.fusion.decisions import DecisionCombiner
from mmexplorer.models.fusion.unimodal import UnimodalEncoders


class LateFusion(FusionModel):
    def __init__(self, cfg) -> None:
        super().__init__(cfg)
        d = cfg.width
        self.unimodal = UnimodalEncoders(cfg, cfg.depth)
        self.decisions = DecisionCombiner(d)
        self.pool = nn.Sequential(nn.Linear(2 * d, d), nn.GELU())  # only feeds auxiliary task heads

    def fuse(self, image, ids, mask):
        t, i, grid = self.unimodal(self, image, ids, mask, self.patch_mask(image))  # padding never attended
        late = self.decisions(i[:, 0], t[:, 0])
        return FusionOutput(
            itm_logit=late["logit"],
            pooled=self.pool(torch.cat([t[:, 0], i[:, 0]], dim=-1)),
            text_states=t,
            patch_states=i[:, 1:],
            grid=grid,
            branches={k: v for k, v in late.items() if k != "logit"},
        )

    def layouts(self, n_text, n_patches):
        t, i = text_layout(n_text), image_layout(n_patches)
        return {"text": (t, t), "image": (i, i)}
