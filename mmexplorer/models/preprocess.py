"""Turning a Sample into the tensors a model takes. Travels with the model config."""

from __future__ import annotations

import threading
import weakref
from typing import Optional, Sequence

import numpy as np
import torch
from PIL import Image

from mmexplorer.config import ModelConfig
from mmexplorer.data.tokenizer import Encoding, Tokenizer
from mmexplorer.models.fusion.base import PIXEL_MEAN, PIXEL_STD

# (x / 255 - mean) / std  ==  x * _SCALE + _OFFSET, per channel
_SCALE = (1.0 / (255.0 * np.asarray(PIXEL_STD, dtype=np.float32)))
_OFFSET = (-np.asarray(PIXEL_MEAN, dtype=np.float32) / np.asarray(PIXEL_STD, dtype=np.float32))


def letterbox_fit(width: int, height: int, side: int, patch: int) -> tuple[int, int, int, int]:
    """(w, h, x0, y0): the picture scaled to fit a side x side input, aspect ratio kept, and where it sits.

    Its sides are rounded to whole patches (a stretch of at most half a patch per side) and it is centred
    with its offset rounded down to whole patches, so every patch is either padding only or picture only.
    A patch half picture, half padding is one no model was trained on: a 192 x 128 picture fitted to
    128 x 85 px took the bundled hybrid model's match probability from 0.76-0.97 (at 128 x 80 or 96) to 0.00.
    """
    scale = side / max(width, height)

    def fit(length: int) -> int:
        return max(patch, min(side, round(length * scale / patch) * patch))

    w, h = fit(width), fit(height)
    return w, h, (side - w) // 2 // patch * patch, (side - h) // 2 // patch * patch


