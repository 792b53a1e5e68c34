"""A picture as the API takes it (a path, a PIL image or an array) -> a validated LoadedImage."""

from __future__ import annotations

import os

import numpy as np

from mmexplorer.data.image import ImageError, LoadedImage, load_image


def as_image(image) -> LoadedImage:
    """A file path, a PIL image, or an array uint8 [H, W, 3] (or [H, W] grey, [H, W, 4] RGBA, floats in 0..1)."""
    if isinstance(image, LoadedImage):
        return image
    if isinstance(image, (str, os.PathLike)):
        return load_image(image)
    if hasattr(image, "convert") and hasattr(image, "size") and hasattr(image, "mode"):  # a PIL image
        return LoadedImage(np.asarray(image.convert("RGB"), dtype=np.uint8).copy(), "PIL image")
    if isinstance(image, np.ndarray) or hasattr(image, "__array__"):
        return LoadedImage(_rgb_array(np.asarray(image)), "array")
    raise ImageError(f"an image must be a file path, a PIL image or an array [height, width, 3], not {type(image).__name__}")


def _rgb_array(a: np.ndarray) -> np.ndarray:
    """uint8 [H, W, 3] from grey, RGB or RGBA; floats are read as 0..1."""
    if a.ndim == 2:
        a = a[..., None].repeat(3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4) or min(a.shape[:2]) < 1:
        raise ImageError(f"an image array must be [height, width, 3] (or [h, w], [h, w, 4]), got shape {a.shape}")
    a = a[..., :3]
    if a.dtype.kind == "f":
        if not np.isfinite(a).all():
            raise ImageError("the image array holds NaN or infinite values")
        a = np.clip(a, 0.0, 1.0) * 255.0 + 0.5
    elif a.dtype.kind not in "ui" and a.dtype != np.bool_:
        raise ImageError(f"an image array must hold numbers, not {a.dtype}")
    elif a.dtype != np.uint8 and (a.min() < 0 or a.max() > 255):
        raise ImageError("an integer image array must hold values 0..255")
    return np.ascontiguousarray(a.astype(np.uint8))
