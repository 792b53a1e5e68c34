"""What every pretrained-model adapter shares: the config-like summary and the ExplorableModel surface.

An adapter holds the library's own network as `net` and implements
engine.model_api.ExplorableModel (spec, tokenizer, preprocess, capture).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from torch import nn

from mmexplorer import families
from mmexplorer.data.tokenizer import Encoding
from mmexplorer.engine.model_api import ExplorableModel

ATTENTION_NOTE = "eager (explicit softmax); the fused SDPA kernel returns no attention weights"


@dataclass(frozen=True)
class ExternalConfig:
    name: str
    fusion: str  # the family's registry name (mmexplorer/families)
    # Keys shared with the bundled models' config (image_size, patch_size, width, depth, heads, ...),
    # so panels written for those read these too.
    fields: Mapping = field(default_factory=dict)
    details: Mapping = field(default_factory=dict)  # family-specific facts for the model-summary panel

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    def summary(self) -> dict:
        """JSON-able facts for the model-summary panel."""
        return {"name": self.name, "fusion": self.fusion, **self.fields, **self.details}

    def to_dict(self) -> dict:
        return self.summary()  # what the app stores as a model's config (ModelInfo.config_json, meta["config"])

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), default=str)


class NoTextTokenizer:
    """For image-only models: every text gives no tokens (the record has tokens=())."""

    max_len = 0

    def encode(self, text: object) -> Encoding:
        return Encoding("" if text is None else str(text), (), False, 0)


class ExternalModel(ExplorableModel):
    """The library's own network as `net`; subclasses set the class attribute `spec` and implement capture."""

    def __init__(self, net: nn.Module, cfg: ExternalConfig, tokenizer, path: str = "") -> None:
        self.net = net
        self.cfg = cfg
        self.tokenizer = tokenizer
        self.name = cfg.name
        self.path = path

    def summary(self) -> dict:
        return self.cfg.summary()

    def networks(self):
        yield self.net

    def head_tensors(self, sample, kind: str, layer: int, positions: bool = True):
        family = families.get(self.spec.fusion)
        if not family.cell:  # the family does not explain its cells (yet): say so
            return super().head_tensors(sample, kind, layer, positions)
        return family.head_tensors(self, sample, kind, layer, positions=positions)


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
