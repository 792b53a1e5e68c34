"""The record's regions and generated answer: token -> patch blocks, the photo's grid, rollout rows, the npz."""

import dataclasses

import numpy as np
import pytest

from mmexplorer.attention.generation import (
    Generation,
    ImageRegions,
    answer_image_map,
    answer_row,
    block_token_patches,
    photo_weights,
    region_maps,
    to_photo,
)
from mmexplorer.attention.npz import load_record, save_record
from mmexplorer.attention.record import AttentionRecord
from mmexplorer.attention.reductions import rollout, rollout_rows
from mmexplorer.spec import FusionSpec


def test_pixel_shuffle_blocks():
    # one region, 4 x 4 patches merged 2 x 2: token (0, 1) takes patches (0, 2), (0, 3), (1, 2), (1, 3)
    tp = block_token_patches([(2, 2)], [(4, 4)])
    assert tp.shape == (4, 4)
    assert tp[1].tolist() == [2, 3, 6, 7]
    assert sorted(tp.ravel().tolist()) == list(range(16))  # every patch in exactly one token
    two = block_token_patches([(2, 2), (1, 1)], [(4, 4), (2, 2)])
    assert two[4].tolist() == [16, 17, 18, 19]  # the second region's patches are numbered after the first's
    with pytest.raises(ValueError):
        block_token_patches([(3, 3)], [(4, 4)])


def tiles_and_global(width=140.0, height=90.0) -> ImageRegions:
    """2 x 2 tiles of 2 x 2 tokens, then a global view of 2 x 2 tokens (SmolVLM's layout)."""
    boxes = [(0, 0, 70, 45), (70, 0, 140, 45), (0, 45, 70, 90), (70, 45, 140, 90), (0, 0, width, height)]
    grids = [(2, 2)] * 5
    spans = [(3 + 5 * k, 7 + 5 * k) for k in range(5)]
    return ImageRegions(names=("tile r1 c1", "tile r1 c2", "tile r2 c1", "tile r2 c2", "global"), boxes=boxes,
                        token_grids=grids, patch_grids=[(4, 4)] * 5, spans=spans,
                        token_patches=block_token_patches(grids, [(4, 4)] * 5))


def test_tiles_land_in_their_boxes_and_the_global_view_spreads():
    regions = tiles_and_global()
    w = photo_weights(regions, (4, 4), (0, 0, 140, 90))
    values = np.zeros(20, np.float32)
    values[1 * 4 + 3] = 1.0  # tile r1 c2, token (1, 1): the photo's cell (1, 3)
    photo = to_photo(values, w, (4, 4))
    expected = np.zeros((4, 4))
    expected[1, 3] = 1.0
    np.testing.assert_array_equal(photo, expected)
    values[:] = 0
    values[16] = 1.0  # the global view's token (0, 0) covers the photo's top-left 2 x 2 cells, a quarter each
    photo = to_photo(values, w, (4, 4))
    expected = np.zeros((4, 4))
    expected[:2, :2] = 0.25
    np.testing.assert_allclose(photo, expected)
    np.testing.assert_allclose(to_photo(np.ones(20), w, (4, 4)).sum(), 20)  # mass kept


def test_regions_refuse_a_span_that_is_not_their_grid():
    r = tiles_and_global()
    with pytest.raises(ValueError, match="span"):
        dataclasses.replace(r, spans=[(0, 3)] + [tuple(s) for s in r.spans[1:]])


def test_rollout_rows_equal_the_whole_rollout():
    rng = np.random.default_rng(0)
    layers = []
    for _ in range(3):
        a = np.tril(rng.random((2, 7, 7)))
        layers.append(a / a.sum(-1, keepdims=True))  # causal rows
    full = rollout(layers)
    np.testing.assert_allclose(rollout_rows([x.mean(0) for x in layers], [4, 6]), full[[4, 6]], atol=1e-12)


