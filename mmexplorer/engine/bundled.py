"""What runs every bundled strategy: a .safetensors checkpoint (carrying its config) -> a BundledModel."""

from __future__ import annotations

from pathlib import Path

from mmexplorer.engine.model_api import BundledModel


def load(path: str | Path, device="cpu", name: str | None = None) -> BundledModel:
    from mmexplorer.models.checkpoint import load_checkpoint_and_extra

    net, extra = load_checkpoint_and_extra(path, device)
    return BundledModel(net, name or Path(path).stem, str(path), extra)
