"""Name -> model class. Every strategy registers itself; nothing else chooses by name."""

from __future__ import annotations

from typing import Callable

from mmexplorer.config import ModelConfig

_REGISTRY: dict[str, type] = {}


def register(name: str) -> Callable[[type], type]:
    def deco(cls: type) -> type:
        cls.fusion = name
        _REGISTRY[name] = cls
        return cls

    return deco


def fusion_names() -> list[str]:
    return list(_REGISTRY)


def build_model(cfg: ModelConfig):
    try:
        cls = _REGISTRY[cfg.fusion]
    except KeyError:
        raise ValueError(f"unknown fusion {cfg.fusion!r}; known: {', '.join(_REGISTRY)}") from None
    return cls(cfg)
