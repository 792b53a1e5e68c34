"""What the model's preprocessing did to the picture's shape: squash, crop or padding, in numbers.

The record's `image_box` [x0, y0, x1, y1] is the region of the original picture
the patch grid covers; the model resized that region to its input size. A
box equal to the picture means it was squashed (or only resized, when the
shapes agree); a smaller box means a crop, one reaching outside the picture
means padding.
"""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate
SAME_SHAPE = 0.02  # relative difference of the two scale factors below which the shape counts as kept
# a letterbox rounds the picture's sides to whole patches: up to half a patch of stretch (10% at 5 patches)
LETTERBOX_SHAPE = 0.1


def input_size(grid: tuple[int, int], config: dict) -> Optional[tuple[int, int]]:
    """(width, height) in pixels of the model's input: the patch grid times the patch size (None if unknown)."""
    patch = config.get("patch_size") if config else None
    if not isinstance(patch, int) or patch <= 0:
        return None
    rows, cols = grid
    return cols * patch, rows * patch


def scale_factors(image_box, size: tuple[int, int]) -> tuple[float, float]:
    """How much the model's input stretched the box horizontally and vertically (1 = unchanged)."""
    x0, y0, x1, y1 = image_box
    return size[0] / max(1e-9, x1 - x0), size[1] / max(1e-9, y1 - y0)


def pixel_aspect(image_box, grid: tuple[int, int]) -> float:
    """The ViewBox aspect ratio (x scale / y scale) that draws `image_box` with the grid's shape.

    Patches are square in the model's input, so a [rows, cols] grid is
    cols:rows; drawn that way, the picture looks exactly as squashed as the model saw it.
    """
    x0, y0, x1, y1 = image_box
    rows, cols = grid
    return ((y1 - y0) / max(1e-9, x1 - x0)) * (cols / max(1, rows))


def _factor(f: float) -> str:
    return f"×{f:.2g}" if f < 10 else f"×{f:.0f}"


def distortion_text(image_size: tuple[int, int], image_box, size: Optional[tuple[int, int]]) -> str:
    """One line such as 'squashed 4000 × 30 → 128 × 128: width ×0.032, height ×4.3'."""
    if size is None:
        return ""
    width, height = image_size
    x0, y0, x1, y1 = image_box
    sx, sy = scale_factors(image_box, size)
    inside = x0 >= -0.5 and y0 >= -0.5 and x1 <= width + 0.5 and y1 <= height + 0.5
    whole = abs(x0) < 0.5 and abs(y0) < 0.5 and abs(x1 - width) < 0.5 and abs(y1 - height) < 0.5
    args = dict(w=width, h=height, bw=f"{x1 - x0:.0f}", bh=f"{y1 - y0:.0f}", iw=size[0], ih=size[1], sx=_factor(sx), sy=_factor(sy))
    kept = abs(sx - sy) <= SAME_SHAPE * max(sx, sy)
    if whole:
        if kept and abs(sx - 1) < 1e-3:
            return ""  # the model saw the picture as it is
        if kept:
            return translate("Aspect", "resized {w} × {h} → {iw} × {ih} ({sx}, shape kept)").format(**args)
        return translate("Aspect", "squashed {w} × {h} → {iw} × {ih}: width {sx}, height {sy}").format(**args)
    if inside:
        return translate("Aspect", "cropped to {bw} × {bh} of {w} × {h}, then resized → {iw} × {ih}: width {sx}, height {sy}").format(**args)
    if abs(sx - sy) <= LETTERBOX_SHAPE * max(sx, sy):
        args.update(pw=f"{width * sx:.0f}", ph=f"{height * sy:.0f}")
        return translate("Aspect", "letterboxed {w} × {h} → {pw} × {ph} inside {iw} × {ih} (shape kept; the padding is masked out)").format(**args)
    return translate("Aspect", "padded {w} × {h} to {bw} × {bh}, then resized → {iw} × {ih}: width {sx}, height {sy}").format(**args)


def is_distorted(image_box, size: Optional[tuple[int, int]]) -> bool:
    if size is None:
        return False
    sx, sy = scale_factors(image_box, size)
    return abs(sx - sy) > SAME_SHAPE * max(sx, sy)
