"""Feature-level (early) fusion: one transformer over [CLS] + words + patches."""

from __future__ import annotations

import torch
from torch import nn

from mmexplorer.models.fusion.base import FusionModel, FusionOutput, Segment
from mmexplorer.models.layers import Encoder


class EarlyFusion(FusionModel):
    def __init__(self, cfg) -> None:
        super().__init__(cfg)
        d = cfg.width
        self.modality = nn.Parameter(torch.zeros(2, d))  # modality-type embeddings: 0 text, 1 image
        nn.init.normal_(self.modality, std=0.02)
        self.joint = Encoder(d, cfg.depth, cfg.heads, cfg.mlp_ratio, "joint", cfg.dropout)
        self.itm_head = nn.Linear(d, 1)

    def fuse(self, image, ids, mask):
        text = self.embed_text(ids) + self.modality[0]  # [B, L, D]; position 0 is the joint [CLS]
        patches, grid = self.embed_image(image)
        patches = patches[:, 1:] + self.modality[1]  # [B, N, D]; the image [CLS] is not used here
        n_text = ids.shape[1]
        x = torch.cat([text, patches], dim=1)  # [B, L + N, D]
        valid = self.patch_mask(image)  # letterbox padding is never attended
        key_mask = torch.cat([mask, mask.new_ones(patches.shape[:2]) if valid is None else valid], dim=1)
        x = self.joint(x, key_mask)
        pooled = x[:, 0]
        return FusionOutput(
            itm_logit=self.itm_head(pooled).squeeze(-1),
            pooled=pooled,
            text_states=x[:, :n_text],
            patch_states=x[:, n_text:],
            grid=grid,
        )

    def layouts(self, n_text, n_patches):
        seg = (Segment("cls", 0, 1), Segment("text", 1, 1 + n_text), Segment("image", 1 + n_text, 1 + n_text + n_patches))
        return {"joint": (seg, seg)}
