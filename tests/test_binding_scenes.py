"""Binding scenes: three objects that share a colour word and a shape noun, on any canvas, from a second renderer."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from mmexplorer.attention.grid import box_mask
from mmexplorer.data.binding import binding_scene
from mmexplorer.data.shapes import PALETTE, hard_negative, swap_negative
from mmexplorer.data.tokenizer import Tokenizer
from mmexplorer.data.vocab import WORDS

CANVASES = [(128, 128, False), (256, 192, False), (256, 192, True), (160, 240, True)]


@pytest.mark.parametrize("width, height, textured", CANVASES)
def test_three_objects_share_a_colour_and_a_shape(width, height, textured):
    tok = Tokenizer(WORDS)
    for index in range(30):
        scene, _ = binding_scene(4, index, width, height, textured)
        assert scene.pixels.shape == (height, width, 3) and scene.pixels.dtype == np.uint8
        assert len(scene.objects) == 3 and len({(o.colour, o.shape) for o in scene.objects}) == 3
        assert sorted(Counter(o.colour for o in scene.objects).values()) == [1, 2]
        assert sorted(Counter(o.shape for o in scene.objects).values()) == [1, 2]
        assert [t.surface for t in tok.encode(scene.caption.text).tokens] == list(scene.caption.words)
        for word, obj in scene.caption.groundings:
            assert scene.caption.words[word] in (scene.objects[obj].colour, scene.objects[obj].shape)
        # every box is inside the canvas and keeps a patch of the widest 8 x 8 grid at least half inside
        widest = (8, 8), (0.0, 0.0, float(max(width, height)), float(max(width, height)))
        for o in scene.objects:
            x0, y0, x1, y1 = o.box
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
            assert box_mask(*widest, o.box).any()
            centre = scene.pixels[(y0 + y1) // 2 + (y1 - y0) // 6, (x0 + x1) // 2].astype(int)
            assert np.abs(centre - np.array(PALETTE[o.colour])).max() < 0.3 * 255 + 20, "the object has its colour"


def test_deterministic_and_independent_of_other_streams():
    a, _ = binding_scene(4, 3, 256, 192, True)
    b, _ = binding_scene(4, 3, 256, 192, True)
    c, _ = binding_scene(5, 3, 256, 192, True)
    assert np.array_equal(a.pixels, b.pixels) and a.caption == b.caption
    assert not np.array_equal(a.pixels, c.pixels)


def test_textured_scenes_are_textured():
    plain, _ = binding_scene(4, 0, 256, 192, False)
    textured, _ = binding_scene(4, 0, 256, 192, True)
    # the background of a plain scene is a smooth gradient: neighbouring pixels along a row barely differ
    assert np.abs(np.diff(plain.pixels[:, :, 0].astype(int), axis=1)).mean() < 1.0
    assert np.abs(np.diff(textured.pixels[:, :, 0].astype(int), axis=1)).mean() > 2.0


def test_swap_negative_rebinds_the_same_words():
    for index in range(30):
        scene, rng = binding_scene(4, index, 128, 128)
        swap = swap_negative(scene, rng)
        assert Counter(swap.words) == Counter(scene.caption.words) and swap.words != scene.caption.words
        named = Counter(zip(swap.words[1::4], swap.words[2::4]))
        truth = Counter((o.colour, o.shape) for o in scene.objects)
        assert named != truth, "the swapped caption names an object that is not there"
        hard = hard_negative(scene, rng).caption
        assert sum(a != b for a, b in zip(hard.words, scene.caption.words)) == 1


def test_swap_negative_needs_two_objects_differing_in_both():
    from mmexplorer.data.shapes import Caption, Scene, ShapeObject

    objs = (ShapeObject("red", "circle", (0, 0, 30, 30)), ShapeObject("red", "square", (40, 40, 70, 70)))
    caption = Caption(("a", "red", "circle", "and", "a", "red", "square"), "a red circle and a red square",
                      ((1, 0), (2, 0), (5, 1), (6, 1)))
    assert swap_negative(Scene(np.zeros((128, 128, 3), np.uint8), objs, caption), np.random.default_rng(0)) is None
