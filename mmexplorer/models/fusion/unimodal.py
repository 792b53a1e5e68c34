"""The two unimodal encoders used by cross, hybrid, late and contrastive models."""

from __future__ import annotations

from torch import nn

from mmexplorer.models.layers import Encoder


class UnimodalEncoders(nn.Module):
    def __init__(self, cfg, depth: int) -> None:
        super().__init__()
        self.text = Encoder(cfg.width, depth, cfg.heads, cfg.mlp_ratio, "text", cfg.dropout)
        self.image = Encoder(cfg.width, depth, cfg.heads, cfg.mlp_ratio, "image", cfg.dropout)

    def forward(self, model, image, ids, mask):
        """-> text [B, L, D] ([CLS] at 0), image [B, 1 + N, D] ([CLS] at 0), grid."""
        t = self.text(model.embed_text(ids), mask)
        patches, grid = model.embed_image(image)
        return t, self.image(patches), grid
