"""Letterbox preprocessing: the aspect ratio is kept, padded patches are masked out and say so; square models are untouched."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mmexplorer.attention.capture import capture
from mmexplorer.attention.grid import box_mask
from mmexplorer.config import ModelConfig, load_variant
from mmexplorer.data.image import LoadedImage
from mmexplorer.data.sample import Sample
from mmexplorer.models.fusion.registry import build_model
from mmexplorer.models.preprocess import image_tensor, input_geometry, letterbox_fit
from mmexplorer import families

TINY = {"width": 32, "depth": 1, "unimodal_depth": 1, "heads": 2, "image_size": 64, "patch_size": 8}
FUSIONS = families.bundled_names()


def _model(fusion: str, preprocess: str, seed: int = 0):
    torch.manual_seed(seed)
    return build_model(load_variant(fusion).replace(preprocess=preprocess, **TINY)).eval()


def _picture(width: int = 128, height: int = 64) -> np.ndarray:
    rng = np.random.default_rng(0)
    pixels = rng.integers(200, 256, size=(height, width, 3), dtype=np.uint8)
    pixels[16:48, 80:112] = (220, 30, 30)  # a red square, 32 px, right of centre
    return pixels


def test_letterbox_keeps_the_aspect_ratio_and_pads_with_zeros():
    cfg = load_variant("early").replace(preprocess="letterbox", **TINY)
    assert letterbox_fit(128, 64, 64, 8) == (64, 32, 0, 16)
    x = image_tensor(_picture(), cfg)[0]  # [3, 64, 64]
    assert not x[:, :16].any() and not x[:, 48:].any()  # two patch rows of padding above and below
    assert (x[:, 16:48] != 0).all()  # no picture pixel normalises to exactly 0
    box, valid = input_geometry(cfg, 128, 64, (8, 8))
    assert box == (0.0, -32.0, 128.0, 96.0)
    assert valid[2:6].all() and not valid[:2].any() and not valid[6:].any()
    # a square picture is not padded at all
    assert input_geometry(cfg, 90, 90, (8, 8))[1].all()


@pytest.mark.parametrize("fusion", FUSIONS)
def test_padded_patches_are_never_attended_nor_mapped(fusion):
    model = _model(fusion, "letterbox")
    sample = Sample(LoadedImage(_picture(), "test"), model.tokenizer.encode("a red square"))
    record = capture(model, sample, relevancy=fusion == "late")
    valid = np.asarray(record.meta["patch_valid"])
    assert record.grid == (8, 8) and record.image_box == (0.0, -32.0, 128.0, 96.0)
    for kind, layers in record.attention.items():
        keys = record.positions(kind, 1, "image")  # the key axis's patch positions
        if not len(keys):
            continue
        padded = keys[~valid.reshape(-1)]
        for weights in layers:  # [H, Q, K]
            assert np.abs(weights[:, :, padded]).max() == 0.0, kind
    assert not record.token_to_image[:, ~valid].any() and record.token_to_image[:, valid].any()
    # the red square's patches, placed through the record's image_box, are the ones that hold it
    inside = box_mask(record.grid, record.image_box, (80, 16, 112, 48))
    assert inside.sum() == 4 and inside[3:5, 5:7].all()  # 16 picture px a patch: rows 3-4, columns 5-6
    x = image_tensor(sample.image.pixels, model.cfg)[0]  # and those patches of the input are the red ones
    assert (x[0, 24:40, 40:56] > x[1, 24:40, 40:56]).all()


@pytest.mark.parametrize("fusion", FUSIONS)
def test_square_pictures_and_old_configs_are_untouched(fusion):
    square, boxed = _model(fusion, "square"), _model(fusion, "letterbox")
    boxed.load_state_dict(square.state_dict())
    sample = Sample(LoadedImage(_picture(96, 96), "test"), square.tokenizer.encode("a red square"))
    a, b = capture(square, sample, relevancy=False), capture(boxed, sample, relevancy=False)
    assert np.array_equal(a.token_to_image, b.token_to_image) and a.outputs == b.outputs
    assert "patch_valid" not in b.meta
    # a first-generation config has no preprocess field and reads as square resize; it is written back without one
    old = {k: v for k, v in square.cfg.to_dict().items()}
    assert "preprocess" not in old and ModelConfig.from_dict(old).preprocess == "square"
    assert boxed.cfg.to_dict()["preprocess"] == "letterbox"


def test_unknown_preprocess_is_refused():
    from mmexplorer.config import ConfigError

    with pytest.raises(ConfigError, match="preprocess"):
        ModelConfig(preprocess="crop")


def test_training_on_square_scenes_is_the_same_with_either_preprocess(tmp_path):
    """Shapes-world scenes are square: a letterbox model trains exactly as a square-resize one would."""
    from mmexplorer.engine.recipes import TrainSettings
    from mmexplorer.engine.train import train
    from mmexplorer.models.checkpoint import read_checkpoint

    weights = []
    for preprocess in ("square", "letterbox"):
        settings = TrainSettings(fusion="hybrid", steps=2, batch_scenes=2, threads=1, model={**TINY, "preprocess": preprocess})
        cfg, state, _ = read_checkpoint(train(settings, tmp_path / f"{preprocess}.safetensors").path)
        assert cfg.preprocess == preprocess
        weights.append(state)
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_non_square_scenes_keep_the_default_stream_and_fit_their_canvas():
    """aspect_prob 0 draws exactly the scenes it always did; with it, canvases of both orientations appear."""
    from mmexplorer.data.shapes import ShapesSpec, make_scene, scene_rng

    plain = [make_scene(scene_rng(7, "train", i)) for i in range(20)]
    again = [make_scene(scene_rng(7, "train", i), ShapesSpec(aspect_prob=0.0)) for i in range(20)]
    assert all(np.array_equal(a.pixels, b.pixels) and a.caption == b.caption for a, b in zip(plain, again))
    assert {s.pixels.shape for s in plain} == {(128, 128, 3)}

    shapes = set()
    for i in range(60):
        scene = make_scene(scene_rng(7, "train", i), ShapesSpec(aspect_prob=1.0, binding_prob=0.5))
        height, width = scene.pixels.shape[:2]
        shapes.add((height, width))
        assert max(height, width) == 128 and min(height, width) in (96, 80)
        for obj in scene.objects:
            x0, y0, x1, y1 = obj.box
            assert 0 < x0 < x1 < width and 0 < y0 < y1 < height
    assert any(h < w for h, w in shapes) and any(h > w for h, w in shapes)


def test_grounding_targets_of_a_letterboxed_scene_sit_on_its_objects_not_on_padding():
    """A 128 x 96 scene letterboxed into 128 x 128: the grid's top and bottom rows are padding, and each
    word's target patches are the ones its object covers once shifted down by the padding."""
    from mmexplorer.data.shapes import ShapesSpec, make_scene, scene_rng
    from mmexplorer.engine.batches import make_batch
    from mmexplorer.models.fusion.registry import build_model

    cfg = load_variant("hybrid").replace(preprocess="letterbox")
    model = build_model(cfg)
    index = next(i for i in range(200) if make_scene(scene_rng(5, "train", i), ShapesSpec(aspect_prob=1.0)).pixels.shape[:2] == (96, 128))
    scene = make_scene(scene_rng(5, "train", index), ShapesSpec(aspect_prob=1.0))
    batch = make_batch(cfg, model.tokenizer, 5, index, 1, 0.5, aspect_prob=1.0)
    images = batch.images[:1]  # [1, 3, 128, 128]
    assert torch.all(images[0, :, :16] == 0) and torch.all(images[0, :, 112:] == 0)  # one padded row of patches each
    assert bool(model.patch_mask(images)[0].reshape(8, 8)[1:7].all())
    targets = batch.ground_targets.reshape(-1, 8, 8)
    assert not targets[:, 0].any() and not targets[:, 7].any()
    for (word, obj), target in zip(scene.caption.groundings, targets):
        x0, y0, x1, y1 = scene.objects[obj].box
        expected = box_mask((8, 8), (0.0, -16.0, 128.0, 112.0), (x0, y0, x1, y1))
        assert np.array_equal(target.numpy().astype(bool), expected)
    # a square-resize model reads the same scene squashed: its targets cover the whole grid's height
    square = make_batch(load_variant("hybrid"), model.tokenizer, 5, index, 1, 0.5, aspect_prob=1.0)
    assert not torch.equal(square.ground_targets, batch.ground_targets)


