"""Checkpoints: safetensors weights with the model's JSON config in the header metadata.

One file rebuilds its model with nothing else. Nothing here unpickles: `.pt`/`.pth`
files are read only with torch.load(weights_only=True).
"""

from __future__ import annotations

import warnings

import json
import os
import tempfile
from pathlib import Path

import torch

from mmexplorer.config import ConfigError, ModelConfig
from mmexplorer.data.files import default_file_mode
from mmexplorer.models.fusion import build_model

FORMAT = "mmexplorer-checkpoint/1"


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint; the message names the problem."""


def save_checkpoint(model, path: str | os.PathLike, extra: dict | None = None) -> Path:
    """Write weights + config atomically (temp file in the same folder, then rename)."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "config": model.cfg.to_json(), "extra": json.dumps(extra or {})}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file(state, tmp, metadata=meta)
        os.chmod(tmp, default_file_mode())  # mkstemp makes it owner-only
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_checkpoint(path: str | os.PathLike) -> tuple[ModelConfig, dict, dict]:
    """-> (config, state dict, extra metadata). Raises CheckpointError with a clear message."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file")
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist")
    if path.suffix.lower() in (".pt", ".pth", ".bin"):
        return _read_torch(path)
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            state = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:  # safetensors raises its own error types for bad headers and sizes
        raise CheckpointError(f"{path} is not a valid safetensors checkpoint ({str(exc).splitlines()[0][:200]})") from None
    if "config" not in meta:
        raise CheckpointError(f"{path} has no mmexplorer config in its metadata")
    try:
        cfg = ModelConfig.from_json(meta["config"])
        extra = json.loads(meta.get("extra", "{}"))
    except (ConfigError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"{path}: bad config: {exc}") from None
    return cfg, state, extra


def _read_torch(path: Path) -> tuple[ModelConfig, dict, dict]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. the pickle-protocol notice of a file we may refuse anyway
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path} was refused: only plain tensors and configs are loaded, never code ({first})") from None
    if not isinstance(obj, dict) or "config" not in obj or "state_dict" not in obj:
        raise CheckpointError(f"{path} must hold a dict with 'config' (JSON text) and 'state_dict'")
    try:
        cfg = ModelConfig.from_json(obj["config"]) if isinstance(obj["config"], str) else ModelConfig.from_dict(obj["config"])
    except ConfigError as exc:
        raise CheckpointError(f"{path}: bad config: {exc}") from None
    return cfg, dict(obj["state_dict"]), dict(obj.get("extra", {}))


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu"):
    """Rebuild the model a checkpoint describes, in eval mode."""
    return load_checkpoint_and_extra(path, device)[0]


def load_checkpoint_and_extra(path: str | os.PathLike, device: str | torch.device = "cpu"):
    """(the model in eval mode, the checkpoint's extra facts about its training run)."""
    cfg, state, extra = read_checkpoint(path)
    try:
        model = build_model(cfg)
    except (ValueError, ConfigError) as exc:
        raise CheckpointError(f"{path}: {exc}") from None
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} tensor(s) e.g. {missing[0]}")
        if unexpected:
            parts.append(f"unexpected {len(unexpected)} e.g. {unexpected[0]}")
        raise CheckpointError(f"{path}: weights do not match its {cfg.fusion} config: " + "; ".join(parts))
    for key, tensor in state.items():
        if tuple(tensor.shape) != tuple(expected[key].shape):
            raise CheckpointError(
                f"{path}: tensor {key} has shape {tuple(tensor.shape)}, the config needs {tuple(expected[key].shape)}"
            )
    model.load_state_dict(state)
    return model.to(device).eval(), extra
