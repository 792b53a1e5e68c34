"""fusion name -> the family's adapter module (families.py), imported only when a model is loaded."""

from __future__ import annotations

from mmexplorer.engine.external.errors import ExternalModelError
from mmexplorer.engine.external.families import family


def is_external(fusion: str) -> bool:
    return family(fusion) is not None


def load_external(path: str, fusion: str, device="cpu", name: str | None = None):
    """The adapter for `path` (as told by detect_model), in eval mode on `device`, named `name`."""
    found = family(fusion)
    if found is None:
        raise ExternalModelError(f"{path}: no loader for {fusion!r}")
    model = found.adapter().load(path, device)
    if name:
        model.name = name
    return model
