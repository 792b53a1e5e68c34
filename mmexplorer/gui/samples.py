"""The bundled sample images and their captions (resources/samples/index.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mmexplorer.config import RESOURCES

SAMPLES_DIR = RESOURCES / "samples"
FALLBACK_TEXT = "a red circle and a blue square"


@dataclass(frozen=True)
class SampleImage:
    path: Path
    text: str  # a caption that fits the picture
    title: str


def list_samples(folder: Path = SAMPLES_DIR) -> list[SampleImage]:
    """Samples in index order; a missing or broken index gives no samples rather than an error."""
    try:
        entries = json.loads((folder / "index.json").read_text())["samples"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    out = []
    for e in entries:
        path = folder / str(e.get("file", ""))
        if path.is_file():
            out.append(SampleImage(path, str(e.get("text", FALLBACK_TEXT)), str(e.get("title", path.stem))))
    return out
