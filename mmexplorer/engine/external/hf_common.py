"""Loading Hugging Face pieces strictly from local files, with eager attention.

Nothing here may reach the network: offline mode is set before transformers
is imported and every from_pretrained call passes local_files_only=True.
trust_remote_code stays off, so no code from the folder is ever run.
"""

from __future__ import annotations

import dataclasses
import enum
import os
from pathlib import Path

from mmexplorer.engine.external.errors import HF_MISSING, ExternalModelError

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def import_transformers():
    """transformers, offline and quiet; one clear error when the optional extra is missing."""
    os.environ.update(OFFLINE_ENV)  # huggingface_hub reads these when it is first imported
    try:
        import transformers
    except ImportError:
        raise ExternalModelError(HF_MISSING) from None
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()  # no bars on the CLI's stderr
    return transformers


def from_folder(cls, folder: str | Path, what: str, **kwargs):
    """cls.from_pretrained(folder) from local files only; a missing or broken file is the user's error."""
    try:
        return cls.from_pretrained(str(folder), local_files_only=True, **kwargs)
    except MemoryError:
        raise
    except Exception as exc:  # OSError, ValueError, UnpicklingError, a size-mismatch RuntimeError: the folder's fault
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExternalModelError(f"{folder}: cannot load the {what} ({first})") from None


def load_eager(cls, folder: str | Path, device):
    """The network in float32 eval mode with eager attention, so attention weights exist."""
    net = from_folder(cls, folder, "model weights", attn_implementation="eager")
    return net.float().eval().to(device)


def processor_settings(processor) -> dict:
    """What the image processor does to a photo, for the record's meta and the summary panel."""
    keys = ("do_resize", "size", "resample", "do_center_crop", "crop_size", "do_rescale", "rescale_factor",
            "do_normalize", "image_mean", "image_std")
    out = {"class": type(processor).__name__}
    for key in keys:
        value = getattr(processor, key, None)
        if value is not None:
            out[key] = _plain(value)
    return out


def _plain(value):
    """A JSON-able form of a processor setting (dicts, transformers' SizeDict, enums, sequences)."""
    if isinstance(value, enum.Enum):
        return value.name  # e.g. BICUBIC rather than 3
    if dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def pixel_values(processor, pil_image):
    """[1, 3, H, W] float32 from the model's own image processor."""
    return processor(images=pil_image, return_tensors="pt")["pixel_values"].float()
