"""A transformers model already in memory (a fine-tuned one in a notebook) as an explorable model.

The family is found from the network's class (else its config's model_type),
through the same registry that reads config.json for a folder; the family's
adapter wraps the network with its `from_objects`, exactly as its `load` does
after reading the folder, so both give the same record.
"""

from __future__ import annotations

import torch

from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer import families


def wrap_in_memory(net, processor, name: str | None = None):
    """-> the family's ExplorableModel around `net` (put in eval mode, attention switched to eager)."""
    if not isinstance(net, torch.nn.Module) or getattr(net, "config", None) is None:
        raise ExternalModelError(
            f"wrap needs a transformers model (a torch module with a .config), not {type(net).__name__}")
    found = families.for_hf_config([type(net).__name__], None) or families.for_hf_config([], getattr(net.config, "model_type", None))
    if found is None:
        raise ExternalModelError(
            f"{type(net).__name__} is not a supported model class; supported: " + ", ".join(families.supported_architectures()))
    if processor is None:
        raise ExternalModelError(f"wrap needs the model's processor (e.g. AutoProcessor.from_pretrained(...)) "
                                 f"for {type(net).__name__}")
    if found.spec.category != "image-only" and not (hasattr(processor, "image_processor") and hasattr(processor, "tokenizer")):
        raise ExternalModelError(f"{type(net).__name__} needs a processor with both a tokenizer and an image processor "
                                 f"(AutoProcessor), not {type(processor).__name__}")
    dtypes = {p.dtype for p in net.parameters()}
    if dtypes - {torch.float32}:
        names = ", ".join(sorted(str(d).replace("torch.", "") for d in dtypes))
        raise ExternalModelError(f"the model's weights are {names}; attention is explored in float32: "
                                 "pass model.float() (a copy is made only if you make one)")
    _eager(net)
    net.eval()  # dropout off: the record is the model's deterministic answer
    return found.module().from_objects(net, processor, name or _default_name(net), "")


def _eager(net) -> None:
    """Attention weights exist only with the eager implementation (the fused SDPA kernel returns none)."""
    if getattr(net.config, "_attn_implementation", "eager") in (None, "eager"):
        subs = [getattr(net.config, n, None) for n in (getattr(net.config, "sub_configs", None) or {})]
        if all(getattr(s, "_attn_implementation", "eager") in (None, "eager") for s in subs if s is not None):
            return
    setter = getattr(net, "set_attn_implementation", None)
    if setter is None:
        raise ExternalModelError("the model does not run eager attention and cannot be switched to it; "
                                 "load it with attn_implementation='eager'")
    setter("eager")


def _default_name(net) -> str:
    """The hub id or folder name transformers recorded when the model was loaded, else its class name."""
    from pathlib import Path

    from mmexplorer.hub import looks_like_repo_id

    source = str(getattr(net.config, "_name_or_path", "") or "")
    if source and looks_like_repo_id(source):
        return source
    return Path(source).name or type(net).__name__
