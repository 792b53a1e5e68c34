"""Image loading and validation: any raster Pillow reads, upright, RGB.

Everything that is not a usable image is refused with an ImageError whose
message says what was wrong; nothing here decodes an image whose header
announces more than MAX_PIXELS pixels.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from mmexplorer.data.files import read_regular_file

MAX_PIXELS = 64_000_000  # 64 megapixels: refused before decoding (decompression bombs)
MAX_FILE_BYTES = 512 * 1024 * 1024
BACKGROUND = (255, 255, 255)  # transparency is composited on white
# Every 8x8 block of a JPEG costs at least one bit (its DC code), even in a progressive file:
# fewer than one byte per 512 pixels is impossible; 2048 leaves a margin of four.
JPEG_MIN_PIXELS_PER_BYTE = 2048
VECTOR_SUFFIXES = {".svg", ".svgz", ".pdf", ".eps", ".ps", ".ai", ".wmf", ".emf"}


class ImageError(ValueError):
    """The input cannot be used as an image; the message says why."""


@dataclass(frozen=True)
class LoadedImage:
    pixels: np.ndarray  # uint8 [H, W, 3], upright, RGB
    source: str  # path or a short description of where the image came from
    notes: tuple[str, ...] = ()  # what was done to it (first frame of many, alpha composited, ...)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.pixels.shape[1]), int(self.pixels.shape[0])


NONFINITE_NOTE = "replaced:"  # starts the one note that is the user's business (printed by the CLI)


def user_notes(image: LoadedImage) -> list[str]:
    """The notes of `image` worth a line on the terminal (the rest go into the record's meta only)."""
    return [n.removeprefix(NONFINITE_NOTE).strip() for n in image.notes if n.startswith(NONFINITE_NOTE)]


def load_image(source: str | os.PathLike | bytes, name: str | None = None) -> LoadedImage:
    """Read a path or encoded bytes into an upright RGB array."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "image data"
    else:
        path = Path(source)
        label = str(path)
        if path.suffix.lower() in VECTOR_SUFFIXES and path.is_file():
            raise ImageError(f"{label}: vector files ({path.suffix}) are not rasterised; export it as PNG or JPEG")
        data = read_regular_file(path, MAX_FILE_BYTES, ImageError, label)
    if not data:
        raise ImageError(f"{label} is empty")
    return decode_image(data, label)


def decode_image(data: bytes, label: str = "image data") -> LoadedImage:
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own pixel limit; MAX_PIXELS below refuses in one line, so no warning first
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageError(f"{label} is not an image Pillow can read") from None
    except Image.DecompressionBombError:
        raise ImageError(f"{label} is larger than the {MAX_PIXELS / 1e6:.0f} megapixels limit") from None
    except Exception as exc:  # Pillow raises many types for broken headers
        raise ImageError(f"{label} is not a readable image ({type(exc).__name__})") from None
    width, height = img.size
    if width <= 0 or height <= 0:
        raise ImageError(f"{label} has no pixels ({width}x{height})")
    if img.format in ("JPEG", "MPO") and len(data) < width * height / JPEG_MIN_PIXELS_PER_BYTE:
        # Pillow fills a JPEG whose data ends early with grey, without a word: refuse it instead
        raise ImageError(
            f"{label} is damaged or truncated: its header claims {width}x{height} pixels "
            f"but the file holds only {len(data)} bytes"
        )
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"{label} is {width}x{height} = {width * height / 1e6:.0f} megapixels; "
            f"the limit is {MAX_PIXELS / 1e6:.0f} megapixels"
        )
    try:
        frames = getattr(img, "n_frames", 1)
        if frames > 1:
            img.seek(0)
            notes.append(f"first frame of {frames}")
        img.load()
        img = ImageOps.exif_transpose(img) or img
        rgb = _to_rgb(img, notes)
        pixels = np.asarray(rgb, dtype=np.uint8)
    except ImageError:
        raise
    except Exception as exc:  # truncated data, broken chunks, bad EXIF
        raise ImageError(f"{label} is damaged or truncated ({type(exc).__name__}: {exc})") from None
    if pixels.ndim != 3 or pixels.shape[2] != 3:
        raise ImageError(f"{label} could not be converted to RGB")
    return LoadedImage(np.ascontiguousarray(pixels), label, tuple(notes))


def _to_rgb(img: Image.Image, notes: list[str]) -> Image.Image:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float64)
        finite = np.isfinite(arr)
        bad = int(arr.size - np.count_nonzero(finite))
        lo, hi = (float(arr[finite].min()), float(arr[finite].max())) if bad < arr.size else (0.0, 0.0)
        if bad:  # NaN and infinities take the lowest value: said once, in words, instead of numpy's warnings
            arr = np.where(finite, arr, lo)
            notes.append(f"{NONFINITE_NOTE} {bad} of {arr.size} pixels were not numbers (NaN or infinite); "
                         "they are shown as the darkest value")
        scaled = np.zeros_like(arr) if hi <= lo else (arr - lo) / (hi - lo) * 255.0
        notes.append(f"{mode} values rescaled from [{lo:g}, {hi:g}] to 8 bit")
        return Image.fromarray(scaled.astype(np.uint8), "L").convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info)
    if has_alpha:
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, BACKGROUND + (255,))
        notes.append("transparency composited on white")
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode == "CMYK":
        notes.append("converted from CMYK")
    return img.convert("RGB")
