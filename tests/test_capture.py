"""Captured records: shapes match tokens and grid, softmax rows sum to 1, default maps are what the maps say."""

import numpy as np
import pytest

from conftest import FUSIONS, tiny_model
from mmexplorer.attention.capture import capture
from mmexplorer.attention.maps import (
    image_branch_map,
    patch_token_extent,
    patch_token_scores,
    propagated,
    token_image_map,
    token_image_maps_every_head,
)
from mmexplorer.attention.npz import load_record, save_record
from mmexplorer.data.sample import make_sample

TEXT = "a red circle and a blue zebra"  # "zebra" is not in the vocabulary

EXPECTED_KINDS = {
    "early": {"joint"},
    "cross": {"text", "image", "text_to_image", "image_to_text"},
    "hybrid": {"text", "image", "joint"},
    "late": {"text", "image"},
    "contrastive": {"text", "image"},
}


@pytest.fixture(scope="module", params=FUSIONS)
def captured(request):
    rng = np.random.default_rng(3)
    photo = rng.integers(0, 255, (90, 140, 3), dtype=np.uint8)
    model = tiny_model(request.param)
    sample = make_sample(photo, TEXT, model.tokenizer)
    return request.param, model, capture(model, sample)


def test_kinds_and_shapes(captured):
    fusion, model, rec = captured
    assert set(rec.kinds) == EXPECTED_KINDS[fusion]
    n_tok, n_patch = 7, 16  # 64 px / 16 px = 4 x 4 grid
    assert rec.tokens == tuple(TEXT.split())
    assert rec.token_unk == (False,) * 6 + (True,)
    assert rec.grid == (4, 4)
    sizes = {"text": 1 + n_tok, "image": 1 + n_patch, "joint": 1 + n_tok + n_patch}
    for kind, layers in rec.attention.items():
        q_seq, k_seq = {"text_to_image": ("text", "image"), "image_to_text": ("image", "text")}.get(kind, (kind, kind))
        for a in layers:
            assert a.shape == (model.cfg.heads, sizes[q_seq], sizes[k_seq])
        assert len(rec.labels(kind, 0)) == sizes[q_seq] and len(rec.labels(kind, 1)) == sizes[k_seq]
    assert rec.token_to_image.shape == (n_tok, 4, 4)
    assert rec.patch_positions.shape == (n_patch, model.cfg.width)


def test_every_softmax_row_sums_to_one(captured):
    _, _, rec = captured
    for layers in rec.attention.values():
        for a in layers:
            assert np.all(a >= 0)
            np.testing.assert_allclose(a.sum(-1), 1.0, atol=1e-5)


def test_default_map_is_the_views_map(captured):
    fusion, _, rec = captured
    for t in range(len(rec.tokens)):
        m, label = token_image_map(rec, t)
        np.testing.assert_allclose(rec.token_to_image[t], m, atol=1e-7)
    if fusion == "contrastive":
        assert "similarity" in rec.map_label and "not attention" in rec.map_label
        assert rec.similarity is not None and np.all(np.abs(rec.similarity) <= 1 + 1e-5)
    elif fusion == "late":
        assert "no cross-modal attention" in rec.map_label
        assert np.allclose(rec.token_to_image[0], rec.token_to_image[-1])  # same for every word
    else:
        assert rec.cross_kind in ("joint", "text_to_image")


@pytest.mark.parametrize("method", ["rollout", "relevancy"])
def test_image_branch_map_equals_the_universe_propagation(captured, method):
    """The single-stream shortcut of separate encoders gives the image [CLS] row of the full propagation."""
    fusion, _, rec = captured
    if fusion not in ("late", "contrastive"):
        return  # models with cross-modal attention always propagate the whole universe
    for head in ("mean", 1):
        fast, _ = image_branch_map(rec, method, head)
        r = propagated(rec, method, head)
        cls = 1 + len(rec.tokens)  # text [CLS] + words, then the image [CLS]
        np.testing.assert_allclose(fast.ravel(), r[cls, cls + 1 :], atol=1e-9)


