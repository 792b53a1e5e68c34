"""What the window keeps of a probe: small frozen values, CPU only (the engine's replies are in protocol/calls.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.image import LoadedImage
from mmexplorer.protocol.calls import Catalog, ModelInfo  # noqa: F401  (plain values the engine sends)


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
class ProbeResult:
    """A record together with the picture and text it was computed from."""

    request_id: int
    record: AttentionRecord
    image: LoadedImage
    text: str
    seconds: float  # wall time of the probe in the worker
    device: str  # where it actually ran (after any fallback)
