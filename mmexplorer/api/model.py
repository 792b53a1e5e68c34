"""Model: a loaded or wrapped model as the public API hands it out, and load / wrap / probe."""

from __future__ import annotations

import dataclasses
import os
from typing import Optional, Union

from mmexplorer.api import _engine
from mmexplorer.api.images import as_image
from mmexplorer.api.record import Record


class Model:
    """A model ready to probe: bundled, a checkpoint, a Hugging Face folder or hub id, or one held in memory."""

    def __init__(self, explorable, path: str = "") -> None:
        self._model = explorable  # engine.model_api.ExplorableModel
        self.path = path  # what `--model` (and the explorer) can open it by; "" for a model held only in memory

    @property
    def name(self) -> str:
        return self._model.name

    @property
    def fusion(self) -> str:
        """The fusion strategy or family: early, late, hybrid, cross, contrastive, hf-clip, hf-blip-itm, ..."""
        return self._model.spec.fusion

    @property
    def device(self) -> str:
        return str(self._model.device)

    @property
    def in_memory(self) -> bool:
        """True for a wrapped model: the explorer can show its records but cannot run it again."""
        return not self.path

    @property
    def explanation(self) -> str:
        """One line on how this model fuses the picture and the text."""
        return self._model.spec.note

    def summary(self) -> dict:
        """The model's configuration and facts, as the explorer's model panel shows them."""
        return dict(self._model.summary())

    @property
    def network(self):
        """The torch module(s) holding the weights (one for every family)."""
        nets = list(self._model.networks())
        return nets[0] if len(nets) == 1 else nets

    def __repr__(self) -> str:
        where = self.path or "in memory"
        return f"<mmexplorer.Model {self.name} ({self.fusion}) on {self.device}, {where}>"


def load(name_or_path: Union[str, os.PathLike, None] = None, device: str = "auto") -> Model:
    """A model by whatever `mmexplorer --model` accepts (None: the bundled default).

    A catalog name (`mmexplorer models`), a checkpoint file, a Hugging Face model folder or weights
    file, or a hub id from the local cache (downloaded into it first when not there).
    device: auto (a GPU when there is one), cpu, cuda, cuda:N, mps. Raises ValueError for a model
    that cannot be found or opened, saying why.
    """
    explorable, entry = _engine.load(None if name_or_path is None else str(name_or_path), device)
    return Model(explorable, str(entry.path) if entry.source == "file" else entry.name)


def wrap(model, processor, name: Optional[str] = None) -> Model:
    """A transformers model of a supported family already in memory (e.g. fine-tuned), without saving it.

    `processor` is its processor (AutoProcessor; an image processor for ViT). The model is switched to
    eval mode and eager attention (the attention weights exist only there) and stays on its device;
    its weights must be float32. Raises ValueError for an unsupported model or processor.
    """
    return Model(_engine.wrap(model, processor, name), "")


def probe(model: Model, image, text: str, relevancy: bool = True) -> Record:
    """Run `model` on a picture (a path, a PIL image or an array [H, W, 3]) and a text -> a Record.

    With `relevancy` the backward pass for gradient-weighted relevancy runs too (about twice the time).
    """
    if not isinstance(model, Model):
        raise TypeError(f"probe needs a model from mmexplorer.load or mmexplorer.wrap, not {type(model).__name__}")
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    loaded = as_image(image)
    record = _engine.probe(model._model, loaded, text, relevancy)
    # how the explorer can open the model again ("": held only in memory, so it cannot)
    record = dataclasses.replace(record, meta={**record.meta, "model_path": model.path})
    return Record(record, loaded.pixels)
