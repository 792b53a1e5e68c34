"""What is trained: one model (hard parameter sharing) or two tied backbones (soft sharing).

Hard sharing: one backbone with a head per task (the model's itm and vqa heads).
Soft sharing: a backbone per task, each with its own heads, tied by an L2 penalty
on every shared-architecture parameter. The matching backbone is the one saved
as the checkpoint (and the one the explorer captures attention from); the
question-answering backbone is saved beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch
from torch import nn

from mmexplorer.models.fusion import build_model

HEADS = ("itm_head", "vqa_head", "mlm_head")  # task heads are never tied


class Trainee(nn.Module):
    def __init__(self, cfg) -> None:
        super().__init__()
        self.itm_model = build_model(cfg)
        self.soft = cfg.sharing == "soft" and "vqa" in cfg.tasks
        self.vqa_member = build_model(cfg) if self.soft else None

    @property
    def vqa_model(self):
        return self.vqa_member if self.soft else self.itm_model

    def tie_penalty(self) -> Optional[torch.Tensor]:
        """Sum of squared differences of the two backbones' parameters (soft sharing only)."""
        if not self.soft:
            return None
        other = dict(self.vqa_member.named_parameters())
        terms = [
            (p - other[name]).pow(2).sum()
            for name, p in self.itm_model.named_parameters()
            if not name.startswith(HEADS)
        ]
        return torch.stack(terms).sum()

    def companion_path(self, out: Path) -> Optional[Path]:
        """Where the soft-shared question-answering backbone is saved, next to the checkpoint."""
        return out.with_name(out.stem + "-vqa" + out.suffix) if self.soft else None
