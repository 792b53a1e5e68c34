"""Decoding and tokenising pairs in torch DataLoader workers.

Each rank takes the records whose index % world == rank; among a rank's
records, worker w of n takes every n-th. Pairs already in the store are
skipped before their image is read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import numpy as np
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from mmexplorer.data.image import load_image
from mmexplorer.data.sample import Sample
from mmexplorer.engine.bulk.metrics import resolve_boxes
from mmexplorer.engine.bulk.pairs import PairSpec, iter_pairs
from mmexplorer.models.preprocess import image_tensor


@dataclass(frozen=True)
class Item:
    spec: PairSpec
    sample: Optional[Sample] = None
    pixels: Optional[np.ndarray] = None  # float32 [3, S, S], the model's normalised input (bundled models)
    error: Optional[str] = None


def _message(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text or type(exc).__name__


def prepare(spec: PairSpec, tokenizer, cfg=None) -> Item:
    """Read the image and tokenise the text; any failure becomes the item's error."""
    if spec.error:
        return Item(spec, error=spec.error)
    try:
        image = load_image(spec.image_path)
        encoding = tokenizer.encode(spec.text)
    except Exception as exc:  # one bad pair never stops the run
        return Item(spec, error=_message(exc))
    boxes, bad = resolve_boxes(spec.boxes, encoding)
    if bad:
        return Item(spec, error=bad)
    spec = dataclasses.replace(spec, boxes=boxes)
    sample = Sample(image, encoding)
    pixels = image_tensor(image.pixels, cfg).numpy()[0] if cfg is not None else None
    return Item(spec, sample, pixels)


class PairDataset(IterableDataset):
    def __init__(self, path, tokenizer, cfg=None, rank: int = 0, world: int = 1, done: frozenset = frozenset()) -> None:
        self.path, self.tokenizer, self.cfg = path, tokenizer, cfg
        self.rank, self.world, self.done = rank, world, done

    def __iter__(self):
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        for spec in iter_pairs(self.path):
            if spec.index % self.world != self.rank or (spec.index // self.world) % workers != worker:
                continue
            if spec.index in self.done:
                continue
            yield prepare(spec, self.tokenizer, self.cfg)


def _one(item):
    return item  # no collation: items carry numpy arrays and strings, batched by the runner


def pair_loader(dataset: PairDataset, workers: int) -> DataLoader:
    return DataLoader(dataset, batch_size=None, num_workers=workers, collate_fn=_one,
                      prefetch_factor=4 if workers else None, persistent_workers=False)
