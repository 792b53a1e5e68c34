"""The public API's one door into the engine: loading, wrapping and probing models.

Every call the API makes into mmexplorer.engine goes through here, so the
rest of the API never imports torch, and a move of the engine's modules
changes only this file.
"""

from __future__ import annotations

from mmexplorer.attention.record import AttentionRecord
from mmexplorer.data.image import LoadedImage


def load(name_or_path: str | None, device: str | None):
    """-> (ExplorableModel, its catalog entry): whatever `--model` accepts; a hub id not cached is downloaded."""
    from mmexplorer.engine.probe import load_model

    return load_model(name_or_path, device, download=True)


def wrap(net, processor, name: str | None):
    """-> ExplorableModel around an in-memory transformers network of a supported family (left on its device)."""
    from mmexplorer.engine.external.in_memory import wrap_in_memory

    return wrap_in_memory(net, processor, name)


def probe(model, image: LoadedImage, text: str, relevancy: bool) -> AttentionRecord:
    """One forward pass (and with `relevancy` the backward pass) of `model` on the picture and text."""
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import probe as run

    return run(model, Sample(image, model.tokenizer.encode(text)), relevancy=relevancy)
