"""The two unimodal encoders used by cross, hybrid, late and contrastive models."""

from __future__ import annotations

import torch
from torch import nn

from mmexplorer.models.layers import Encoder


class UnimodalEncoders(nn.Module):
    def __init__(self, cfg, depth: int) -> None:
        super().__init__()
        self.text = Encoder(cfg.width, depth, cfg.heads, cfg.mlp_ratio, "text", cfg.dropout)
        self.image = Encoder(cfg.width, depth, cfg.heads, cfg.mlp_ratio, "image", cfg.dropout)

    def forward(self, model, image, ids, mask, patch_mask=None):
        """-> text [B, L, D] ([CLS] at 0), image [B, 1 + N, D] ([CLS] at 0), grid.

        patch_mask [B, N] (letterbox padding False) keeps padded patches out of the image encoder's keys.
        """
        t = self.text(model.embed_text(ids), mask)
        patches, grid = model.embed_image(image)
        return t, self.image(patches, with_cls(patch_mask)), grid


def with_cls(patch_mask):
    """[B, N] -> [B, 1 + N] with the [CLS] position always attended; None stays None."""
    return None if patch_mask is None else torch.cat([patch_mask.new_ones(patch_mask.shape[0], 1), patch_mask], dim=1)