def test_patch_token_extent_spans_every_layer_and_head_of_the_patch(captured):
    _, _, rec = captured
    kind = "image_to_text" if "image_to_text" in rec.attention else rec.cross_kind
    for patch in (0, 5):
        for method in ("raw", "rollout", "relevancy"):
            lo, hi = patch_token_extent(rec, patch, method, "mean")
            layers = range(rec.layers(kind)) if (method == "raw" and kind) else [None]
            heads = [*range(rec.heads), "mean", "max", "min"] if method == "raw" else ["mean"]
            seen = np.concatenate([patch_token_scores(rec, patch, layer, head, method)[0] for layer in layers for head in heads])
            assert np.isclose(seen.min(), lo) and np.isclose(seen.max(), hi)  # tight, not just a bound


def test_cross_map_is_the_slice_of_the_last_layer(captured):
    fusion, _, rec = captured
    kind = rec.cross_kind
    if kind is None:  # dual encoder and late fusion: nothing to slice
        assert fusion in ("late", "contrastive") and not rec.has_cross_modal_attention
        return
    a = rec.attention[kind][-1].mean(0)
    q = rec.positions(kind, 0, "text")
    k = rec.positions(kind, 1, "image")
    np.testing.assert_allclose(rec.token_to_image[2].ravel(), a[q[2], k], atol=1e-7)


def test_every_head_maps_at_once_equal_the_single_maps(captured):
    """The heads overview's one gather per layer gives each layer's and head's own raw map."""
    fusion, _, rec = captured
    if rec.cross_kind is None:
        with pytest.raises(ValueError):
            token_image_maps_every_head(rec, 0)
        return
    token = len(rec.tokens) - 1
    maps = token_image_maps_every_head(rec, token)
    assert maps.shape == (rec.layers(rec.cross_kind), rec.heads, *rec.grid)
    for layer in range(maps.shape[0]):
        for head in range(maps.shape[1]):
            np.testing.assert_array_equal(maps[layer, head], token_image_map(rec, token, layer, head, "raw")[0])


def test_methods_give_maps_of_grid_shape(captured):
    _, _, rec = captured
    for method in ("raw", "rollout", "relevancy"):
        for head in (0, "mean", "max", "min"):
            m, label = token_image_map(rec, 1, None, head, method)
            assert m.shape == rec.grid and np.all(np.isfinite(m)) and label
    scores, label = patch_token_scores(rec, 5)
    assert scores.shape == (len(rec.tokens),)


def test_record_is_immutable(captured):
    _, _, rec = captured
    with pytest.raises((AttributeError, TypeError)):
        rec.tokens = ()
    with pytest.raises(ValueError):
        rec.token_to_image[0, 0, 0] = 1.0
    with pytest.raises(TypeError):
        rec.attention["x"] = ()


def test_npz_round_trip(captured, tmp_path):
    fusion, _, rec = captured
    path = save_record(rec, tmp_path / "probe.npz")
    with np.load(path, allow_pickle=False) as z:
        assert {"tokens", "grid", "token_to_image", "meta"} <= set(z.files)
        for kind, layers in rec.attention.items():
            for i, a in enumerate(layers):
                np.testing.assert_array_equal(z[f"attn/{kind}/{i}"], a)
        assert z["token_to_image"].dtype == np.float32
    back = load_record(path)
    assert back.tokens == rec.tokens and back.grid == rec.grid and back.fusion == fusion
    assert back.image_box == rec.image_box == (0.0, 0.0, 140.0, 90.0)
    np.testing.assert_array_equal(back.token_to_image, rec.token_to_image)
    for method in ("raw", "rollout", "relevancy"):
        np.testing.assert_allclose(token_image_map(back, 0, None, "mean", method)[0], token_image_map(rec, 0, None, "mean", method)[0])
