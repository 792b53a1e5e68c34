"""What travels between the GUI thread and the probe worker: small frozen values, CPU only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.image import LoadedImage
from mmexplorer.engine.catalog import ModelEntry  # no torch behind it


@dataclass(frozen=True)
class ProbeRequest:
    id: int  # increases with every request; the newest one wins
    model: str  # catalog name or checkpoint path
    device: str  # "auto", "cpu", "cuda:N", "mps"
    image: LoadedImage  # pixels are read-only
    text: str
    relevancy: bool = False  # also run the backward pass that gradient relevancy needs

    def same_input(self, other: Optional["ProbeRequest"]) -> bool:
        """True when `other` already asks for everything this probe would give (so it can be merged with this one)."""
        return (
            other is not None
            and other.model == self.model
            and other.device == self.device
            and other.image is self.image
            and other.text == self.text
            and (other.relevancy or not self.relevancy)
        )


@dataclass(frozen=True)
class Catalog:
    models: tuple[ModelEntry, ...]  # the engine's catalog entries (plain frozen values)
    devices: tuple[str, ...]
    default: Optional[str]
    error: Optional[str] = None  # set when the engine itself could not start

    def for_fusion(self, fusion: str) -> Optional[ModelEntry]:
        return next((m for m in self.models if m.fusion == fusion), None)

    def find(self, name: str) -> Optional[ModelEntry]:
        return next((m for m in self.models if m.name == name or m.path == name), None)


@dataclass(frozen=True)
class ModelInfo:
    """The loaded model, described for the summary panel and the tokenizer."""

    name: str
    fusion: str
    path: str
    source: str
    device: str
    parameters: int
    has_cross_modal_attention: bool
    config_json: str = field(repr=False)  # the checkpoint's config
    spec_json: str = field(default="{}", repr=False)  # the fusion spec (mmexplorer.spec.FusionSpec.to_dict)

    @property
    def config(self) -> dict:
        return json.loads(self.config_json)

    @property
    def spec(self) -> dict:
        return json.loads(self.spec_json)


@dataclass(frozen=True)
class ProbeResult:
    """A record together with the picture and text it was computed from."""

    request_id: int
    record: AttentionRecord
    image: LoadedImage
    text: str
    seconds: float  # wall time of the probe in the worker
    device: str  # where it actually ran (after any fallback)
