"""Loading Hugging Face pieces strictly from local files, with eager attention.

Nothing here may reach the network: every from_pretrained call passes
local_files_only=True (the process's environment is left as it is; fetching
a hub id is hub.py's business, before anything is loaded).
trust_remote_code stays off, so no code from the folder is ever run.
"""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path

from mmexplorer.engine.external.errors import HF_MISSING, ExternalModelError

def import_transformers():
    """transformers, quiet; one clear error when the optional extra is missing."""
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


def load_image_text_processor(tf, folder: str | Path):
    """The folder's AutoProcessor, which must hold both a tokenizer and an image processor."""
    processor = from_folder(tf.AutoProcessor, folder, "processor (tokenizer and image processor)")
    if not hasattr(processor, "image_processor") or not hasattr(processor, "tokenizer"):
        raise ExternalModelError(f"{folder}: the saved processor needs both a tokenizer and an image processor")
    return processor


def vision_tower(vc) -> dict:
    """A vision tower's shape for the summary panel, from its config."""
    return {"layers": int(vc.num_hidden_layers), "heads": int(vc.num_attention_heads), "width": int(vc.hidden_size),
            "patch_size": int(vc.patch_size), "image_size": int(vc.image_size)}


def text_tower(tc) -> dict:
    """A text tower's shape for the summary panel, from its config."""
    return {"layers": int(tc.num_hidden_layers), "heads": int(tc.num_attention_heads), "width": int(tc.hidden_size),
            "max_tokens": int(tc.max_position_embeddings), "vocabulary": int(tc.vocab_size)}


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


def require_attentions(model: str, sets: dict) -> None:
    """Fail loudly when the library returned no attention weights for a set (e.g. a fused SDPA kernel ran)."""
    for kind, weights in sets.items():
        if not weights or any(w is None for w in weights):
            raise ExternalModelError(
                f"{model}: the model returned no {kind} attention weights (an attention implementation other "
                "than eager ran); cannot show attention"
            )


def require_package(module: str, package: str, why: str) -> None:
    """One clear error naming the pip package when an optional library the family needs is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ExternalModelError(f"{why} needs the {package!r} package: pip install {package}")


def load_eager_config(cls, folder: str | Path, device):
    """load_eager, then check that every sub-config really runs eager attention."""
    net = load_eager(cls, folder, device)
    for sub in [net.config, *(getattr(net.config, n, None) for n in net.config.sub_configs or {})]:
        impl = getattr(sub, "_attn_implementation", "eager") if sub is not None else "eager"
        if impl not in (None, "eager"):
            raise ExternalModelError(f"{folder}: attention implementation {impl!r} is not eager")
    return net
