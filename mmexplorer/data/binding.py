"""Binding scenes: three objects whose captions share colour and shape words, drawn by a second renderer.

"a green triangle, a red square and a green square": one colour names two
objects and one shape names two objects, so neither a colour word nor a shape
noun can be placed without reading its own phrase. The renderer is not the
training one (shapes.render): objects are anti-aliased (drawn at 4x and
shrunk), the background is a soft gradient, and in textured scenes the
background carries low-contrast stripes and the objects a striped fill, so a
model is measured on pictures it has never been trained on. Canvases can have
any size (256 x 192 and the like); object sides scale with the canvas so that
at least one patch lies half inside every box whatever the preprocessing.

Scene streams are seeded by (seed, "binding", index): independent of the
training and evaluation splits of the shapes world.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from mmexplorer.data.shapes import PALETTE, Scene, ShapeObject, _apart, _shape_mask, binding_attributes, caption_for, scene_rng

SUPERSAMPLE = 4  # objects are drawn at 4x and shrunk: soft edges the training renderer never makes


def object_sides(width: int, height: int, patch_px: float) -> tuple[int, int]:
    """(min, max) object side in canvas pixels.

    `patch_px` is the side, in canvas pixels, of the widest patch any
    preprocessing of this canvas can make (a squashed or letterboxed grid over
    its longer side); boxes are at least 1.5 of those, so some patch is at
    least half inside every box.
    """
    lo = max(math.ceil(1.5 * patch_px), round(0.22 * min(width, height)))
    hi = max(lo, round(0.36 * min(width, height)))
    return lo, hi


def _place(width: int, height: int, sides: tuple[int, int], rng: np.random.Generator, n: int = 3, gap: int = 4):
    for _attempt in range(1000):
        boxes: list[tuple[int, int, int, int]] = []
        for _ in range(200):
            side = int(rng.integers(sides[0], sides[1] + 1))
            x0 = int(rng.integers(1, width - side))
            y0 = int(rng.integers(1, height - side))
            box = (x0, y0, x0 + side, y0 + side)
            if all(_apart(box, other, gap) for other in boxes):
                boxes.append(box)
                if len(boxes) == n:
                    return boxes
    raise ValueError(f"cannot place {n} objects of {sides[0]}-{sides[1]} px on a {width}x{height} canvas")


def _background(width: int, height: int, textured: bool, rng: np.random.Generator) -> np.ndarray:
    """float [H, W, 3]: a light vertical gradient; textured: low-contrast diagonal stripes and noise on it."""
    top = rng.uniform(225, 250, size=3)
    bottom = rng.uniform(205, 235, size=3)
    t = np.linspace(0.0, 1.0, height)[:, None, None]
    image = np.broadcast_to(top * (1 - t) + bottom * t, (height, width, 3)).copy()
    if textured:
        ys, xs = np.mgrid[0:height, 0:width]
        period = rng.uniform(6, 14)
        angle = rng.uniform(0, math.pi)
        wave = np.sin((xs * math.cos(angle) + ys * math.sin(angle)) * 2 * math.pi / period)
        image += (12 * wave)[..., None] * rng.uniform(0.6, 1.0, size=3)
        image += rng.normal(0, 4, size=(height, width, 1))
    return image


def render_binding(objects, width: int, height: int, textured: bool, rng: np.random.Generator) -> np.ndarray:
    """uint8 [height, width, 3]: the objects on the second renderer's background."""
    image = _background(width, height, textured, rng)
    for obj in objects:
        colour = np.clip(np.array(PALETTE[obj.colour], dtype=np.float64) + rng.integers(-15, 16, size=3), 0, 255)
        x0, y0, x1, y1 = obj.box
        side = x1 - x0
        big = (0, 0, side * SUPERSAMPLE, side * SUPERSAMPLE)
        mask = Image.fromarray((_shape_mask(obj.shape, big) * 255).astype(np.uint8))
        alpha = np.asarray(mask.resize((side, side), Image.BOX), dtype=np.float64)[..., None] / 255  # [side, side, 1]
        fill = np.broadcast_to(colour, (side, side, 3)).copy()
        if textured:  # stripes of a darker shade of the same colour: the hue stays the colour word's
            ys, xs = np.mgrid[0:side, 0:side]
            period = rng.uniform(5, 9)
            stripes = (((xs + ys) // (period / 2)) % 2 == 1)[..., None]
            fill = np.where(stripes, fill * 0.72, fill)
        region = image[y0:y1, x0:x1]
        image[y0:y1, x0:x1] = region * (1 - alpha) + fill * alpha
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def make_binding_scene(
    rng: np.random.Generator, width: int = 128, height: int = 128, textured: bool = False,
    patch_px: float | None = None, language: str = "en",
) -> Scene:
    """Three objects sharing a colour word and a shape noun, on a width x height canvas.

    `patch_px`: see object_sides; by default a 16-px patch of a 128-px input
    over the canvas's longer side.
    """
    patch = patch_px if patch_px is not None else 16 * max(width, height) / 128
    attrs = binding_attributes(rng)
    boxes = _place(width, height, object_sides(width, height, patch), rng)
    objects = tuple(ShapeObject(c, s, b) for (c, s), b in zip(attrs, boxes))
    order = [int(i) for i in rng.permutation(3)]  # caption order is not spatial order
    caption = caption_for([attrs[i] for i in order], language)
    caption = type(caption)(caption.words, caption.text, tuple((w, order[k]) for w, k in caption.groundings), language)
    return Scene(render_binding(objects, width, height, textured, rng), objects, caption)


def binding_scene(seed: int, index: int, width: int = 128, height: int = 128, textured: bool = False,
                  patch_px: float | None = None, language: str = "en") -> tuple[Scene, np.random.Generator]:
    """Scene `index` of the binding stream of `seed` (the rng continues its stream: draw negatives from it).

    The picture and objects do not depend on `language`, only the caption's words.
    """
    rng = scene_rng(seed, "binding", index)
    return make_binding_scene(rng, width, height, textured, patch_px, language), rng
