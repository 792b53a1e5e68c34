"""The shapes world: deterministic by seed, captions that tokenise as stated, negatives that differ as stated."""

from __future__ import annotations

import numpy as np
import pytest

from mmexplorer.data.shapes import (
    Scene,
    easy_negative,
    hard_negative,
    make_scene,
    question,
    scene_rng,
    scenes,
)
from mmexplorer.data.tokenizer import Tokenizer
from mmexplorer.data.vocab import COLOURS, SHAPES, WORDS

N = 200


def _scenes(seed: int = 7, split: str = "train", n: int = N) -> list[tuple[Scene, np.random.Generator]]:
    stream = scenes(seed, split)
    return [next(stream) for _ in range(n)]


def test_same_seed_same_scenes_and_negatives():
    a = [(s, hard_negative(s, r), easy_negative(s, r)) for s, r in _scenes(n=40)]
    b = [(s, hard_negative(s, r), easy_negative(s, r)) for s, r in _scenes(n=40)]
    for (sa, ha, ea), (sb, hb, eb) in zip(a, b):
        assert np.array_equal(sa.pixels, sb.pixels)
        assert sa.objects == sb.objects and sa.caption == sb.caption
        assert ha == hb and ea == eb


def test_any_scene_regenerates_alone():
    stream = _scenes(n=12)
    alone = make_scene(scene_rng(7, "train", 11))
    assert np.array_equal(alone.pixels, stream[11][0].pixels)


def test_seeds_and_splits_give_different_scenes():
    train = [s.caption.text for s, _ in _scenes(7, "train", 50)]
    other_seed = [s.caption.text for s, _ in _scenes(8, "train", 50)]
    held_out = [s.caption.text for s, _ in _scenes(7, "eval", 50)]
    assert train != other_seed and train != held_out