class _LastPicture:
    """The picture resized last and its resized copies, for a picture asked about again and again.

    The explorer probes one picture many times (a probe per caption edit, the
    gradients when relevancy is picked, a weight explained per click), and
    shrinking a 12-megapixel photo takes about 60 ms where a bundled model's
    whole probe takes 5. Only a picture that cannot be written is remembered
    (the explorer's are made read-only, protocol/wire.py decodes read-only), so
    what was resized is still what is there; it is held by a weak reference, so
    remembering it never keeps a photo in memory.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the CLI may resize from several threads
        self._source: Optional[weakref.ref] = None
        self._copies: dict[tuple[int, int], np.ndarray] = {}  # (w, h) -> read-only uint8 [h, w, 3]

    def get(self, pixels: np.ndarray, size: tuple[int, int]) -> Optional[np.ndarray]:
        with self._lock:
            if self._source is not None and self._source() is pixels and not pixels.flags.writeable:
                return self._copies.get(size)
        return None

    def put(self, pixels: np.ndarray, size: tuple[int, int], copy: np.ndarray) -> None:
        if pixels.flags.writeable:
            return
        copy.flags.writeable = False  # shared by every later call: nobody may change it
        with self._lock:
            if self._source is None or self._source() is not pixels:
                self._source, self._copies = weakref.ref(pixels), {}
            if len(self._copies) < 8:  # a few models' sizes; never a growing pile
                self._copies[size] = copy


_last_picture = _LastPicture()


def resized(pixels: np.ndarray, side: int, mode: str = "square", patch: int = 1) -> np.ndarray:
    """The resize image_tensor applies (none when already that size): uint8 [H, W, 3] -> [side, side, 3],
    or with mode "letterbox" -> [h, w, 3] fitting inside side x side with the aspect ratio kept (unpadded;
    `patch`: the model's patch size, to which letterbox_fit rounds the sides). The same read-only picture
    at the same size is resized once (_LastPicture); the copy returned then is read-only."""
    height, width = pixels.shape[:2]
    if mode == "letterbox":
        w, h, _, _ = letterbox_fit(width, height, side, patch)
        size = (w, h)
    else:
        size = (side, side)
    if (width, height) == size:
        return pixels
    copy = _last_picture.get(pixels, size)
    if copy is None:
        copy = np.asarray(Image.fromarray(np.ascontiguousarray(pixels)).resize(size, Image.BILINEAR))  # antialiased when shrinking
        _last_picture.put(pixels, size, copy)
    return copy


def input_geometry(cfg: ModelConfig, width: int, height: int, grid: tuple[int, int]):
    """(image_box, valid) for a width x height picture on a `grid` input of `cfg`.

    image_box: [x0, y0, x1, y1] in the picture's pixels that the patch grid covers (beyond the picture where
    the input is padded); valid: bool [rows, cols], False for patches of padding only (None: all are valid).
    """
    if cfg.preprocess != "letterbox":
        return (0.0, 0.0, float(width), float(height)), None
    side = grid[0] * cfg.patch_size
    w, h, x0, y0 = letterbox_fit(width, height, side, cfg.patch_size)
    sx, sy = w / width, h / height  # input pixels per picture pixel
    box = (-x0 / sx, -y0 / sy, (side - x0) / sx, (side - y0) / sy)
    p = cfg.patch_size
    cols = (np.arange(grid[1]) * p < x0 + w) & ((np.arange(grid[1]) + 1) * p > x0)
    rows = (np.arange(grid[0]) * p < y0 + h) & ((np.arange(grid[0]) + 1) * p > y0)
    return box, rows[:, None] & cols[None, :]


def image_tensor(pixels: np.ndarray | Sequence[np.ndarray], cfg: ModelConfig, size: int | None = None) -> torch.Tensor:
    """uint8 [H, W, 3] (or a list of them) -> normalised float [B, 3, S, S].

    With cfg.preprocess "square" the whole image is resized (not cropped) to
    S x S, so the patch grid covers the full original picture whatever its
    aspect ratio. With "letterbox" it is scaled to fit with its aspect ratio
    kept (letterbox_fit) and the rest of the input is exactly 0 — a value no
    picture pixel normalises to (PIXEL_MEAN * 255 is not a whole number) — so
    the model finds its padded patches from the tensor alone (FusionModel.patch_mask).
    """
    arrays = [pixels] if isinstance(pixels, np.ndarray) else list(pixels)
    side = size or cfg.image_size
    # Resizing in Pillow and normalising in numpy, one channel plane at a time: a few
    # single-threaded C loops over contiguous memory, far cheaper for one image than a
    # chain of small multi-threaded torch ops or numpy broadcasting over a last axis
    # of 3. Writing into `batch` also means read-only input arrays (the GUI hands
    # those over) are never aliased.
    if cfg.preprocess == "letterbox":
        batch = np.zeros((len(arrays), 3, side, side), dtype=np.float32)  # [B, 3, S, S]
        for i, arr in enumerate(arrays):
            w, h, x0, y0 = letterbox_fit(arr.shape[1], arr.shape[0], side, cfg.patch_size)
            arr = resized(arr, side, "letterbox", cfg.patch_size)
            for c in range(3):
                window = batch[i, c, y0 : y0 + h, x0 : x0 + w]
                np.multiply(arr[:, :, c], _SCALE[c], out=window)
                window += _OFFSET[c]
        return torch.from_numpy(batch)
    batch = np.empty((len(arrays), 3, side, side), dtype=np.float32)  # [B, 3, S, S]
    for i, arr in enumerate(arrays):
        arr = resized(arr, side)
        for c in range(3):
            np.multiply(arr[:, :, c], _SCALE[c], out=batch[i, c])
            batch[i, c] += _OFFSET[c]
    return torch.from_numpy(batch)


def text_tensor(encodings: Encoding | Sequence[Encoding], tokenizer: Tokenizer) -> tuple[torch.Tensor, torch.Tensor]:
    """Encodings -> ids [B, L] with [CLS] at 0 and right padding, mask [B, L] True for real tokens."""
    encs = [encodings] if isinstance(encodings, Encoding) else list(encodings)
    length = 1 + max((len(e.tokens) for e in encs), default=0)
    # filled in numpy: a handful of tiny torch ops would cost more than the whole fill
    ids = np.full((len(encs), length), tokenizer.pad_id, dtype=np.int64)
    mask = np.zeros((len(encs), length), dtype=bool)
    for row, enc in enumerate(encs):
        ids[row, 0] = tokenizer.cls_id
        ids[row, 1 : 1 + len(enc.ids)] = enc.ids
        mask[row, : 1 + len(enc.ids)] = True
    return torch.from_numpy(ids), torch.from_numpy(mask)
