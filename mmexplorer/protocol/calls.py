"""What the window's process and the engine process say to each other: frozen dataclasses of plain values.

Calls go to the engine, replies come back; every call and reply carries the
`id` of the call it answers so the window can drop stale answers. Pictures
travel as LoadedImage (uint8 pixels; a call's `image` crosses as a SentImage
when the engine has that picture already: protocol/sent_images.py), records as
AttentionRecord (numpy arrays), explanations as CellExplanation;
protocol/wire.py writes them without pickle. No torch here: the window's
process imports this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional

from mmexplorer.attention.cell_record import CellExplanation, Place
from mmexplorer.data.image import LoadedImage
from mmexplorer.protocol.entries import ModelEntry
from mmexplorer.protocol.wire import allow, message_type

allow(LoadedImage, ModelEntry, CellExplanation, Place)


# -- values the window keeps ---------------------------------------------------
@message_type
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


@message_type
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


# -- calls -------------------------------------------------------------------------
@message_type
@dataclass(frozen=True)
class ListModels:
    id: int


@message_type
@dataclass(frozen=True)
class Probe:
    id: int
    model: str  # catalog name or checkpoint path
    device: str  # "auto", "cpu", "cuda:N", "mps"
    image: LoadedImage
    text: str
    relevancy: bool = False
    hooks: str = "{}"  # JSON; honoured only when MMEXPLORER_ENGINE_TEST_HOOKS=1 (see engine/service.py)


@message_type
@dataclass(frozen=True)
class ExplainCell:
    id: int
    model: str
    device: str
    image: LoadedImage
    text: str
    kind: str
    layer: int
    head: int
    query: int
    key: int


@message_type
@dataclass(frozen=True)
class Stop:
    """End the engine's loop; the process exits."""


# -- replies -------------------------------------------------------------------------
@message_type
@dataclass(frozen=True)
class Listed:
    id: int
    catalog: Catalog


@message_type
@dataclass(frozen=True)
class Started:
    id: int  # a probe really starts running (the window counts runs with it)


@message_type
@dataclass(frozen=True)
class ModelLoaded:
    id: int
    info: ModelInfo


@message_type
@dataclass(frozen=True)
class FellBack:
    """The probe ran out of memory on `lost` and is being rerun on the CPU."""

    id: int
    lost: str  # the device asked for ("auto" when the engine picked the GPU)


@message_type
@dataclass(frozen=True)
class Probed:
    id: int
    record: object  # AttentionRecord
    seconds: float  # wall time of the probe in the engine
    device: str  # where it actually ran (after any fallback)


@message_type
@dataclass(frozen=True)
class Explained:
    id: int
    explanation: CellExplanation


@message_type
@dataclass(frozen=True)
class Failed:
    id: int
    channel: str  # "probe" or "cell"
    message: str  # one line, no traceback: the user's bad input said in words, or a fault's detail
    fault: str = ""  # "" (message is for the user as it is), "memory" (out of memory), "model" (the model broke)


# -- training (its own engine process: see gui/training/worker.py) -------------------------
@message_type
@dataclass(frozen=True)
class Train:
    id: int
    recipe: str  # a name from protocol/recipes.py
    fusion: str
    steps: int
    lr: float
    seed: int
    device: str
    tasks: tuple[str, ...]
    sharing: str
    grounding: bool
    out: str  # checkpoint path to write
    extra_json: str = "{}"  # further TrainSettings overrides, as JSON
    hooks: str = "{}"  # test hooks (engine/service.py), honoured only under the tests' environment variable


@message_type
@dataclass(frozen=True)
class CancelTrain:
    """Stop the running training after its current step (its last whole checkpoint stays)."""

    id: int


@message_type
@dataclass(frozen=True)
class TrainStep:
    """engine.train.Progress, field for field (that module imports torch; this one must not)."""

    step: int
    total: int
    loss: float
    accuracy: float
    hard_accuracy: float
    elapsed: float
    eta: float
    lr: float
    losses: dict = field(default_factory=dict)
    checkpoint: Optional[str] = None


@message_type
@dataclass(frozen=True)
class Trained:
    id: int
    path: Optional[str]  # the last good checkpoint, None when nothing was written
    steps: int
    total: int
    cancelled: bool
    error: Optional[str] = None  # one line when the run failed (a fault)
    reason: Optional[str] = None  # one line when the run was stopped by its input (a NaN loss, a full disk, a lock)


# -- comparing models (its own engine process: see gui/compare/worker.py) --------------------
@message_type
@dataclass(frozen=True)
class Compare:
    """One input through several models; a newer Compare makes the engine stop after the current model."""

    id: int
    models: tuple[tuple[str, str], ...]  # (name, checkpoint path)
    image: LoadedImage
    text: str
    device: str


@message_type
@dataclass(frozen=True)
class Compared:
    id: int
    name: str
    record: object  # AttentionRecord, or None when the model failed
    error: Optional[str] = None


@message_type
@dataclass(frozen=True)
class CompareDone:
    id: int


@message_type
@dataclass(frozen=True)
class Evaluate:
    id: int
    models: tuple[tuple[str, str], ...]
    scenes: int
    cache: Optional[str] = None  # a JSON file of reports by (path, size, mtime, scenes)


@message_type
@dataclass(frozen=True)
class Evaluated:
    id: int
    name: str
    report_json: Optional[str]  # engine.evaluate's report, as JSON
    error: Optional[str] = None
