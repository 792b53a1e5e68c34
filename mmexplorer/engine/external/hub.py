"""Hugging Face hub ids ("owner/name"): the local cache first, a download only when asked and allowed.

Nothing here reaches the network unless `download` is True and
huggingface_hub is not in offline mode (HF_HUB_OFFLINE); then the files go
into the standard cache with huggingface_hub's own progress bars on stderr.
"""

from __future__ import annotations

import re
from pathlib import Path

from mmexplorer.engine.external.errors import ExternalModelError

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# What a model folder needs besides its weights; other frameworks' files (TF, Flax, ONNX) are skipped.
MODEL_FILES = ["*.json", "*.txt", "*.model", "tokenizer*"]
HUB_MISSING = "huggingface_hub is not installed: pip install 'mmexplorer[hf]' to open Hugging Face models by id"


def looks_like_repo_id(name: str) -> bool:
    return bool(REPO_ID.match(name)) and not Path(name).expanduser().exists()


def find_in_hf_cache(repo_id: str) -> Path | None:
    """The local cache snapshot of `repo_id`, never downloading; None if absent."""
    if not REPO_ID.match(repo_id):
        return None
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # not installed, not cached, or a malformed cache entry
        return None
    return folder if (folder / "config.json").is_file() else None


def hub_snapshot(repo_id: str, download: bool = False) -> Path:
    """The folder of `repo_id` in the local cache, downloading it first when `download` and online."""
    cached = find_in_hf_cache(repo_id)
    if cached is not None:
        return cached
    try:
        import huggingface_hub
        from huggingface_hub import constants
    except ImportError:
        raise ExternalModelError(HUB_MISSING) from None
    how = f"get it with `huggingface-cli download {repo_id}`"
    if constants.HF_HUB_OFFLINE:
        raise ExternalModelError(f"{repo_id} is not in the local Hugging Face cache and HF_HUB_OFFLINE is set; "
                                 f"{how}, or run once online")
    if not download:
        raise ExternalModelError(f"{repo_id} is not in the local Hugging Face cache; {how}")
    try:
        files = huggingface_hub.list_repo_files(repo_id)
        # safetensors when the repository has them; else PyTorch's .bin (transformers reads it weights-only)
        weights = ["*.safetensors"] if any(f.endswith(".safetensors") for f in files) else ["pytorch_model*.bin"]
        folder = Path(huggingface_hub.snapshot_download(repo_id, allow_patterns=MODEL_FILES + weights))
    except Exception as exc:  # not found, gated, no network: the hub's own message says which
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExternalModelError(f"cannot download {repo_id} ({first}); {how}") from None
    if not (folder / "config.json").is_file():
        raise ExternalModelError(f"{repo_id} has no config.json: not a Hugging Face model repository")
    return folder
