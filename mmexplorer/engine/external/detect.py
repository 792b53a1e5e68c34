"""Recognise a pretrained model on disk without loading it (no torch, no transformers import).

A folder with config.json is a Hugging Face model; a .pth / .pt file is a
torchvision ViT state dict (its tensors are checked when it is loaded).
"""

from __future__ import annotations

import os
from pathlib import Path

from mmexplorer import families
from mmexplorer.data.files import read_json_file
from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.hub import find_in_hf_cache  # noqa: F401  (re-exported)
from mmexplorer.engine.external.hf_config_check import check_hf_config


MAX_CONFIG_BYTES = 16 * 1024 * 1024  # a config.json is a few KiB


def detect_model(path: str | os.PathLike) -> str | None:
    """The pretrained family's name (mmexplorer/families) of a model folder or weights file.

    None when `path` is none of these (e.g. a bundled .safetensors checkpoint,
    which the checkpoint loader handles). Raises ExternalModelError for a
    folder that is not a supported model, saying why.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        return _detect_hf_folder(p)
    found = families.for_file_suffix(p.suffix) if p.is_file() else None
    return found.name if found is not None else None


def read_hf_config(folder: Path) -> dict:
    """config.json of a Hugging Face model folder, parsed: the one place the app reads it."""
    config = folder / "config.json"
    if not os.path.lexists(config):
        raise ExternalModelError(
            f"{folder} is not a supported model folder: it has no config.json "
            "(expected a Hugging Face model saved with save_pretrained)"
        )
    # not a FIFO, a device, a huge file or one nested 100,000 deep
    data = read_json_file(config, ExternalModelError, limit=MAX_CONFIG_BYTES)
    if not isinstance(data, dict):
        raise ExternalModelError(f"{config} is not a model config")
    check_hf_config(folder, data)  # types, ranges and weight shapes, before transformers builds anything
    return data


def _detect_hf_folder(folder: Path) -> str:
    data = read_hf_config(folder)
    architectures = data.get("architectures") or []
    model_type = data.get("model_type")
    found = families.for_hf_config(architectures, model_type)
    if found is not None:
        return found.name
    named = ", ".join(architectures) or f"model_type {model_type!r}"
    raise ExternalModelError(
        f"{folder} is not a supported model folder ({named}); supported: " + ", ".join(families.supported_architectures())
    )


def display_name(path: Path) -> str:
    """A readable name: "owner/name" for a hub cache snapshot, else the folder or file stem."""
    parts = path.resolve().parts
    for i, part in enumerate(parts[:-1]):
        if part.startswith("models--") and i + 1 < len(parts) and parts[i + 1] == "snapshots":
            return part[len("models--"):].replace("--", "/")
    return path.stem if path.is_file() else path.name
