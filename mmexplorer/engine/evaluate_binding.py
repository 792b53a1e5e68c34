"""Binding: does each word point at its own phrase's object when the words are shared between objects?

Held-out binding scenes (mmexplorer/data/binding.py: three objects, one colour
word and one shape noun each naming two of them, a renderer never trained
on), plain and textured, on the model's square canvas and on a non-square one.
For every condition:

- pointing, for colour words and shape nouns separately: the argmax patch of
  the word's default map (record.token_to_image) is a hit inside its own
  phrase's object, "other" inside another object (patches at least half in
  the box, placed by the record's grid and image_box);
- matching: balanced accuracy of the true caption against a hard negative
  (one attribute of one object changed) and against a swap negative (the
  colours of two objects exchanged: the same words, bound wrongly), and the
  pairwise share where the true caption scores higher.
"""

from __future__ import annotations

import math

import numpy as np

from mmexplorer.attention.grid import box_mask
from mmexplorer.data.binding import binding_scene
from mmexplorer.data.image import LoadedImage
from mmexplorer.data.sample import Sample
from mmexplorer.data.shapes import hard_negative, swap_negative, word_tokens
from mmexplorer.data.vocab import COLOUR_WORDS
from mmexplorer.engine import evaluate as evaluation

CANVASES = ((128, 128), (256, 192))  # (width, height): the bundled models' input and a 4:3 picture
TEXTURES = (False, True)


def condition_name(width: int, height: int, textured: bool) -> str:
    return f"{'textured' if textured else 'plain'} {width}x{height}"


def _balanced(true_logits: np.ndarray, neg_logits: np.ndarray) -> float:
    return float(((true_logits > 0).mean() + (neg_logits <= 0).mean()) / 2)


def evaluate_condition(model, scenes: int, seed: int, width: int, height: int, textured: bool, language: str = "en") -> dict:
    """Pointing and matching of `model` on `scenes` binding scenes of one canvas and texture."""
    cfg = model.cfg
    device = next(model.parameters()).device
    patch_px = cfg.patch_size * max(width, height) / cfg.image_size  # the widest patch any preprocessing makes
    needs_grads = model.spec.default_map == "image-branch"
    hits = {"colour": [], "shape": []}
    others = {"colour": [], "shape": []}
    pixels, pos, hard, swap = [], [], [], []
    chunks: list[np.ndarray] = []  # [3, n] logits per chunk: true captions, hard and swap negatives
    kind = ""
    for index in range(scenes):
        if len(pixels) == evaluation.SCENE_CHUNK:  # streamed: one chunk's pictures held, whatever the count
            chunks.append(evaluation._match_logits(model, pixels * 3, pos + hard + swap).reshape(3, len(pixels)))
            pixels, pos, hard, swap = [], [], [], []
        scene, rng = binding_scene(seed, index, width, height, textured, patch_px, language)
        pixels.append(scene.pixels)
        pos.append(scene.caption.text)
        hard.append(hard_negative(scene, rng).caption.text)
        swap.append(swap_negative(scene, rng).text)  # binding scenes always have a pair to swap
        sample = Sample(LoadedImage(scene.pixels, "binding scene"), model.tokenizer.encode(scene.caption.text))
        record = evaluation.capture(model, sample, device, relevancy=needs_grads)
        tokens_of = word_tokens(scene.caption, sample.encoding)
        kind = evaluation._map_kind(record)
        masks = [box_mask(record.grid, record.image_box, o.box) for o in scene.objects]
        for word, obj in scene.caption.groundings:
            group = "colour" if scene.caption.words[word] in COLOUR_WORDS else "shape"
            m = evaluation.word_map(record.token_to_image, tokens_of[word])  # [rows, cols]
            hits[group].append(evaluation.pointing_hit(m, masks[obj]))
            others[group].append(any(evaluation.pointing_hit(m, masks[o]) for o in range(len(masks)) if o != obj))
    if pixels:
        chunks.append(evaluation._match_logits(model, pixels * 3, pos + hard + swap).reshape(3, len(pixels)))
    lp, lh, ls = np.concatenate(chunks, axis=1)

    def mean(values) -> float:
        return float(np.mean(values)) if values else math.nan

    return {
        "map_kind": kind,
        "pointing": {g: {"hit": mean(hits[g]), "other": mean(others[g]), "words": len(hits[g])} for g in hits},
        "matching": {
            "hard_accuracy": _balanced(lp, lh),
            "hard_pairwise": float((lp > lh).mean()),
            "swap_accuracy": _balanced(lp, ls),
            "swap_pairwise": float((lp > ls).mean()),
        },
    }


def evaluate_binding(model, scenes: int = 100, seed: int = 2000, canvases=CANVASES, textures=TEXTURES,
                     name: str | None = None, language: str = "en") -> dict:
    """The binding report: one entry per (canvas, texture) condition, and their mean; captions in `language`."""
    was_training = model.training
    model.eval()
    try:
        conditions = {
            condition_name(w, h, t): evaluate_condition(model, scenes, seed, w, h, t, language) for (w, h) in canvases for t in textures
        }
    finally:
        model.train(was_training)
    first = next(iter(conditions.values()))
    overall = {
        "pointing": {g: {k: float(np.mean([c["pointing"][g][k] for c in conditions.values()])) for k in ("hit", "other")}
                     for g in ("colour", "shape")},
        "matching": {k: float(np.mean([c["matching"][k] for c in conditions.values()])) for k in first["matching"]},
    }
    return {
        "model": name or model.cfg.name,
        "fusion": model.cfg.fusion,
        "scenes": scenes,
        "seed": seed,
        "language": language,
        "split": "binding (three objects sharing a colour word and a shape noun; never used in training)",
        "map_kind": first["map_kind"],
        "preprocess": model.cfg.preprocess,  # "square" resize squashes the non-square canvas; "letterbox" keeps it
        "conditions": conditions,
        "overall": overall,
    }


def binding_lines(report: dict) -> list[str]:
    """The report as table lines, one condition a line."""
    lines = [f"binding: model {report['model']} ({report['fusion']}), {report['scenes']} scenes per condition, "
             f"seed {report['seed']}, captions {report['language']}, map: {report['map_kind']}"]
    for name, c in list(report["conditions"].items()) + [("overall", report["overall"])]:
        p, m = c["pointing"], c["matching"]
        lines.append(
            f"  {name:<18} colour hit {p['colour']['hit']:.3f} other {p['colour']['other']:.3f}  "
            f"shape hit {p['shape']['hit']:.3f} other {p['shape']['other']:.3f}  "
            f"hard-neg. acc. {m['hard_accuracy']:.1%}  swap acc. {m['swap_accuracy']:.1%}"
        )
    return lines
