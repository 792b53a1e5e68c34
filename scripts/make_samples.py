"""Write the bundled sample pictures (mmexplorer/resources/samples) and the app icon (mmexplorer/resources/icons).

The samples are shapes-world scenes, the kind of picture the bundled models
were trained on, drawn with the same renderer; one is wider than tall so the
patch grid's handling of aspect ratios is visible. Rerun after changing the
renderer: python scripts/make_samples.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mmexplorer.data.shapes import ShapeObject, caption_for, render

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "mmexplorer" / "resources" / "samples"
ICONS = ROOT / "mmexplorer" / "resources" / "icons"

# (file, title, size, objects as (colour, shape, x0, y0, side)); captions are built from the objects
SCENES = [
    ("red-circle-blue-square.png", "two shapes", 128, [("red", "circle", 14, 20, 40), ("blue", "square", 70, 64, 40)]),
    ("three-shapes.png", "three shapes", 128, [("green", "triangle", 10, 70, 44), ("yellow", "circle", 74, 14, 38),
                                               ("red", "square", 70, 78, 34)]),
    ("blue-triangle.png", "one shape", 128, [("blue", "triangle", 40, 36, 46)]),
    ("same-colour.png", "same colour", 128, [("green", "circle", 16, 16, 36), ("green", "square", 74, 70, 40)]),
    ("same-shape.png", "same shape", 128, [("red", "triangle", 12, 60, 40), ("yellow", "triangle", 72, 18, 42)]),
    ("wide-scene.png", "wide picture (3:2)", (192, 128), [("blue", "circle", 16, 40, 44), ("red", "square", 80, 20, 36),
                                                         ("yellow", "triangle", 136, 64, 40)]),
]


def scene(size, specs, seed: int) -> tuple[np.ndarray, str]:
    width, height = size if isinstance(size, tuple) else (size, size)
    objects = tuple(ShapeObject(c, s, (x, y, x + side, y + side)) for c, s, x, y, side in specs)
    side = max(width, height)
    pixels = render(objects, side, np.random.default_rng(seed))[:height, :width]
    return pixels, caption_for([(o.colour, o.shape) for o in objects]).text


def write_samples() -> None:
    SAMPLES.mkdir(parents=True, exist_ok=True)
    index = []
    for seed, (name, title, size, specs) in enumerate(SCENES):
        pixels, text = scene(size, specs, seed)
        Image.fromarray(pixels).save(SAMPLES / name)
        index.append({"file": name, "title": title, "text": text})
    (SAMPLES / "index.json").write_text(json.dumps({"samples": index}, indent=2) + "\n")


def write_icon() -> None:
    """A 2x2 patch grid with a warm 'attention' square over a circle."""
    ICONS.mkdir(parents=True, exist_ok=True)
    size = 256
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((8, 8, size - 8, size - 8), radius=40, fill=(34, 40, 58, 255))
    d.ellipse((48, 48, 148, 148), fill=(215, 40, 40, 255))
    d.rectangle((132, 132, 212, 212), fill=(40, 80, 215, 255))
    d.rectangle((40, 40, 128, 128), outline=(255, 190, 60, 255), width=10)
    for x in (128,):
        d.line((x, 30, x, size - 30), fill=(255, 255, 255, 120), width=3)
        d.line((30, x, size - 30, x), fill=(255, 255, 255, 120), width=3)
    img.save(ICONS / "mmexplorer.png")


if __name__ == "__main__":
    write_samples()
    write_icon()
    print(f"wrote {len(SCENES)} samples to {SAMPLES} and the icon to {ICONS}")
