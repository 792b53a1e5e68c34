"""Recognise a pretrained model on disk without loading it (no torch, no transformers import).

A folder with config.json is a Hugging Face model; a .pth / .pt file is a
torchvision ViT state dict (its tensors are checked when it is loaded).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from mmexplorer.data.files import read_regular_file
from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.engine.external.hf_config_check import check_hf_config

# Hugging Face architecture class -> fusion name used in records and the catalog.
HF_ARCHITECTURES = {"CLIPModel": "hf-clip", "ViTForImageClassification": "hf-vit"}
# Used only when config.json names no architecture.
HF_MODEL_TYPES = {"clip": "hf-clip", "vit": "hf-vit"}
TORCHVISION_SUFFIXES = (".pth", ".pt")
EXTERNAL_FUSIONS = ("hf-clip", "hf-vit", "torchvision-vit")

MAX_CONFIG_BYTES = 16 * 1024 * 1024  # a config.json is a few KiB
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def detect_model(path: str | os.PathLike) -> str | None:
    """The fusion name ("hf-clip", "hf-vit", "torchvision-vit") of a model folder or weights file.

    None when `path` is none of these (e.g. a bundled .safetensors checkpoint,
    which the checkpoint loader handles). Raises ExternalModelError for a
    folder that is not a supported model, saying why.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        return _detect_hf_folder(p)
    if p.is_file() and p.suffix.lower() in TORCHVISION_SUFFIXES:
        return "torchvision-vit"
    return None


def _detect_hf_folder(folder: Path) -> str:
    config = folder / "config.json"
    if not os.path.lexists(config):
        raise ExternalModelError(
            f"{folder} is not a supported model folder: it has no config.json "
            "(expected a Hugging Face model saved with save_pretrained)"
        )
    raw = read_regular_file(config, MAX_CONFIG_BYTES, ExternalModelError)  # not a FIFO, a device or a huge file
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise ExternalModelError(f"{config} is not readable JSON ({type(exc).__name__})") from None
    check_hf_config(folder, data)  # types, ranges and weight shapes, before transformers builds anything
    architectures = data.get("architectures") or []
    for name in architectures:
        if name in HF_ARCHITECTURES:
            return HF_ARCHITECTURES[name]
    model_type = data.get("model_type")
    if not architectures and model_type in HF_MODEL_TYPES:
        return HF_MODEL_TYPES[model_type]
    found = ", ".join(architectures) or f"model_type {model_type!r}"
    raise ExternalModelError(
        f"{folder} is not a supported model folder ({found}); supported: "
        + ", ".join(HF_ARCHITECTURES)
    )


def find_in_hf_cache(repo_id: str) -> Path | None:
    """The local Hugging Face cache snapshot of `repo_id` ("owner/name"), never downloading; None if absent."""
    if not _REPO_ID.match(repo_id):
        return None
    os.environ["HF_HUB_OFFLINE"] = "1"  # before huggingface_hub reads its settings
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # not installed, not cached, or a malformed cache entry
        return None
    return folder if (folder / "config.json").is_file() else None


def display_name(path: Path) -> str:
    """A readable name: "owner/name" for a hub cache snapshot, else the folder or file stem."""
    parts = path.resolve().parts
    for i, part in enumerate(parts[:-1]):
        if part.startswith("models--") and i + 1 < len(parts) and parts[i + 1] == "snapshots":
            return part[len("models--"):].replace("--", "/")
    return path.stem if path.is_file() else path.name
