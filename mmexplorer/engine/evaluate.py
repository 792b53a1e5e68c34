"""Does the attention mean something? Measured on held-out shapes-world scenes.

- matching: accuracy on true captions vs hard negatives (one attribute of one
  object changed) and vs easy negatives (another scene's caption);
- pointing game, for colour words and shape nouns separately: the argmax patch
  of the word's default map (record.token_to_image, what the explorer shows)
  is a hit when it lies inside the named object's box, "other" when it lies
  inside a different object's box (a patch is inside when at least half of it is);
- energy: the share of the map's positive mass inside the named object's box;
- deletion: match probability of the true caption while the patches are blanked
  in the order of the caption's map, as the area under that curve, next to the
  same for a random order (lower than random means the map found what matters);
  insertion: the same while the patches are restored onto a blank canvas in that
  order (higher than random means the map found what matters). Both curves are
  engine.faithfulness's, the code every model's curves use.

Maps come from the same capture path as the explorer. Models without
cross-modal attention are measured on what they have (token-patch similarity
for dual encoders, image-branch relevancy for late fusion), labelled so.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from mmexplorer.attention.capture import capture
from mmexplorer.data.image import LoadedImage
from mmexplorer.data.sample import Sample
from mmexplorer.data.shapes import easy_negative, hard_negative, make_scene, scene_rng, word_tokens
from mmexplorer.data.vocab import COLOUR_WORDS
from mmexplorer.engine.batches import object_patch_masks, spec_for
from mmexplorer.engine.faithfulness import curves_for_orders, order_of
from mmexplorer.engine.model_api import BundledModel
from mmexplorer.models.preprocess import image_tensor, text_tensor

SCENE_CHUNK = 256  # scenes made, matched and probed together; the rest are not held
MAX_SCENES = 100_000  # about a day on a CPU; a count past it is a typo, refused before anything is made
DELETION_STEPS = 8  # the curve has DELETION_STEPS + 1 points, from nothing to every patch blanked


def _map_kind(record) -> str:
    if record.cross_kind is not None:
        return "attention"
    if record.similarity is not None:
        return "similarity (not attention)"
    return "image-branch relevancy (the same map for every word)"


def word_map(token_maps: np.ndarray, tokens: list[int]) -> np.ndarray:
    """[rows, cols]: the word's map, the mean over its tokens (zeros for a word cut off by truncation)."""
    if not tokens:
        return np.zeros(token_maps.shape[1:], dtype=np.float64)
    return np.asarray(token_maps[tokens], dtype=np.float64).mean(axis=0)


def pointing_hit(word_map: np.ndarray, inside: np.ndarray) -> bool:
    """Pointing game: the map's argmax patch lies inside (bool [rows, cols], patches at least half in the box)."""
    top = np.unravel_index(int(np.argmax(word_map)), word_map.shape)
    return bool(inside[top])


def energy_share(word_map: np.ndarray, inside: np.ndarray) -> float:
    """The share of the map's positive mass on the patches inside (0 for a map with no positive mass)."""
    positive = np.clip(np.asarray(word_map, dtype=np.float64), 0, None)
    total = positive.sum()
    return float(positive[inside].sum() / total) if total > 0 else 0.0


@torch.no_grad()
def _match_logits(model, pixels: list[np.ndarray], texts: list[str], batch: int = 64) -> np.ndarray:
    device = next(model.parameters()).device
    out = []
    for i in range(0, len(texts), batch):
        images = image_tensor(pixels[i : i + batch], model.cfg).to(device)
        ids, mask = text_tensor([model.tokenizer.encode(t) for t in texts[i : i + batch]], model.tokenizer)
        out.append(model(images, ids.to(device), mask.to(device)).itm_logit.float().cpu())
    return torch.cat(out).numpy()


def _curves(model, record, sample: Sample, importance: np.ndarray, rng: np.random.Generator) -> dict:
    """{(order, mode): Curve} of the match probability for the map's order and a random order
    (engine.faithfulness: patches painted in the canvas colour, or restored onto a blank canvas)."""
    orders = {"map": order_of(importance), "random": rng.permutation(importance.size)}
    return curves_for_orders(model, sample, record.grid, record.image_box, orders, DELETION_STEPS)


