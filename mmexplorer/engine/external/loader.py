"""A pretrained family's model from disk, through its declaration in mmexplorer/families."""

from __future__ import annotations

from mmexplorer import families
from mmexplorer.engine.external.errors import ExternalModelError


def is_external(fusion: str) -> bool:
    found = families.find(fusion)
    return found is not None and not found.bundled


def load_external(path: str, fusion: str, device="cpu", name: str | None = None):
    """The family's model for `path` (as told by detect_model), in eval mode on `device`, named `name`."""
    if not is_external(fusion):
        raise ExternalModelError(f"{path}: no loader for {fusion!r}")
    return families.get(fusion).load(path, device, name)
