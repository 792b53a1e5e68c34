"""The synthetic shapes world: scenes of 1-3 coloured shapes with captions and ground-truth boxes.

Everything is deterministic given a numpy Generator, and scene streams are
seeded by (seed, split), so the training and evaluation splits never share a
scene stream. Captions name every object as "<colour> <shape>" in a random
order (not left to right), so a model can only tell which phrase is which
object by looking. Two objects of a scene never share both colour and shape,
so every phrase names exactly one object; they often share one of the two, so
repeated colour and shape words occur. Captions come in English or, word for
word, in Chinese ("一个红色圆形，一个蓝色方形和一个绿色三角形"); the language
only changes the words, never the picture or the random stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from mmexplorer.data.vocab import COLOURS, SHAPES, word_in

# Nominal RGB of each colour word; every object jitters around it.
PALETTE = {
    "red": (215, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 215),
    "yellow": (230, 200, 30),
}
SPLITS = {"train": 0, "eval": 1, "binding": 2}  # independent seed streams: the eval and binding splits are never trained on


@dataclass(frozen=True)
class ShapesSpec:
    size: int = 128  # square scene side in pixels
    min_objects: int = 1
    max_objects: int = 3
    min_side: int = 28  # object box side in pixels; >= 24 keeps one 16-px patch at least half inside
    max_side: int = 46
    gap: int = 4  # minimum pixels between two object boxes (boxes never touch)
    repeat_prob: float = 0.5  # chance that a multi-object scene reuses a colour or a shape word
    # chance that a scene is a binding triple: three objects, one colour word and one shape noun naming two each
    binding_prob: float = 0.0
    texture_prob: float = 0.0  # chance of a blotchy background and speckled objects (a training augmentation)
    # chance that the canvas is not square: `size` stays the long side, the short side is one of
    # `short_sides` x size, in either orientation (letterbox models learn a masked, smaller grid from these)
    aspect_prob: float = 0.0
    short_sides: tuple[float, ...] = (0.75, 0.625)


@dataclass(frozen=True)
class ShapeObject:
    colour: str
    shape: str
    box: tuple[int, int, int, int]  # [x0, y0, x1, y1) in scene pixels


@dataclass(frozen=True)
class Caption:
    words: tuple[str, ...]  # word tokens exactly as the tokenizer splits `text`
    text: str
    # (word index, object index) for every colour word and shape noun of an object phrase
    groundings: tuple[tuple[int, int], ...]
    language: str = "en"  # "en" or "zh"


@dataclass(frozen=True)
class Scene:
    pixels: np.ndarray  # uint8 [height, width, 3]; square (size x size) unless the spec draws other aspects
    objects: tuple[ShapeObject, ...]
    caption: Caption


@dataclass(frozen=True)
class HardNegative:
    caption: Caption
    object_index: int  # which object's phrase was changed
    attribute: str  # "colour" or "shape"
    old: str
    new: str


# -- drawing -------------------------------------------------------------


def _shape_mask(shape: str, box: tuple[int, int, int, int]) -> np.ndarray:
    """Bool [y1 - y0, x1 - x0]: pixels of the box covered by `shape` inscribed in it."""
    x0, y0, x1, y1 = box
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32) + 0.5
    if shape == "square":
        return (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)
    if shape == "circle":
        cx, cy, r = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2
        return (xs - cx) ** 2 + (ys - cy) ** 2 <= r * r
    if shape == "triangle":  # apex up, base along the bottom of the box
        cx, h, w = (x0 + x1) / 2, y1 - y0, x1 - x0
        t = (ys - y0) / h  # 0 at the apex, 1 at the base
        return (ys >= y0) & (ys < y1) & (np.abs(xs - cx) <= t * w / 2)
    raise ValueError(f"unknown shape {shape!r}")


def render(objects: tuple[ShapeObject, ...], size: int, rng: np.random.Generator, textured: bool = False,
           width: int | None = None) -> np.ndarray:
    """uint8 [size, width or size, 3]: a light, slightly tinted background with the objects painted on it.

    `textured`: low-frequency blotches on the background and a speckle on the objects (their hue stays).
    """
    height, width = size, width or size
    background = rng.integers(215, 256, size=3)
    grain = rng.integers(0, 12, size=(height, width, 1), dtype=np.uint8)  # faint grain, the same on all channels
    image = background.astype(np.uint8)[None, None, :] - grain  # background >= 215, so no wrap-around
    if textured:
        cells = int(rng.integers(3, 9))
        blotches = rng.integers(0, 28, size=(cells, cells, 3))
        cell = -(-max(height, width) // cells)
        up = np.repeat(np.repeat(blotches, cell, axis=0), cell, axis=1)[:height, :width]
        image = (image.astype(np.int16) - up).clip(0, 255).astype(np.uint8)
    for obj in objects:
        colour = np.clip(np.array(PALETTE[obj.colour]) + rng.integers(-20, 21, size=3), 0, 255)
        x0, y0, x1, y1 = obj.box
        mask = _shape_mask(obj.shape, obj.box)
        if textured:
            speckle = rng.uniform(0.7, 1.0, size=(int(mask.sum()), 1))
            image[y0:y1, x0:x1][mask] = (colour[None, :] * speckle).astype(np.uint8)
        else:
            image[y0:y1, x0:x1][mask] = colour
    return image


# -- layout and captions ---------------------------------------------------


def _place(n: int, spec: ShapesSpec, rng: np.random.Generator, width: int | None = None,
           height: int | None = None) -> list[tuple[int, int, int, int]]:
    """n square boxes inside a width x height scene (spec.size square by default), at least `gap` pixels
    apart (rejection sampling)."""
    width, height = width or spec.size, height or spec.size
    for _attempt in range(1000):
        boxes: list[tuple[int, int, int, int]] = []
        for _ in range(200):
            side = int(rng.integers(spec.min_side, min(spec.max_side, width - 3, height - 3) + 1))
            x0 = int(rng.integers(1, width - side))
            y0 = int(rng.integers(1, height - side))
            box = (x0, y0, x0 + side, y0 + side)
            if all(_apart(box, other, spec.gap) for other in boxes):
                boxes.append(box)
                if len(boxes) == n:
                    return boxes
        # rare: a crowded attempt; start again
    raise ValueError(f"cannot place {n} objects of {spec.min_side}-{spec.max_side} px in a {width} x {height} px scene")


def _apart(a, b, gap: int) -> bool:
    return a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]


def _attributes(n: int, spec: ShapesSpec, rng: np.random.Generator) -> list[tuple[str, str]]:
    """n distinct (colour, shape) pairs; with `repeat_prob` some colour or shape is shared."""
    while True:
        pairs = [(str(rng.choice(COLOURS)), str(rng.choice(SHAPES))) for _ in range(n)]
        if n > 1 and rng.random() < spec.repeat_prob:
            i, j = rng.choice(n, size=2, replace=False)
            if rng.random() < 0.5:
                pairs[j] = (pairs[i][0], pairs[j][1])
            else:
                pairs[j] = (pairs[j][0], pairs[i][1])
        if len(set(pairs)) == n:
            return pairs


# the caption's function words: (article, "and", list comma)
FUNCTION = {"en": ("a", "and", ","), "zh": ("一个", "和", "，")}


def _join(words, language: str = "en") -> str:
    return "".join(words) if language == "zh" else " ".join(words).replace(" ,", ",")


def caption_for(phrases: list[tuple[str, str]], language: str = "en") -> Caption:
    """'a red circle', 'a red circle and a blue square', 'a red circle, a blue square and a green triangle';
    in Chinese '一个红色圆形', '一个红色圆形和一个蓝色方形', '一个红色圆形，一个蓝色方形和一个绿色三角形'."""
    article, conjunction, comma = FUNCTION[language]
    words: list[str] = []
    groundings: list[tuple[int, int]] = []
    for k, (colour, shape) in enumerate(phrases):
        if k > 0:
            words.append(conjunction if k == len(phrases) - 1 else comma)
        words.append(article)
        groundings += [(len(words), k), (len(words) + 1, k)]
        words += [word_in(colour, language), word_in(shape, language)]
    return Caption(tuple(words), _join(words, language), tuple(groundings), language)


def binding_attributes(rng: np.random.Generator) -> list[tuple[str, str]]:
    """Three (colour, shape) pairs: (c1, s1), (c2, s2), (c1, s2), in a random order.

    c1 names two objects, s2 names two objects, and every pair is distinct.
    """
    c1, c2 = (str(c) for c in rng.choice(COLOURS, size=2, replace=False))
    s1, s2 = (str(s) for s in rng.choice(SHAPES, size=2, replace=False))
    pairs = [(c1, s1), (c2, s2), (c1, s2)]
    return [pairs[int(i)] for i in rng.permutation(3)]


def make_scene(rng: np.random.Generator, spec: ShapesSpec = ShapesSpec(), language: str = "en") -> Scene:
    # the extra draws happen only when asked for, so the default stream is the one every earlier model saw
    binding = spec.binding_prob > 0 and rng.random() < spec.binding_prob
    textured = spec.texture_prob > 0 and rng.random() < spec.texture_prob
    width = height = spec.size
    if spec.aspect_prob > 0 and rng.random() < spec.aspect_prob:
        short = round(spec.size * float(rng.choice(spec.short_sides)))
        width, height = (spec.size, short) if rng.random() < 0.5 else (short, spec.size)
    n = 3 if binding else int(rng.integers(spec.min_objects, spec.max_objects + 1))
    boxes = _place(n, spec, rng, width, height)
    attrs = binding_attributes(rng) if binding else _attributes(n, spec, rng)
    objects = tuple(ShapeObject(c, s, b) for (c, s), b in zip(attrs, boxes))
    order = [int(i) for i in rng.permutation(n)]  # caption order is not spatial order
    caption = caption_for([attrs[i] for i in order], language)
    # groundings point at objects in scene order
    caption = Caption(caption.words, caption.text, tuple((w, order[k]) for w, k in caption.groundings), language)
    return Scene(render(objects, height, rng, textured, width), objects, caption)


def word_tokens(caption: Caption, encoding) -> list[list[int]]:
    """Token indices of each caption word in `encoding` (a tokenizer's Encoding of caption.text).

    One each when the vocabulary has the word; several when the tokenizer
    splits it (a Chinese word read character by character by an English-only
    vocabulary); none for a word cut off by truncation.
    """
    spans, at = [], 0
    for word in caption.words:
        start = caption.text.index(word, at)
        spans.append((start, start + len(word)))
        at = start + len(word)
    return [[i for i, t in enumerate(encoding.tokens) if t.start < end and t.end > start] for start, end in spans]


# -- negatives -------------------------------------------------------------


def hard_negative(scene: Scene, rng: np.random.Generator) -> HardNegative:
    """The caption with exactly one attribute of one object changed, naming an object that is not there."""
    present = {(o.colour, o.shape) for o in scene.objects}
    options = []
    for index, obj in enumerate(scene.objects):
        options += [(index, "colour", obj.colour, c) for c in COLOURS if c != obj.colour and (c, obj.shape) not in present]
        options += [(index, "shape", obj.shape, s) for s in SHAPES if s != obj.shape and (obj.colour, s) not in present]
    index, attribute, old, new = options[int(rng.integers(len(options)))]
    position = [w for w, o in scene.caption.groundings if o == index][0 if attribute == "colour" else 1]
    words = list(scene.caption.words)
    language = scene.caption.language
    words[position] = word_in(new, language)
    return HardNegative(Caption(tuple(words), _join(words, language), scene.caption.groundings, language),
                        index, attribute, old, new)


def swap_negative(scene: Scene, rng: np.random.Generator) -> Caption | None:
    """The caption with the colours of two objects exchanged: the same words, bound to the wrong objects.

    Only objects that differ in both colour and shape are swapped, so the new
    caption names an object that is not there ("a red circle and a blue
    square" -> "a blue circle and a red square"); None when no pair qualifies.
    """
    objs = scene.objects
    pairs = [(i, j) for i in range(len(objs)) for j in range(i + 1, len(objs))
             if objs[i].colour != objs[j].colour and objs[i].shape != objs[j].shape]
    if not pairs:
        return None
    i, j = pairs[int(rng.integers(len(pairs)))]
    colour_at = {o: w for w, o in scene.caption.groundings[0::2]}  # each phrase grounds its colour word first
    words = list(scene.caption.words)
    words[colour_at[i]], words[colour_at[j]] = words[colour_at[j]], words[colour_at[i]]
    return Caption(tuple(words), _join(words, scene.caption.language), scene.caption.groundings, scene.caption.language)


def easy_negative(scene: Scene, rng: np.random.Generator, spec: ShapesSpec = ShapesSpec()) -> Caption:
    """The caption of another random scene that does not describe this one."""
    truth = sorted((o.colour, o.shape) for o in scene.objects)
    while True:
        n = int(rng.integers(spec.min_objects, spec.max_objects + 1))
        attrs = _attributes(n, spec, rng)
        if sorted(attrs) != truth:
            return caption_for(attrs, scene.caption.language)


# -- streams -----------------------------------------------------------------


def scene_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The generator of scene `index` of a split; any scene can be regenerated alone."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), SPLITS[split], int(index)]))


def scenes(seed: int, split: str = "train", start: int = 0, spec: ShapesSpec = ShapesSpec()) -> Iterator[tuple[Scene, np.random.Generator]]:
    """Endless (scene, rng) pairs; the rng continues the scene's stream (use it to draw its negatives)."""
    index = start
    while True:
        rng = scene_rng(seed, split, index)
        yield make_scene(rng, spec), rng
        index += 1


# -- questions (the second task) ---------------------------------------------


def question(scene: Scene, rng: np.random.Generator) -> tuple[str, str]:
    """(question, answer) about the scene; the answer is one of vocab.ANSWERS.

    "what colour is the square ?" (asked only when one square is present),
    "what shape is the red one ?" (only when one red object is present), or
    "is there a blue circle ?" (yes or no, half of each).
    """
    shapes = [o.shape for o in scene.objects]
    colours = [o.colour for o in scene.objects]
    kinds = ["exists"]
    if any(shapes.count(s) == 1 for s in shapes):
        kinds.append("colour")
    if any(colours.count(c) == 1 for c in colours):
        kinds.append("shape")
    kind = kinds[int(rng.integers(len(kinds)))]
    if kind == "colour":
        obj = scene.objects[int(rng.choice([i for i, s in enumerate(shapes) if shapes.count(s) == 1]))]
        return f"what colour is the {obj.shape} ?", obj.colour
    if kind == "shape":
        obj = scene.objects[int(rng.choice([i for i, c in enumerate(colours) if colours.count(c) == 1]))]
        return f"what shape is the {obj.colour} one ?", obj.shape
    present = {(o.colour, o.shape) for o in scene.objects}
    if rng.random() < 0.5:
        colour, shape = sorted(present)[int(rng.integers(len(present)))]
    else:
        absent = [(c, s) for c in COLOURS for s in SHAPES if (c, s) not in present]
        colour, shape = absent[int(rng.integers(len(absent)))]
    return f"is there a {colour} {shape} ?", "yes" if (colour, shape) in present else "no"
