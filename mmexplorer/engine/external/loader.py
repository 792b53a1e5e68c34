"""fusion name -> the adapter that loads that family (imported only when used)."""

from __future__ import annotations

import importlib

from mmexplorer.engine.external.errors import ExternalModelError

LOADERS = {
    "hf-clip": "mmexplorer.engine.external.hf_clip",
    "hf-vit": "mmexplorer.engine.external.hf_vit",
    "torchvision-vit": "mmexplorer.engine.external.torchvision_vit",
}


def load_external(path: str, fusion: str, device="cpu"):
    """The adapter for `path` (as told by detect_model), in eval mode on `device`."""
    if fusion not in LOADERS:
        raise ExternalModelError(f"{path}: no loader for {fusion!r}")
    return importlib.import_module(LOADERS[fusion]).load(path, device)
