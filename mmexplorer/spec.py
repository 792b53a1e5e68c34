"""What a fusion strategy or a pretrained model family *is*, as plain data (no torch).

Every bundled strategy and every pretrained family declares one FusionSpec in
its module under mmexplorer/families. Everything else
(capture, grounding, evaluation, the views' notes) reads the spec instead of
keeping its own lists of fusion names. It travels to the window as a dict
(record.meta["spec"], ModelInfo.spec).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Optional

# The fusion categories the product explains; a pretrained family belongs to one of them.
CATEGORIES = ("early", "cross", "hybrid", "late", "contrastive", "image-only")
# What a record's token_to_image holds for a model of this kind.
DEFAULT_MAPS = ("attention", "similarity", "image-branch", "none")


@dataclass(frozen=True)
class FusionSpec:
    fusion: str  # the registry name records carry ("early", "hf-blip-itm", ...)
    category: str  # one of CATEGORIES
    # The attention kind whose text rows over image-patch columns are the cross-modal map
    # ("joint" for one stream, "text_to_image" for cross-attention); None: the model has no cross-modal attention.
    cross_kind: Optional[str]
    default_map: str  # one of DEFAULT_MAPS
    note: str  # one line the views show above the maps: what the map is, what the model does not have
    contrastive: bool = False  # trained or scored through token-patch / image-text embedding similarity
    # answers a question about the picture with generated text (a vision-language model): its records hold the
    # answer's tokens and where each looked (record.generation), its maps are the answer tokens' attention rows
    generative: bool = False

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown fusion category {self.category!r}; expected one of {', '.join(CATEGORIES)}")
        if self.default_map not in DEFAULT_MAPS:
            raise ValueError(f"unknown default map {self.default_map!r}; expected one of {', '.join(DEFAULT_MAPS)}")
        if self.default_map == "attention" and self.cross_kind is None and not self.generative:
            raise ValueError(f"{self.fusion}: an attention default map needs a cross-modal attention kind")

    @property
    def has_cross_modal_attention(self) -> bool:
        return self.cross_kind is not None

    @property
    def dual_encoder(self) -> bool:
        """Image and text meet only in a similarity of their embeddings (CLIP, SigLIP, the bundled contrastive)."""
        return self.category == "contrastive"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "FusionSpec":
        return cls(**{k: d[k] for k in ("fusion", "category", "cross_kind", "default_map", "note") if k in d},
                   contrastive=bool(d.get("contrastive", False)), generative=bool(d.get("generative", False)))
