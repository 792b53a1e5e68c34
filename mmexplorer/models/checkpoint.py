"""Checkpoints: safetensors weights with the model's JSON config in the header metadata.

One file rebuilds its model with nothing else. Nothing here unpickles: `.pt`/`.pth`
files are read only with torch.load(weights_only=True).
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import torch

from mmexplorer.config import ConfigError, ModelConfig
from mmexplorer.data.files import atomic_write_bytes, parse_json, read_safetensors_header, regular_file_problem
from mmexplorer.models.budget import check_budget
from mmexplorer.models.fusion import build_model

FORMAT = "mmexplorer-checkpoint/1"


class CheckpointError(ValueError):
    """A file that is not a usable checkpoint; the message names the problem."""


def save_checkpoint(model, path: str | os.PathLike, extra: dict | None = None) -> Path:
    """Write weights + config atomically (temp file in the same folder, then rename); OutputError when it cannot."""
    return atomic_write_bytes(path, checkpoint_data(model, extra))


def checkpoint_data(model, extra: dict | None = None) -> bytes:
    """The bytes save_checkpoint writes (for writing a checkpoint together with other files, as one unit)."""
    from safetensors.torch import save

    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "config": model.cfg.to_json(), "extra": json.dumps(extra or {})}
    return save(state, metadata=meta)


def checkpoint_bytes(model) -> int:
    """About how many bytes save_checkpoint will write for `model` (to check free space before training)."""
    return sum(t.numel() * t.element_size() for t in model.state_dict().values()) + (1 << 16)


def _parse_config(path: Path, text) -> ModelConfig:
    """The config of a checkpoint, with its types, ranges and memory bound checked before anything is built."""
    try:
        if isinstance(text, str):
            cfg = ModelConfig.from_json(text)
        elif isinstance(text, dict):
            cfg = ModelConfig.from_dict(text)
        else:
            raise ConfigError("config must be JSON text or an object")
        check_budget(cfg)
    except ConfigError as exc:
        raise CheckpointError(f"{path}: bad config: {exc}") from None
    return cfg


def read_checkpoint(path: str | os.PathLike) -> tuple[ModelConfig, dict, dict]:
    """-> (config, state dict, extra metadata). Raises CheckpointError with a clear message."""
    path = Path(path)
    problem = regular_file_problem(path)
    if problem:
        raise CheckpointError(f"{path} {problem}" + (", not a checkpoint file" if problem == "is a folder" else ""))
    if path.suffix.lower() in (".pt", ".pth", ".bin"):
        cfg, state, extra = _read_torch(path)
    else:
        cfg, state, extra = _read_safetensors(path)
    _check_finite(path, state)
    return cfg, state, extra


def _read_safetensors(path: Path) -> tuple[ModelConfig, dict, dict]:
    from safetensors import safe_open

    header = read_safetensors_header(path, CheckpointError)  # bounded in bytes and depth before the library reads it
    metadata = header.get("__metadata__")
    if metadata is not None and not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise CheckpointError(f"{path} is not a valid safetensors checkpoint (its metadata must map names to text)")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            if "config" not in meta:
                raise CheckpointError(f"{path} has no mmexplorer config in its metadata")
            cfg = _parse_config(path, meta["config"])  # before a single tensor is read
            state = {k: f.get_tensor(k) for k in f.keys()}
    except CheckpointError:
        raise
    except Exception as exc:  # safetensors raises its own error types for bad headers and sizes
        raise CheckpointError(f"{path} is not a valid safetensors checkpoint ({str(exc).splitlines()[0][:200]})") from None
    extra = parse_json(meta.get("extra", "{}"), CheckpointError, f"{path}: the extra metadata")
    return cfg, state, extra if isinstance(extra, dict) else {}


def _check_finite(path: Path, state: dict) -> None:
    """A checkpoint with NaN or infinite weights would probe as 'match nan': refuse it by name."""
    for key, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            raise CheckpointError(f"{path}: {key} is not a tensor")
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise CheckpointError(f"{path}: tensor {key} holds NaN or infinite values; the weights are unusable")


def _read_torch(path: Path) -> tuple[ModelConfig, dict, dict]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. the pickle-protocol notice of a file we may refuse anyway
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"{path} was refused: only plain tensors and configs are loaded, never code ({first})") from None
    if not isinstance(obj, dict) or "config" not in obj or not isinstance(obj.get("state_dict"), dict):
        raise CheckpointError(f"{path} must hold a dict with 'config' (JSON text) and 'state_dict'")
    cfg = _parse_config(path, obj["config"])
    extra = obj.get("extra", {})
    return cfg, dict(obj["state_dict"]), dict(extra) if isinstance(extra, dict) else {}


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