def test_scene_layout():
    for scene, _ in _scenes():
        assert scene.pixels.shape == (128, 128, 3) and scene.pixels.dtype == np.uint8
        assert 1 <= len(scene.objects) <= 3
        assert len({(o.colour, o.shape) for o in scene.objects}) == len(scene.objects)
        corner = scene.pixels[0, 0].astype(int)
        assert corner.min() >= 200, "light background"
        for i, o in enumerate(scene.objects):
            x0, y0, x1, y1 = o.box
            assert 0 <= x0 < x1 <= 128 and 0 <= y0 < y1 <= 128
            centre = scene.pixels[(y0 + y1) // 2 + (y1 - y0) // 6, (x0 + x1) // 2].astype(int)
            assert np.abs(centre - corner).max() > 60, "the object is painted at its box"
            for p in scene.objects[i + 1 :]:
                overlap_x = min(x1, p.box[2]) > max(x0, p.box[0])
                overlap_y = min(y1, p.box[3]) > max(y0, p.box[1])
                assert not (overlap_x and overlap_y)


def test_caption_names_every_object_and_tokenises_as_stated():
    tokenizer = Tokenizer(WORDS)
    for scene, _ in _scenes():
        cap = scene.caption
        enc = tokenizer.encode(cap.text)
        assert enc.surfaces == list(cap.words)
        assert not any(t.is_unk for t in enc.tokens)
        named = {}
        for word, obj in cap.groundings:
            named.setdefault(obj, []).append(cap.words[word])
        assert sorted(named) == list(range(len(scene.objects)))
        for obj, words in named.items():
            assert words == [scene.objects[obj].colour, scene.objects[obj].shape]


def test_repeated_colour_and_shape_words_occur():
    repeated_colour = repeated_shape = 0
    for scene, _ in _scenes():
        colours = [w for w in scene.caption.words if w in COLOURS]
        shapes = [w for w in scene.caption.words if w in SHAPES]
        repeated_colour += len(colours) > len(set(colours))
        repeated_shape += len(shapes) > len(set(shapes))
    assert repeated_colour > 10 and repeated_shape > 10


def test_hard_negative_changes_exactly_one_attribute_of_one_object():
    for scene, rng in _scenes():
        neg = hard_negative(scene, rng)
        pos = scene.caption
        changed = [i for i, (a, b) in enumerate(zip(pos.words, neg.caption.words)) if a != b]
        assert len(neg.caption.words) == len(pos.words) and len(changed) == 1
        position = changed[0]
        obj = dict(pos.groundings)[position]
        assert obj == neg.object_index
        old, new = pos.words[position], neg.caption.words[position]
        vocabulary = COLOURS if neg.attribute == "colour" else SHAPES
        assert old in vocabulary and new in vocabulary and (old, new) == (neg.old, neg.new)
        o = scene.objects[obj]
        named = (new, o.shape) if neg.attribute == "colour" else (o.colour, new)
        assert named not in {(p.colour, p.shape) for p in scene.objects}, "the negative names an object that is absent"


def test_easy_negative_does_not_describe_the_scene():
    for scene, rng in _scenes():
        cap = easy_negative(scene, rng)
        truth = sorted((o.colour, o.shape) for o in scene.objects)
        words = [cap.words[w] for w, _ in cap.groundings]
        phrases = sorted(zip(words[0::2], words[1::2]))
        assert phrases != truth


@pytest.mark.parametrize("seed", [1, 2])
def test_questions_have_correct_answers(seed):
    for scene, rng in _scenes(seed, n=100):
        text, answer = question(scene, rng)
        words = text.split()
        present = {(o.colour, o.shape) for o in scene.objects}
        if words[1] == "colour":
            assert (answer, words[4]) in present
        elif words[1] == "shape":
            assert (words[4], answer) in present
        else:
            assert answer == ("yes" if (words[3], words[4]) in present else "no")


def test_chinese_captions_describe_the_same_scene_word_for_word():
    from mmexplorer.data.shapes import swap_negative, word_tokens
    from mmexplorer.data.vocab import BILINGUAL_WORDS, word_in

    tok = Tokenizer(BILINGUAL_WORDS)
    for index in range(40):
        en = make_scene(scene_rng(7, "train", index))
        zh = make_scene(scene_rng(7, "train", index), language="zh")
        assert np.array_equal(en.pixels, zh.pixels) and en.objects == zh.objects
        assert zh.caption.language == "zh" and zh.caption.groundings == en.caption.groundings
        assert [word_in(w, "zh") if w in COLOURS + SHAPES else w for w in en.caption.words if w in COLOURS + SHAPES] == \
            [w for i, w in enumerate(zh.caption.words) if i in dict(zh.caption.groundings)]
        enc = tok.encode(zh.caption.text)
        assert [t.surface for t in enc.tokens] == list(zh.caption.words) and not any(t.is_unk for t in enc.tokens)
        assert word_tokens(zh.caption, enc) == [[i] for i in range(len(zh.caption.words))]
        # an English-only vocabulary reads each Chinese word as its characters
        chars = word_tokens(zh.caption, Tokenizer(WORDS).encode(zh.caption.text))
        assert [len(t) for t in chars] == [len(w) for w in zh.caption.words]
        rng = scene_rng(7, "train", index)
        make_scene(rng, language="zh")
        hard = hard_negative(zh, rng)
        assert sum(a != b for a, b in zip(hard.caption.words, zh.caption.words)) == 1
        assert word_in(hard.new, "zh") in hard.caption.words and hard.caption.language == "zh"
        assert easy_negative(zh, rng).language == "zh"
        swap = swap_negative(zh, rng)
        assert swap is None or (sorted(swap.words) == sorted(zh.caption.words) and swap.language == "zh")
    assert make_scene(scene_rng(7, "train", 0), language="zh").caption.text.startswith("一个")


def test_binding_and_texture_scenes_for_training():
    from collections import Counter

    from mmexplorer.data.shapes import ShapesSpec

    spec = ShapesSpec(binding_prob=1.0, texture_prob=1.0)
    for index in range(20):
        scene = make_scene(scene_rng(7, "train", index), spec)
        assert len(scene.objects) == 3
        assert sorted(Counter(o.colour for o in scene.objects).values()) == [1, 2]
        assert sorted(Counter(o.shape for o in scene.objects).values()) == [1, 2]
        background = scene.pixels[:, :, 0].astype(int)
        assert np.abs(np.diff(background, axis=0)).max() > 10, "blotches on the background"
    # the default stream (no binding, no texture) is the one the first-generation models were trained on:
    # the digest of its first 50 scenes and hard negatives, from before the binding and texture options existed
    import hashlib

    digest = hashlib.sha256()
    for index in range(50):
        rng = scene_rng(3, "train", index)
        scene = make_scene(rng)
        digest.update(scene.pixels.tobytes())
        digest.update(scene.caption.text.encode())
        digest.update(hard_negative(scene, rng).caption.text.encode())
    assert digest.hexdigest()[:16] == "f9745b8d0d68ba6e"