def evaluate(model, scenes: int = 200, seed: int = 1000, deletion: bool = True, name: str | None = None,
             language: str = "en") -> dict:
    """The report for `model` (a bundled FusionModel) on `scenes` scenes of the held-out split drawn from `seed`.

    `language` ("en" or "zh") picks the captions' language; the pictures are the same in both.
    """
    spec = spec_for(model.cfg)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    needs_grads = model.spec.default_map == "image-branch"  # the only default map built from gradients
    hits = {"colour": [], "shape": []}
    others = {"colour": [], "shape": []}
    energy = {"colour": [], "shape": []}
    aucs: dict[tuple[str, str], list[float]] = {}
    explorable = BundledModel(model, name)  # the curves score through the model interface
    label, kind = "", ""
    chunks: list[np.ndarray] = []  # [3, n] logits of each chunk: true captions, hard and easy negatives
    for first in range(0, scenes, SCENE_CHUNK):  # streamed: memory holds one chunk's scenes, whatever --scenes is
        items = []
        pixels, pos, hard, easy = [], [], [], []
        for index in range(first, min(scenes, first + SCENE_CHUNK)):
            rng = scene_rng(seed, "eval", index)
            scene = make_scene(rng, spec, language)
            pixels.append(scene.pixels)
            pos.append(scene.caption.text)
            hard.append(hard_negative(scene, rng).caption.text)
            easy.append(easy_negative(scene, rng, spec).text)
            items.append((scene, rng))
        chunks.append(_match_logits(model, pixels * 3, pos + hard + easy).reshape(3, len(items)))
        for scene, rng in items:
            sample = Sample(LoadedImage(scene.pixels, "shapes world"), model.tokenizer.encode(scene.caption.text))
            record = capture(model, sample, device, relevancy=needs_grads)
            tokens_of = word_tokens(scene.caption, sample.encoding)
            label, kind = record.map_label, _map_kind(record)
            masks = [m.reshape(record.grid) for m in object_patch_masks(scene.objects, model.cfg, spec.size)]
            word_maps = []
            for word, obj in scene.caption.groundings:
                group = "colour" if scene.caption.words[word] in COLOUR_WORDS else "shape"
                m = word_map(record.token_to_image, tokens_of[word])  # [rows, cols]
                hits[group].append(pointing_hit(m, masks[obj]))
                others[group].append(any(pointing_hit(m, masks[o]) for o in range(len(masks)) if o != obj))
                energy[group].append(energy_share(m, masks[obj]))
                positive = np.clip(m, 0, None)
                total = positive.sum()
                word_maps.append(positive / total if total > 0 else positive)
            if deletion:
                for key, curve in _curves(explorable, record, sample, np.mean(word_maps, axis=0), rng).items():
                    aucs.setdefault(key, []).append(curve.auc)
    lp, lh, le = np.concatenate(chunks, axis=1)
    matching = {
        "hard_accuracy": float(((lp > 0).mean() + (lh <= 0).mean()) / 2),  # balanced: true captions and hard negatives
        "hard_pairwise": float((lp > lh).mean()),  # the true caption scores above its hard negative
        "easy_accuracy": float(((lp > 0).mean() + (le <= 0).mean()) / 2),
    }
    model.train(was_training)

    def mean(values) -> float:
        return float(np.mean(values)) if values else math.nan

    report = {
        "model": name or model.cfg.name,
        "fusion": model.cfg.fusion,
        "scenes": scenes,
        "seed": seed,
        "language": language,
        "split": "eval (never used in training)",
        "map": label,
        "map_kind": kind,
        "objectives": sorted(model.cfg.objectives),
        "matching": matching,
        "pointing": {g: {"hit": mean(hits[g]), "other": mean(others[g]), "words": len(hits[g])} for g in hits},
        "energy": {g: mean(energy[g]) for g in energy},
    }
    if deletion:
        for mode in ("deletion", "insertion"):
            report[mode] = {"auc": mean(aucs.get(("map", mode), [])), "random_auc": mean(aucs.get(("random", mode), [])),
                            "steps": DELETION_STEPS}
    return report


def evaluate_path(path: str | Path, scenes: int = 200, seed: int = 1000, device: str = "cpu", deletion: bool = True) -> dict:
    from mmexplorer.models.checkpoint import load_checkpoint

    return evaluate(load_checkpoint(path, device), scenes, seed, deletion, name=Path(path).stem)


def localisation_score(report: dict) -> float:
    """One number for "how well do this model's word maps localise": mean hit minus mean other.

    Only attention maps compete for the default model (similarity maps are not attention).
    """
    p = report["pointing"]
    score = (p["colour"]["hit"] + p["shape"]["hit"] - p["colour"]["other"] - p["shape"]["other"]) / 2
    return score if report["map_kind"] == "attention" else score - 2.0

