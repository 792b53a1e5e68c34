"""A model the engine can load, as its catalog lists it: the window shows these and names one back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelEntry:
    name: str
    fusion: str
    path: str
    source: str  # "bundled" | "user" | "file"

    def to_dict(self) -> dict:
        return {"name": self.name, "fusion": self.fusion, "path": self.path, "source": self.source}