@pytest.mark.parametrize("size", [(192, 128), (128, 192), (300, 97), (640, 480), (50, 400)])
def test_every_patch_of_a_letterboxed_input_is_all_picture_or_all_padding(size):
    """Sides are rounded to whole patches: a half-padded patch is an input no model was trained on."""
    width, height = size
    cfg = load_variant("early").replace(preprocess="letterbox")  # 128 px, 16 px patches
    w, h, x0, y0 = letterbox_fit(width, height, 128, 16)
    assert w % 16 == 0 and h % 16 == 0 and x0 % 16 == 0 and y0 % 16 == 0
    assert abs(w / h - width / height) <= (width / height) * (8 / min(w, h)) + 1e-9  # at most half a patch off
    pixels = np.random.default_rng(1).integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    x = image_tensor(pixels, cfg)[0]  # [3, 128, 128]
    cells = (x != 0).any(dim=0).reshape(8, 16, 8, 16).permute(0, 2, 1, 3).reshape(64, -1)  # [patch, pixels]
    assert bool((cells.all(dim=1) | ~cells.any(dim=1)).all())
    _, valid = input_geometry(cfg, width, height, (8, 8))
    assert np.array_equal(cells.all(dim=1).numpy(), valid.reshape(-1) if valid is not None else np.ones(64, bool))
