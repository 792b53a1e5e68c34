"""Decoding and tokenising pairs in torch DataLoader workers.

Each rank takes the records whose index % world == rank; among a rank's
records, worker w of n takes every n-th. Pairs the summaries already list
are skipped before their image is read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import numpy as np
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from mmexplorer.data.image import LoadedImage, load_image
from mmexplorer.data.sample import Sample
from mmexplorer.data.tokenizer import Encoding
from mmexplorer.engine.bulk.metrics import resolve_boxes
from mmexplorer.engine.bulk.pairs import PairSpec, iter_pairs
from mmexplorer.models.preprocess import resized


@dataclass(frozen=True)
class Item:
    spec: PairSpec
    loaded: Optional[Sample] = None  # the whole picture (pretrained models, which preprocess it themselves)
    pixels: Optional[np.ndarray] = None  # uint8 [S, S, 3] (letterbox: fitting in S x S): the picture at the model's input
    encoding: Optional[Encoding] = None
    image: Optional[tuple] = None  # (height, width, source, notes) of the original picture
    error: Optional[str] = None

    @property
    def sample(self) -> Sample:
        """The pair's Sample. Only the resized picture travels back from a worker (a photo can be
        megabytes); the record needs just the original's size, so the sample holds a zero-copy stand-in."""
        if self.loaded is not None:
            return self.loaded
        height, width, source, notes = self.image
        stand_in = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (height, width, 3))
        return Sample(LoadedImage(stand_in, source, notes), self.encoding)


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
    if cfg is None:  # a pretrained model preprocesses the picture itself
        return Item(spec, loaded=Sample(image, encoding))
    height, width = image.pixels.shape[:2]
    return Item(spec, pixels=resized(image.pixels, cfg.image_size, cfg.preprocess, cfg.patch_size), encoding=encoding,
                image=(height, width, image.source, image.notes))


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


def _as_list(items):
    return list(items)  # no collation: items carry numpy arrays and strings, batched by the runner


FETCH = 16  # items per message from a worker: one message per item costs about a millisecond each


def pair_items(dataset: PairDataset, workers: int):
    """The dataset's items, decoded in `workers` processes (none: in this one), in arrival order."""
    if workers == 0:
        yield from dataset
        return
    loader = DataLoader(dataset, batch_size=FETCH, num_workers=workers, collate_fn=_as_list, prefetch_factor=4,
                        worker_init_fn=end_with_parent)
    chunks = iter(loader)
    try:
        for chunk in chunks:
            yield from chunk
    finally:
        # a run stopped by an error ends its workers now, not when the traceback holding the iterator is freed
        shutdown = getattr(chunks, "_shutdown_workers", None)
        if shutdown is not None:
            shutdown()


def end_with_parent(_worker_id: int = 0) -> None:
    """In a worker: be killed with the process that started it (Linux), even if that one is killed outright.

    Without it a SIGKILLed run's workers notice only at their next poll, holding the caller's pipes until then.
    """
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
