"""The models a user can pick: bundled ones, their own trained ones, or any checkpoint path."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mmexplorer.paths import BUNDLED_MODELS, user_models_dir
from mmexplorer.protocol.entries import ModelEntry

CHECKPOINT_SUFFIXES = (".safetensors",)


class ModelNotFound(ValueError):
    pass


def _fusion_of(path: Path) -> str | None:
    """Read only the header metadata; None when the file is not a readable checkpoint."""
    from mmexplorer.data.files import parse_json, read_safetensors_header

    try:  # bounded in bytes and depth, never a FIFO or a device
        config = parse_json(read_safetensors_header(path, ValueError)["__metadata__"]["config"], ValueError)
        fusion = config["fusion"]
        return fusion if isinstance(fusion, str) else None
    except (ValueError, KeyError, TypeError):
        return None


def _scan(folder: Path, source: str) -> list[ModelEntry]:
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.safetensors")):
        fusion = _fusion_of(path)
        if fusion:
            out.append(ModelEntry(path.stem, fusion, str(path), source))
    return out


USER_PREFIX = "user:"  # a user model named like a bundled one is listed (and picked) as user:NAME


def list_models() -> list[ModelEntry]:
    """Bundled models first, then the user's; a user model never shadows a bundled name, it is renamed user:NAME."""
    bundled = _scan(BUNDLED_MODELS, "bundled")
    names = {e.name for e in bundled}
    user = [
        ModelEntry(USER_PREFIX + e.name, e.fusion, e.path, e.source) if e.name in names else e
        for e in _scan(user_models_dir(), "user")
    ]
    return bundled + user


def default_model_name() -> str | None:
    index = BUNDLED_MODELS / "index.json"
    models = list_models()
    if index.is_file():
        try:
            name = json.loads(index.read_text())["default"]
            if any(e.name == name for e in models):
                return name
        except (ValueError, KeyError, TypeError):
            pass
    return models[0].name if models else None


def resolve(name_or_path: str | None, download: bool = False) -> ModelEntry:
    """A catalog name, a checkpoint file, a pretrained model folder or weights file, or a
    Hugging Face model id ("owner/name") from the local cache, downloaded into it first when
    `download` and online. None means the default model."""
    if name_or_path is None:
        name_or_path = default_model_name()
        if name_or_path is None:
            raise ModelNotFound("no models are installed; run `make models` or `mmexplorer train`")
    for entry in list_models():
        if entry.name == name_or_path:
            return entry
    path = Path(name_or_path).expanduser()
    if os.path.lexists(path):  # also a symlink loop or a broken link: the loader says which
        external = _external_entry(path)
        return external or ModelEntry(path.stem, _fusion_of(path) or "?", str(path), "file")
    from mmexplorer.hub import hub_snapshot, looks_like_repo_id

    if looks_like_repo_id(name_or_path):
        folder = hub_snapshot(name_or_path, download)  # raises, naming the id and how to get it
        return _external_entry(folder) or ModelEntry(name_or_path, "?", str(folder), "file")
    known = ", ".join(e.name for e in list_models()) or "none"
    raise ModelNotFound(
        f"unknown model {name_or_path!r} (not a model name, an existing file or folder, "
        f"or a Hugging Face model in the local cache); known models: {known}"
    )


def _external_entry(path: Path) -> ModelEntry | None:
    """A pretrained model folder or weights file (Hugging Face, torchvision); None for anything else."""
    from mmexplorer.engine.external.detect import detect_model, display_name

    fusion = detect_model(path)  # raises for a folder that is not a supported model
    return ModelEntry(display_name(path), fusion, str(path), "file") if fusion else None


def model_for_fusion(fusion: str) -> ModelEntry | None:
    """The first listed model of a fusion strategy (used when the user switches strategy)."""
    return next((e for e in list_models() if e.fusion == fusion), None)
