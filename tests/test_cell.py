"""One attention weight explained: every number checked against the probe and the module's own forward pass."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from conftest import FUSIONS, tiny_model
from mmexplorer.engine.model_api import BundledModel
from mmexplorer.attention.capture import capture
from mmexplorer.data.sample import make_sample
from mmexplorer.engine.cell import CellError, explain_cell, explain_row
from test_external_models import clip_folder, tv_weights, vit_folder  # noqa: F401  (tiny random CLIP, ViT, torchvision ViT)

TEXT = "a red circle and a blue zebra"


def _photo():
    yy, xx = np.mgrid[0:90, 0:140]
    return np.stack([xx * 255 // 140, yy * 255 // 90, ((xx + yy) % 64) * 4], -1).astype(np.uint8)


def _softmax(row):
    """Reference softmax over a row with -inf for masked keys."""
    e = np.exp(np.asarray(row, np.float64) - np.max(row))
    return e / e.sum()


class OutputHook:
    """The per-head output of one attention module: the input of its output projection, [H, Q, d_k]."""

    def __init__(self, projection, heads):
        self.seen = []
        self.heads = heads
        self.handle = projection.register_forward_pre_hook(lambda _m, args: self.seen.append(args[0].detach().clone()))

    def head_output(self, head, query):
        x = self.seen[-1][0]  # [Q, H * d_k]
        d = x.shape[-1] // self.heads
        return x[query, head * d:(head + 1) * d].double().numpy()


def _check_cell(model, sample, record, kind, layer, head, query, hook):
    """The four done-when checks for every key of one query row (explain_row), and explain_cell on two keys."""
    weights = record.attention[kind][layer]  # [heads, queries, keys] as the probe captured them
    row = explain_row(model, sample, kind, layer, head, query, positions=False)
    assert len(row) == weights.shape[2]
    for key, e in enumerate(row):
        np.testing.assert_allclose(e.weight, weights[head, query, key], atol=1e-5)
        assert e.d_k == e.q.shape[0] == e.k.shape[0] and e.key.index == key
        if e.mask[key]:
            assert e.score == pytest.approx(float(np.dot(e.q.astype(np.float64), e.k)), rel=1e-6, abs=1e-6)
            assert e.scaled == pytest.approx(e.score / math.sqrt(e.d_k), rel=1e-6, abs=1e-6)
        else:
            assert e.weight == 0.0 and np.isneginf(e.row_scaled[key])
        np.testing.assert_allclose(_softmax(e.row_scaled), e.row_weights, atol=1e-12)
        assert e.row_weights.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(e.contribution, e.weight * e.v.astype(np.float64), rtol=1e-12)
    total = np.sum([e.contribution for e in row], axis=0)
    np.testing.assert_allclose(total, hook.head_output(head, query), atol=1e-5)
    np.testing.assert_allclose(row[0].output, hook.head_output(head, query), atol=1e-6)
    for key in (0, len(row) - 1):  # one capture per cell gives the very same numbers
        single = explain_cell(model, sample, kind, layer, head, query, key)
        assert single.weight == row[key].weight and np.array_equal(single.v, row[key].v)
    return row[-1]


@pytest.mark.parametrize("fusion", FUSIONS)
def test_bundled_cells_equal_the_probe_and_the_forward_pass(fusion):
    net = tiny_model(fusion)
    model = BundledModel(net)
    sample = make_sample(_photo(), TEXT, model.tokenizer)
    modules = {(m.kind, m.layer): m for m in net.attention_modules()}
    kinds = sorted({k for k, _ in modules})
    hooks = {key: OutputHook(m.proj, m.heads) for key, m in modules.items()}
    try:
        record = capture(net, sample, relevancy=False)  # the probe's pass feeds the reference hooks
    finally:
        for h in hooks.values():
            h.handle.remove()
    for kind in kinds:
        layer = record.layers(kind) - 1
        queries = record.attention[kind][layer].shape[1]
        e = _check_cell(model, sample, record, kind, layer, 1, queries - 1, hooks[(kind, layer)])
        assert e.kind == kind and e.d_k == model.cfg.width // model.cfg.heads
        assert e.query.label == record.labels(kind, 0)[queries - 1]


def test_cross_attention_cell_names_its_places_and_modalities():
    model = BundledModel(tiny_model("cross"))
    sample = make_sample(_photo(), TEXT, model.tokenizer)
    e = explain_cell(model, sample, "text_to_image", 0, 0, 3, 6)  # "circle" -> patch 5 (row 1, col 1 of 4 x 4)
    assert (e.query.label, e.query.modality) == ("circle", "text")
    assert (e.key.label, e.key.modality, e.key.patch, e.key.row, e.key.col) == ("p5", "image", 5, 1, 1)
    assert e.query_modalities == ("cls", "text") and e.key_modalities == ("cls", "image")
    unk = explain_cell(model, sample, "image_to_text", 0, 0, 1, 7)
    assert unk.query.label == "p0" and unk.key.label == "[UNK] zebra"
    data = e.to_json()
    for field in ("q", "k", "d_k", "score", "scaled", "row_scaled", "mask", "row_weights", "weight", "v", "contribution",
                  "output", "position"):
        assert field in data
    assert len(data["row_scaled"]) == len(data["mask"]) == 17 and len(data["q"]) == data["d_k"] == 16


@pytest.mark.parametrize("fusion,pos_embed", [("early", "learned"), ("cross", "sincos")])
def test_position_share_equals_a_model_without_position_embeddings(fusion, pos_embed):
    """The score without positions equals the score of a copy whose position tables are all zero."""
    model = BundledModel(tiny_model(fusion, pos_embed=pos_embed))
    sample = make_sample(_photo(), TEXT, model.tokenizer)
    bare = BundledModel(copy.deepcopy(model.net))
    with torch.no_grad():
        for table in (bare.net.text.pos, bare.net.patch.pos, bare.net.patch.cls_pos):
            table.zero_()
    kind = "joint" if fusion == "early" else "text_to_image"
    for layer in (0, 1):
        e = explain_cell(model, sample, kind, layer, 1, 2, 9)
        ref = explain_cell(bare, sample, kind, layer, 1, 2, 9, positions=False)
        assert e.scaled_no_pos == pytest.approx(ref.scaled, abs=1e-5)
        assert e.weight_no_pos == pytest.approx(ref.weight, abs=1e-6)
        assert e.position_share == pytest.approx(e.scaled - ref.scaled, abs=1e-5)
        assert e.position_share != pytest.approx(0.0, abs=1e-6)  # positions do move these scores


def test_bad_indices_are_the_users_error():
    model = BundledModel(tiny_model("early"))
    sample = make_sample(_photo(), "a red circle", model.tokenizer)  # joint: 1 + 3 + 16 positions
    for args, message in ((("text", 0, 0, 0, 0), "no 'text' attention.*joint"), (("joint", 2, 0, 0, 0), "layer 2"),
                          (("joint", 0, 2, 0, 0), "head 2"), (("joint", 0, 0, 20, 0), "query 20 out of range 0..19"),
                          (("joint", 0, 0, 0, -1), "key -1")):
        with pytest.raises(CellError, match=message):
            explain_cell(model, sample, *args)


# -- Hugging Face CLIP (eager attention) --------------------------------------------------

def test_clip_cells_equal_the_probe_and_the_forward_pass(clip_folder):  # noqa: F811
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model

    model, _ = load_model(str(clip_folder), "cpu")
    sample = Sample(LoadedImage(_photo(), "array"), model.tokenizer.encode("A cat and a dog"))
    layer = 1
    vision, text = (t.encoder.layers[layer].self_attn for t in (model.net.vision_model, model.net.text_model))
    hooks = {"image": OutputHook(vision.out_proj, vision.num_heads), "text": OutputHook(text.out_proj, text.num_heads)}
    try:
        record = model.capture(sample, relevancy=False)
    finally:
        for h in hooks.values():
            h.handle.remove()
    for kind, query in (("image", 5), ("text", 3)):
        e = _check_cell(model, sample, record, kind, layer, 2, query, hooks[kind])
        assert e.d_k == 8
        assert explain_cell(model, sample, kind, layer, 2, query, 1).position_share is not None
    # the text tower is causal: a token sees itself and the tokens before it, nothing after
    e = explain_cell(model, sample, "text", 0, 0, 3, 5)
    assert list(e.mask) == [j <= 3 for j in range(len(e.mask))] and e.weight == 0.0
    data = e.to_json()
    assert data["row_scaled"][4:] == [None] * (len(e.mask) - 4) and data["scaled"] is None
    with pytest.raises(CellError, match="dual encoder"):
        explain_cell(model, sample, "text_to_image", 0, 0, 0, 0)


def test_vit_cells_equal_the_probe_and_the_forward_pass(vit_folder):  # noqa: F811
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model

    model, _ = load_model(str(vit_folder), "cpu")
    sample = Sample(LoadedImage(_photo(), "array"), model.tokenizer.encode(""))
    attention = model.net.vit.layers[0].attention
    hook = OutputHook(attention.o_proj, model.net.config.num_attention_heads)
    try:
        record = model.capture(sample, relevancy=False)
    finally:
        hook.handle.remove()
    e = _check_cell(model, sample, record, "image", 0, 3, 4, hook)
    assert (e.query.label, e.query.row, e.query.col) == ("p3", 0, 3) and e.mask.all()
    with pytest.raises(CellError, match="image-only"):
        explain_cell(model, sample, "text", 0, 0, 0, 0)


@pytest.mark.parametrize("family", ["clip", "vit"])
def test_hf_position_share_equals_a_network_without_position_tables(family, clip_folder, vit_folder):  # noqa: F811
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model

    folder = str(clip_folder if family == "clip" else vit_folder)
    model, _ = load_model(folder, "cpu")
    sample = Sample(LoadedImage(_photo(), "array"), model.tokenizer.encode("A cat and a dog"))
    bare, _ = load_model(folder, "cpu")  # a second copy of the same weights
    with torch.no_grad():
        if family == "clip":
            for tower in (bare.net.vision_model, bare.net.text_model):
                tower.embeddings.position_embedding.weight.zero_()
        else:
            bare.net.vit.embeddings.position_embeddings.zero_()
    e = explain_cell(model, sample, "image", 1, 1, 2, 5)
    ref = explain_cell(bare, sample, "image", 1, 1, 2, 5, positions=False)
    assert e.scaled_no_pos == pytest.approx(ref.scaled, abs=1e-5)
    assert e.position_share == pytest.approx(e.scaled - ref.scaled, abs=1e-5) and abs(e.position_share) > 1e-4


def test_torchvision_cells_rebuild_the_layers_output(tv_weights):  # noqa: F811
    """torchvision's attention calls no projection module: the check is the layer's output itself,
    out_proj(concat over heads of Σ_j weight·v_j), against a forward hook on the attention layer."""
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model

    model, _ = load_model(str(tv_weights), "cpu")
    sample = Sample(LoadedImage(_photo(), "array"), model.tokenizer.encode(""))
    wrapper, query = model.wrappers[1], 4
    seen = []
    handle = wrapper.register_forward_hook(lambda _m, _a, out: seen.append(out[0].detach().clone()))
    try:
        record = model.capture(sample, relevancy=False)
    finally:
        handle.remove()
    heads, _, keys = record.attention["image"][1].shape
    per_head = []
    for head in range(heads):
        row = explain_row(model, sample, "image", 1, head, query, positions=False)
        for key, e in enumerate(row):
            np.testing.assert_allclose(e.weight, record.attention["image"][1][head, query, key], atol=1e-5)
            assert e.scaled == pytest.approx(float(np.dot(e.q.astype(np.float64), e.k)) / math.sqrt(e.d_k), abs=1e-6)
            np.testing.assert_allclose(_softmax(e.row_scaled), e.row_weights, atol=1e-12)
        per_head.append(np.sum([e.contribution for e in row], axis=0))
    out_proj = wrapper.mha.out_proj
    rebuilt = out_proj.weight.detach().double().numpy() @ np.concatenate(per_head) + out_proj.bias.detach().double().numpy()
    np.testing.assert_allclose(rebuilt, seen[-1][0, query].double().numpy(), atol=1e-5)
    assert explain_cell(model, sample, "image", 0, 0, query, 1).position_share is not None
