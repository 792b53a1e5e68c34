"""Training batches from the shapes world: image-text pairs, match labels, grounding targets, questions.

Each scene contributes its true caption and one negative caption (hard: one
attribute of one object changed; easy: another scene's caption), so the model
always sees the positive and its hard negative on the same picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch

from mmexplorer.attention.grid import box_mask
from mmexplorer.config import ModelConfig
from mmexplorer.data.shapes import ShapesSpec, easy_negative, hard_negative, make_scene, question, scene_rng, swap_negative, word_tokens
from mmexplorer.data.tokenizer import Tokenizer
from mmexplorer.models.preprocess import image_tensor, input_geometry, text_tensor


@dataclass
class Batch:
    images: torch.Tensor  # [2B, 3, S, S] normalised; rows B..2B-1 repeat rows 0..B-1
    ids: torch.Tensor  # [2B, L] ([CLS] at 0); rows < B hold true captions, rows >= B negatives
    mask: torch.Tensor  # [2B, L] True for real tokens
    labels: torch.Tensor  # [2B] float 1 match / 0 mismatch
    hard: torch.Tensor  # [2B] bool: the row is a hard negative
    # grounding of the true captions' colour and shape words
    ground_rows: torch.Tensor  # [G] pair row of each grounded word
    ground_tokens: torch.Tensor  # [G] its position in ids (word index + 1)
    ground_targets: torch.Tensor  # [G, N] float: 1 on patches at least half inside the named object's box
    # the question-answering task (empty when not requested)
    q_ids: Optional[torch.Tensor] = None  # [B, Lq]
    q_mask: Optional[torch.Tensor] = None  # [B, Lq]
    q_answers: Optional[torch.Tensor] = None  # [B] index into cfg.answers

    def to(self, device) -> "Batch":
        moved = {k: (v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in self.__dict__.items()}
        return Batch(**moved)


class EncodingCache:
    """Captions repeat a lot; tokenising each distinct text once saves a good share of batch time."""

    def __init__(self, tokenizer: Tokenizer, limit: int = 50_000) -> None:
        self.tokenizer = tokenizer
        self.limit = limit
        self.cache: dict = {}

    def __call__(self, text: str):
        enc = self.cache.get(text)
        if enc is None:
            enc = self.tokenizer.encode(text)
            if len(self.cache) < self.limit:
                self.cache[text] = enc
        return enc


def spec_for(cfg: ModelConfig, repeat_prob: float | None = None, binding_prob: float = 0.0,
             texture_prob: float = 0.0, aspect_prob: float = 0.0) -> ShapesSpec:
    """Scenes at the model's input size, objects scaled with it (the defaults are for 128 px).

    Objects stay at least 1.5 patches wide, so at least one patch is half inside every box.
    """
    base = ShapesSpec()
    scale = cfg.image_size / base.size
    min_side = max(round(base.min_side * scale), math.ceil(1.5 * cfg.patch_size))
    max_side = max(min_side, round(base.max_side * scale))
    repeats = base.repeat_prob if repeat_prob is None else repeat_prob
    return ShapesSpec(cfg.image_size, min_side=min_side, max_side=max_side, gap=max(2, round(base.gap * scale)), repeat_prob=repeats,
                      binding_prob=binding_prob, texture_prob=texture_prob, aspect_prob=aspect_prob)


def object_patch_masks(objects, cfg: ModelConfig, width: int, height: int | None = None) -> list[np.ndarray]:
    """Bool [rows*cols] per object: the patches that count as inside its box, on a width x height picture
    (square when height is None) brought to the model's input as its config says (squashed or letterboxed)."""
    box, _valid = input_geometry(cfg, width, height or width, cfg.grid)  # padded patches lie outside every box
    return [box_mask(cfg.grid, box, o.box).reshape(-1) for o in objects]


def make_batch(
    cfg: ModelConfig,
    tokenizer: Tokenizer | EncodingCache,
    seed: int,
    first_index: int,
    scenes: int,
    hard_fraction: float,
    questions: bool = False,
    split: str = "train",
    repeat_prob: float | None = None,
    languages: tuple[str, ...] = ("en",),
    binding_prob: float = 0.0,
    texture_prob: float = 0.0,
    swap_share: float = 0.0,
    aspect_prob: float = 0.0,
) -> Batch:
    """Scenes first_index .. first_index + scenes - 1 of the split, paired with captions and negatives.

    Scene i is captioned in languages[i % len(languages)]: with ("en", "zh") every other scene is
    described in Chinese, its negative too, with the same grounding targets. `binding_prob`,
    `texture_prob`: see ShapesSpec; `swap_share`: the share of hard negatives that swap the colours of
    two objects (the same words, bound wrongly) instead of changing one attribute; `aspect_prob`: the share
    of scenes on a non-square canvas (ShapesSpec.aspect_prob).
    """
    spec = spec_for(cfg, repeat_prob, binding_prob, texture_prob, aspect_prob)
    pixels, positives, negatives, hard_flags, qs, answers = [], [], [], [], [], []
    rows, tokens, targets = [], [], []
    encode = tokenizer if isinstance(tokenizer, EncodingCache) else EncodingCache(tokenizer)
    for k in range(scenes):
        rng = scene_rng(seed, split, first_index + k)
        scene = make_scene(rng, spec, languages[(first_index + k) % len(languages)])
        pixels.append(scene.pixels)
        positives.append(scene.caption.text)
        is_hard = rng.random() < hard_fraction
        swap = swap_negative(scene, rng) if is_hard and swap_share > 0 and rng.random() < swap_share else None
        if swap is not None:
            negatives.append(swap.text)
        else:
            negatives.append(hard_negative(scene, rng).caption.text if is_hard else easy_negative(scene, rng, spec).text)
        hard_flags.append(is_hard)
        masks = object_patch_masks(scene.objects, cfg, scene.pixels.shape[1], scene.pixels.shape[0])
        tokens_of = word_tokens(scene.caption, encode(scene.caption.text)) if scene.caption.language != "en" else None
        for word, obj in scene.caption.groundings:
            if tokens_of is not None and not tokens_of[word]:
                continue  # cut off by truncation
            rows.append(k)
            tokens.append(word + 1 if tokens_of is None else tokens_of[word][0] + 1)  # +1: [CLS] comes first
            targets.append(masks[obj])
        if questions:
            text, answer = question(scene, rng)
            qs.append(text)
            answers.append(cfg.answers.index(answer))
    # square scenes are at the model's size: no resize; others are squashed or letterboxed as the probe would
    images = image_tensor(pixels, cfg)
    ids, mask = text_tensor([encode(t) for t in positives + negatives], encode.tokenizer)
    batch = Batch(
        images=torch.cat([images, images]),
        ids=ids,
        mask=mask,
        labels=torch.cat([torch.ones(scenes), torch.zeros(scenes)]),
        hard=torch.tensor([False] * scenes + hard_flags),
        ground_rows=torch.tensor(rows, dtype=torch.long),
        ground_tokens=torch.tensor(tokens, dtype=torch.long),
        ground_targets=torch.from_numpy(np.stack(targets).astype(np.float32)),
    )
    if questions:
        batch.q_ids, batch.q_mask = text_tensor([encode(q) for q in qs], encode.tokenizer)
        batch.q_answers = torch.tensor(answers, dtype=torch.long)
    return batch
