"""Deletion and insertion curves (engine.faithfulness): one implementation for every model, reused by eval."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import tiny_model

torch = pytest.importorskip("torch")


def _scene(index: int = 0):
    from mmexplorer.data.shapes import ShapesSpec, make_scene, scene_rng

    for i in range(index, index + 50):  # the first scene of two objects or more
        scene = make_scene(scene_rng(7, "eval", i), ShapesSpec(size=128))
        if len(scene.objects) >= 2 and scene.pixels.shape[0] == scene.pixels.shape[1]:
            return scene
    raise AssertionError("no scene with two objects")


class ObjectCounter:
    """A stand-in model whose score is the share of one object's pixels still unchanged: the answer depends on
    that object alone (the real interface's perturbation, batching and scoring are what is tested)."""

    name = "object-counter"

    def __init__(self, scene, obj: int) -> None:
        self.original = scene.pixels
        x0, y0, x1, y1 = scene.objects[obj].box
        self.box = (x0, y0, x1, y1)
        self.calls = []

    def blank_colour(self, pixels):
        return np.array([128, 128, 128], dtype=np.uint8)

    def match_scores(self, samples, target=None):
        self.calls.append(len(samples))
        x0, y0, x1, y1 = self.box
        ref = self.original[y0:y1, x0:x1]
        return np.array([np.all(s.image.pixels[y0:y1, x0:x1] == ref, axis=-1).mean() for s in samples])


def test_deletion_falls_at_the_step_that_removes_the_object_and_insertion_rises_there():
    from mmexplorer.attention.grid import patch_boxes
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.data.tokenizer import Encoding
    from mmexplorer.engine.faithfulness import curves_for_orders, order_of

    scene = _scene()
    model = ObjectCounter(scene, 0)
    grid, size = (8, 8), scene.pixels.shape[0]
    box_of_image = (0, 0, size, size)
    # the map: every patch that overlaps the object, and nothing else
    boxes = patch_boxes(grid, box_of_image)
    x0, y0, x1, y1 = model.box
    touches = (boxes[:, 0] < x1) & (boxes[:, 2] > x0) & (boxes[:, 1] < y1) & (boxes[:, 3] > y0)
    importance = touches.astype(float).reshape(grid)
    k = int(touches.sum())
    sample = Sample(LoadedImage(scene.pixels, "scene"), Encoding("", (), False, 0))
    steps = 64  # one patch per step: the curve's fall is at step k exactly
    orders = {"map": order_of(importance), "random": np.random.default_rng(0).permutation(64)}
    curves = curves_for_orders(model, sample, grid, box_of_image, orders, steps)
    deletion = np.array(curves["map", "deletion"].scores)
    assert deletion[0] == 1.0 and deletion[k - 1] > 0 and deletion[k] == 0 and np.all(deletion[k:] == 0)
    insertion = np.array(curves["map", "insertion"].scores)
    assert insertion[0] == 0 and insertion[k - 1] < 1 and np.all(insertion[k:] == 1.0)
    # the map beats the random order both ways, and every picture went in one batch
    assert curves["map", "deletion"].auc < curves["random", "deletion"].auc
    assert curves["map", "insertion"].auc > curves["random", "insertion"].auc
    assert model.calls == [2 + 2 * 2 * (steps - 1)]  # the picture and the blank once, the inner steps of each curve
    assert curves["map", "deletion"].fractions[k] == pytest.approx(k / 64)


def test_bundled_forward_only_scores_equal_the_probe_and_curves_cover_every_method():
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.faithfulness import METHODS, faithfulness
    from mmexplorer.engine.model_api import BundledModel
    from mmexplorer.engine.probe import probe

    scene = _scene()
    model = BundledModel(tiny_model("early"))
    sample = Sample(LoadedImage(scene.pixels, "scene"), model.tokenizer.encode(scene.caption.text))
    record = probe(model, sample, relevancy=False)
    assert model.match_scores([sample])[0] == pytest.approx(record.outputs["match_prob"], abs=1e-5)
    report = faithfulness(model, sample, steps=4)
    assert set(report["auc"]) == {f"{mode}_{m}" for m in METHODS for mode in ("deletion", "insertion")}
    for curve in report["curves"]:
        assert len(curve["scores"]) == 5 and curve["fractions"][0] == 0 and curve["fractions"][-1] == 1
        assert curve["scores"][0] == pytest.approx(record.outputs["match_prob"] if curve["mode"] == "deletion"
                                                  else model.match_scores([Sample(LoadedImage(
                                                      np.broadcast_to(model.blank_colour(scene.pixels),
                                                                      scene.pixels.shape).copy(), "b"),
                                                      sample.encoding)])[0], abs=1e-5)
    # deletion ends where insertion starts: the all-blank picture
    by = {(c["method"], c["mode"]): c["scores"] for c in report["curves"]}
    assert by["raw", "deletion"][-1] == pytest.approx(by["raw", "insertion"][0], abs=1e-6)


def test_image_only_records_rank_by_the_cls_row():
    from mmexplorer.engine.faithfulness import method_map

    model = tiny_model("late")
    from mmexplorer.attention.capture import capture
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample

    scene = _scene()
    record = capture(model, Sample(LoadedImage(scene.pixels, "s"), model.tokenizer.encode("")), relevancy=True)
    for method in ("raw", "rollout", "relevancy"):
        m = method_map(record, method)
        assert m.shape == record.grid and m.sum() == pytest.approx(1.0)
