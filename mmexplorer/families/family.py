"""What one fusion strategy or pretrained model family is, declared once, as plain data (no torch).

Each strategy or family is one module in this package exporting FAMILY; the
registry lists them. Everything that used to keep its own list of fusion
names (config validation, the CLI's choices, the fusion buttons, the view
notes, the translations' term table, the bundle stages, the cell explainer,
batch probing, evaluation, the tests) reads this instead. The code that runs a
family (torch, transformers) is named by a dotted path and imported only when
a model is loaded, so the window's process can read every declaration without
importing torch.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

from mmexplorer.spec import FusionSpec

ORIGINS = ("bundled", "pretrained")


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 (the name Qt's lupdate looks for)
    """Marks `text` for the translation tools (lupdate reads this file); the window translates it when shown."""
    return text


@dataclass(frozen=True)
class Family:
    spec: FusionSpec  # what it is: category, cross-modal kind, default map, the note the views show
    origin: str  # "bundled": trained on the shapes world, a .safetensors checkpoint; "pretrained": a library's weights
    # The module that runs it: load(path, device, name=None) -> ExplorableModel (the model then implements
    # capture, capture_batch, head_tensors and, where the family has one, evaluate).
    implementation: str
    label: str = ""  # short name on buttons and in "<label> fusion" ("" -> the fusion name); marked for translation
    kinds: tuple[str, ...] = ()  # the attention kinds its records hold (attn/<kind>/<layer> in the npz)
    # pretrained: "module:function" capturing Q, K and V of one attention module (model, sample, kind, layer,
    # positions) -> attention.qkv.HeadTensors, for the cell explainer; "": the family's cells are not explained
    cell: str = ""
    # bundled: "module:Class" of the network (a models.fusion.base.FusionModel subclass)
    network: str = ""
    # bundled: the training stages of the shipped model, each the settings changed from its recipe
    stages: tuple[Mapping, ...] = ()
    # pretrained: how a model on disk is recognised without loading it
    architectures: tuple[str, ...] = ()  # config.json "architectures" it opens
    model_types: tuple[str, ...] = ()  # config.json "model_type", when no architecture is named
    file_suffixes: tuple[str, ...] = ()  # a weights file (not a folder) with one of these suffixes
    # what the model has that its record shows but the spec does not say (for the docs and the summary panel)
    facts: Mapping = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.origin not in ORIGINS:
            raise ValueError(f"{self.spec.fusion}: unknown origin {self.origin!r}; expected one of {', '.join(ORIGINS)}")
        if self.spec.cross_kind is not None and self.kinds and self.spec.cross_kind not in self.kinds:
            raise ValueError(f"{self.spec.fusion}: cross-modal kind {self.spec.cross_kind!r} is not among its kinds {self.kinds}")
        object.__setattr__(self, "stages", tuple(MappingProxyType(dict(s)) for s in self.stages))
        object.__setattr__(self, "facts", MappingProxyType(dict(self.facts)))

    @property
    def name(self) -> str:
        """The registry name records, checkpoints and catalog entries carry ("early", "hf-blip-itm")."""
        return self.spec.fusion

    @property
    def bundled(self) -> bool:
        return self.origin == "bundled"

    @property
    def dual_encoder(self) -> bool:
        """Scores through image-text embedding similarity: no cross-modal attention, a similarity map."""
        return self.spec.dual_encoder

    def module(self):
        """The implementation module (imports torch, and transformers for the Hugging Face families)."""
        return importlib.import_module(self.implementation)

    def network_class(self) -> type:
        if not self.network:
            raise ValueError(f"{self.name} is not a bundled strategy: it has no network class")
        module, _, cls = self.network.partition(":")
        return getattr(importlib.import_module(module), cls)

    def head_tensors(self, model, sample, kind: str, layer: int, positions: bool = True):
        """Q, K and V of `kind` layer `layer` of a pretrained model, for the cell explainer (needs `cell`)."""
        if not self.cell:
            raise ValueError(f"{self.name} declares no cell capture")
        module, _, function = self.cell.partition(":")
        return getattr(importlib.import_module(module), function)(model, sample, kind, layer, positions=positions)

    def load(self, path: str, device="cpu", name: Optional[str] = None):
        """The model at `path` in eval mode on `device`, named `name` (else its file or folder name)."""
        model = self.module().load(path, device)
        if name:
            model.name = name
        return model