def generation_record(regions: ImageRegions, answer: int = 3, layers: int = 2, heads: int = 2) -> AttentionRecord:
    rng = np.random.default_rng(1)
    p = int(regions.spans[-1][1]) + 4
    s = p + answer - 1
    rows = []
    for _ in range(layers):
        full = np.tril(rng.random((heads, s, s)))
        full /= full.sum(-1, keepdims=True)
        rows.append(full[:, p - 1:, :])
    gen = Generation(prompt_tokens=[f"t{i}" for i in range(p)], prompt_ids=np.arange(p),
                     prompt_segments=(("template", 0, p),), answer_tokens=["a", "b", "c"][:answer],
                     answer_ids=np.arange(answer) + 100, answer_rows=rows, answer_rollout=np.zeros((answer, s)),
                     answer_to_image=np.zeros((answer, 4, 4)), answer_map_label="test",
                     prompt_attention={1: np.zeros((heads, p, p))}, answer_relevancy=rng.random((answer, s)),
                     vision_attention={0: rng.random((5, heads, 16, 16))})
    return AttentionRecord(model="m", fusion="hf-smolvlm", tokens=("what",), token_unk=(False,), truncated=False,
                           grid=(4, 4), image_box=(0, 0, 140, 90), image_size=(140, 90), attention={}, layouts={},
                           order=(), cross_kind=None, token_to_image=np.zeros((1, 4, 4)), map_label="",
                           regions=regions, generation=gen)


def test_answer_rows_read_by_layer_head_and_method():
    record = generation_record(tiles_and_global())
    g = record.generation
    p = len(g.prompt_ids)
    row = answer_row(g, 1, layer=0, head=1)
    np.testing.assert_array_equal(row, g.answer_rows[0][1, 1, :p + 1])
    assert answer_row(g, 2, head="max").shape == (p + 2,)
    maps = region_maps(g, record.regions, 0, layer=1)
    assert len(maps) == 5 and maps[0].shape == (2, 2)
    m = answer_image_map(g, record.regions, record.grid, record.image_box, 0, layer=1)
    assert m.shape == (4, 4) and np.isclose(m.sum(), sum(x.sum() for x in maps))
    np.testing.assert_array_equal(answer_row(g, 1, method="relevancy"), g.answer_relevancy[1, :p + 1])
    with pytest.raises(ValueError, match="without answer relevancy"):
        answer_row(dataclasses.replace(g, answer_relevancy=None), 0, method="relevancy")
    with pytest.raises(ValueError):
        answer_row(g, 0, method="gradcam")


def test_a_generative_record_round_trips_the_npz(tmp_path):
    record = generation_record(tiles_and_global())
    out = load_record(save_record(record, tmp_path / "g.npz"))
    assert out.generative and out.generation.answer_tokens == record.generation.answer_tokens
    for a, b in zip(out.generation.answer_rows, record.generation.answer_rows):
        np.testing.assert_array_equal(a, b)
    assert list(out.generation.prompt_attention) == [1]
    np.testing.assert_array_equal(out.generation.answer_relevancy, record.generation.answer_relevancy)
    np.testing.assert_array_equal(out.generation.vision_attention[0], record.generation.vision_attention[0])
    assert out.regions.names == record.regions.names
    np.testing.assert_array_equal(out.regions.token_patches, record.regions.token_patches)
    with np.load(tmp_path / "g.npz") as z:
        assert {"answer_tokens", "answer_to_image", "answer_attn/0", "answer_attn/1", "answer_rollout",
                "prompt_tokens", "regions/boxes", "regions/spans", "prompt_attn/1", "vision_attn/0"} <= set(z.files)
        assert z["answer_to_image"].dtype == np.float32 and z["answer_to_image"].shape == (3, 4, 4)


def test_an_old_record_still_loads_without_the_new_parts(tmp_path):
    old = dataclasses.replace(generation_record(tiles_and_global()), regions=None, generation=None)
    out = load_record(save_record(old, tmp_path / "old.npz"))
    assert out.regions is None and out.generation is None and not out.generative


def test_old_spec_dicts_read_as_not_generative():
    old = {"fusion": "early", "category": "early", "cross_kind": "joint", "default_map": "attention", "note": "n"}
    assert FusionSpec.from_dict(old).generative is False
    spec = FusionSpec(fusion="g", category="early", cross_kind=None, default_map="attention", note="n", generative=True)
    assert FusionSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ValueError):
        FusionSpec(fusion="x", category="early", cross_kind=None, default_map="attention", note="n")
