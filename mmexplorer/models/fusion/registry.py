"""A bundled strategy's network from its config: the class its family declares (mmexplorer/families)."""

from __future__ import annotations

from mmexplorer import families
from mmexplorer.config import ModelConfig
from mmexplorer.spec import FusionSpec


def fusion_names() -> list[str]:
    """The bundled strategies, in the order of the fusion buttons."""
    return list(families.bundled_names())


def fusion_spec(name: str) -> FusionSpec:
    return families.spec(name)


def build_model(cfg: ModelConfig):
    family = families.find(cfg.fusion)
    if family is None or not family.bundled:
        raise ValueError(f"unknown fusion {cfg.fusion!r}; known: {', '.join(families.bundled_names())}")
    return family.network_class()(cfg)
