"""Which region of the original photo a model's preprocessing keeps: [x0, y0, x1, y1] in original pixels.

Both preprocessing chains resize (shorter edge, or to a fixed height x width)
then centre-crop. The box is the crop mapped back through the resize, so the
overlay is drawn over exactly the part of the photo the model saw.
"""

from __future__ import annotations

from typing import Callable, Optional

Box = tuple[float, float, float, float]


def shorter_edge_size(width: int, height: int, short: int) -> tuple[int, int]:
    """(width, height) after resizing the shorter edge to `short` (torchvision and transformers agree)."""
    if width <= height:
        return short, int(short * height / width)
    return int(short * width / height), short


def crop_box(
    width: int,
    height: int,
    resized: tuple[int, int],
    crop: Optional[tuple[int, int]],
    offset: Callable[[int, int], int],
) -> Box:
    """Crop (crop_w, crop_h) centred in the `resized` (w, h) image, mapped back to the original's pixels.

    `offset(resized_len, crop_len)` is the library's own rounding of the crop's start.
    """
    rw, rh = resized
    if crop is None:
        left, top, cw, ch = 0, 0, rw, rh
    else:
        cw, ch = crop
        left, top = offset(rw, cw), offset(rh, ch)
    sx, sy = width / rw, height / rh
    return (left * sx, top * sy, (left + cw) * sx, (top + ch) * sy)


def hf_offset(length: int, crop: int) -> int:
    return int((length - crop) / 2.0)  # transformers' center_crop


def torchvision_offset(length: int, crop: int) -> int:
    return int(round((length - crop) / 2.0))  # torchvision.transforms.functional.center_crop


def _get(size, key):
    if size is None:
        return None
    if isinstance(size, dict):
        return size.get(key)
    return getattr(size, key, None)  # transformers' SizeDict


def hf_image_box(processor, width: int, height: int) -> tuple[Box, str]:
    """The crop box of a transformers image processor, and a note ("" when exact)."""
    resized = (width, height)
    note = ""
    if getattr(processor, "do_resize", False):
        size = getattr(processor, "size", None)
        if _get(size, "shortest_edge") and not _get(size, "longest_edge"):
            resized = shorter_edge_size(width, height, int(_get(size, "shortest_edge")))
        elif _get(size, "height") and _get(size, "width"):
            resized = (int(_get(size, "width")), int(_get(size, "height")))
        else:
            note = f"image box approximate: resize rule {size} not modelled"
    crop = None
    if getattr(processor, "do_center_crop", False):
        crop_size = getattr(processor, "crop_size", None)
        if _get(crop_size, "height") and _get(crop_size, "width"):
            crop = (int(_get(crop_size, "width")), int(_get(crop_size, "height")))
    return crop_box(width, height, resized, crop, hf_offset), note


def torchvision_image_box(resize_short: int, crop: int, width: int, height: int) -> Box:
    """Box of torchvision's ImageClassification preset: shorter edge to `resize_short`, centre crop `crop`."""
    return crop_box(width, height, shorter_edge_size(width, height, resize_short), (crop, crop), torchvision_offset)
