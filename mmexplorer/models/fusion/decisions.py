"""Decision-level combination of unimodal predictions (late fusion).

Each branch predicts K latent decisions from its own [CLS]; the match logit is
a learned weighted agreement: sum_k w_k * tanh(img_k) * tanh(txt_k) + b. The
per-decision products are the branch contributions the explorer shows.
"""

from __future__ import annotations

import torch
from torch import nn


class DecisionCombiner(nn.Module):
    def __init__(self, dim: int, decisions: int = 16) -> None:
        super().__init__()
        self.image_decision = nn.Linear(dim, decisions)
        self.text_decision = nn.Linear(dim, decisions)
        self.weights = nn.Parameter(torch.ones(decisions))
        self.bias = nn.Parameter(torch.zeros(()))

    def forward(self, image_cls: torch.Tensor, text_cls: torch.Tensor) -> dict:
        img = torch.tanh(self.image_decision(image_cls))  # [B, K]
        txt = torch.tanh(self.text_decision(text_cls))  # [B, K]
        contributions = self.weights * img * txt  # [B, K]
        return {
            "logit": contributions.sum(-1) + self.bias,
            "image_decision": img,
            "text_decision": txt,
            "contributions": contributions,
        }
