"""What travels between the window and the engine client for one explained attention weight."""

from __future__ import annotations

from dataclasses import dataclass

from mmexplorer.attention.cell_record import CellExplanation
from mmexplorer.data.image import LoadedImage


@dataclass(frozen=True)
class CellRequest:
    id: int  # increases with every request; the newest one wins
    result_id: int  # the probe result whose record the cell belongs to (stale once another result is shown)
    model: str  # catalog name or path, as the probe used
    device: str
    image: LoadedImage  # the probe's picture (read-only pixels)
    text: str
    kind: str
    layer: int
    head: int
    query: int  # indices as in the record's attention[kind][layer] [heads, queries, keys]
    key: int


@dataclass(frozen=True)
class CellResult:
    request: CellRequest
    explanation: CellExplanation  # numpy values only
