"""Choosing and describing compute devices."""

from __future__ import annotations

import torch


def available_devices() -> list[str]:
    """'auto', 'cpu', every CUDA device, and 'mps' when present."""
    out = ["auto", "cpu"]
    if torch.cuda.is_available():
        out += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append("mps")
    return out


def resolve_device(name: str | None) -> torch.device:
    """'auto' -> the first GPU if any, else CPU. Unknown names raise ValueError."""
    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda:0")
        mps = getattr(torch.backends, "mps", None)
        return torch.device("mps") if mps is not None and mps.is_available() else torch.device("cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise ValueError(f"unknown device {name!r}; available: {', '.join(available_devices())}") from None
    if dev.type == "cuda" and (not torch.cuda.is_available() or (dev.index or 0) >= torch.cuda.device_count()):
        raise ValueError(f"device {name!r} is not available here; available: {', '.join(available_devices())}")
    if dev.type == "mps" and name not in available_devices():
        raise ValueError("device 'mps' is not available here")
    return dev


def is_out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in str(exc).lower()
