"""Name -> model class and spec. Every strategy registers itself; nothing else chooses by name."""

from __future__ import annotations

from typing import Callable

from mmexplorer.config import ModelConfig
from mmexplorer.spec import FusionSpec

_REGISTRY: dict[str, type] = {}


def register(spec: FusionSpec) -> Callable[[type], type]:
    """Register a strategy's class under spec.fusion; the class carries its spec."""

    def deco(cls: type) -> type:
        cls.fusion = spec.fusion
        cls.spec = spec
        cls.has_cross_modal_attention = spec.has_cross_modal_attention
        _REGISTRY[spec.fusion] = cls
        return cls

    return deco


def fusion_names() -> list[str]:
    return list(_REGISTRY)


def fusion_spec(name: str) -> FusionSpec:
    try:
        return _REGISTRY[name].spec
    except KeyError:
        raise ValueError(f"unknown fusion {name!r}; known: {', '.join(_REGISTRY)}") from None


def build_model(cfg: ModelConfig):
    try:
        cls = _REGISTRY[cfg.fusion]
    except KeyError:
        raise ValueError(f"unknown fusion {cfg.fusion!r}; known: {', '.join(_REGISTRY)}") from None
    return cls(cfg)
