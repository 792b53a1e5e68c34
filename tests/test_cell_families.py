"""One attention weight explained for every pretrained family, on the tiny random models the tests build.

For every family and every attention kind it has: the weight equals the
probe's, q·k/√d_k the scaled score, the softmax of the scaled row the row of
weights (masked keys included), and the sum of the contributions the head's
output, read by a forward pre-hook on the projection that follows the
module in the model itself (see test_cell._check_cell).
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything imports huggingface_hub

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import hf_tiny  # noqa: E402
from test_cell import OutputHook, _check_cell  # noqa: E402

from mmexplorer.engine.cell import CellError, explain_cell  # noqa: E402

TEXT = "a cat sitting on the couch"


def _load(folder, hf_photo):
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model

    model, _ = load_model(str(folder), "cpu")
    return model, Sample(load_image(hf_photo), model.tokenizer.encode(TEXT))


def _output_projections(model, fusion: str, layer: int) -> dict:
    """kind -> the linear right after the attention module in the model: its input is the per-head output."""
    net = model.net
    if fusion == "hf-blip-itm":
        vision, text = net.vision_model.encoder.layers[layer], net.text_encoder.encoder.layer[layer]
        return {"image": vision.self_attn.projection, "text": text.attention.output.dense,
                "text_to_image": text.crossattention.output.dense}
    if fusion == "hf-flava":
        f = model.flava
        return {kind: encoder.encoder.layer[layer].attention.output.dense for kind, encoder in
                (("image", f.image_model), ("text", f.text_model), ("joint", f.multimodal_model))}
    if fusion == "hf-chinese-clip":
        return {"image": net.vision_model.encoder.layers[layer].self_attn.out_proj,
                "text": net.text_model.encoder.layer[layer].attention.output.dense}
    if fusion == "hf-vilt":
        return {"joint": net.vilt.encoder.layer[layer].attention.output.dense}
    return {kind: tower.encoder.layers[layer].self_attn.out_proj  # SigLIP, SigLIP 2
            for kind, tower in (("image", net.vision_model), ("text", net.text_model))}


# (family, kind, query): a word row for the text and cross kinds, a patch row for the image and joint ones
CASES = [
    ("hf-blip-itm", "image", 6), ("hf-blip-itm", "text", 2), ("hf-blip-itm", "text_to_image", 2),
    ("hf-flava", "image", 6), ("hf-flava", "text", 2), ("hf-flava", "joint", 3), ("hf-flava", "joint", 20),
    ("hf-chinese-clip", "image", 6), ("hf-chinese-clip", "text", 2),
    ("hf-siglip", "image", 6), ("hf-siglip", "text", 2),
    ("hf-siglip2", "image", 6), ("hf-siglip2", "text", 14),
]


@pytest.mark.parametrize("family,kind,query", CASES)
def test_family_cells_equal_the_probe_and_the_modules_output(family, kind, query, hf_folders, hf_photo):
    model, sample = _load(hf_folders[family], hf_photo)
    layer, head = 1, 1
    projection = _output_projections(model, family, layer)[kind]
    hook = OutputHook(projection, hf_tiny.HEADS)
    try:
        record = model.capture(sample, relevancy=False)  # the probe's own pass feeds the reference hook
    finally:
        hook.handle.remove()
    assert kind in record.attention
    e = _check_cell(model, sample, record, kind, layer, head, query, hook)
    assert e.d_k == hf_tiny.WIDTH // hf_tiny.HEADS and e.scale == pytest.approx(1 / math.sqrt(e.d_k))
    assert list(e.key_labels) == record.labels(kind, 1)
    assert explain_cell(model, sample, kind, layer, head, query, 0).query.label == record.labels(kind, 0)[query]


def test_every_kind_of_every_family_is_covered(hf_folders, hf_photo):
    """The cases above name every attention kind each family's record has (ViLT's joint has its own test)."""
    for family in {f for f, _, _ in CASES}:
        model, sample = _load(hf_folders[family], hf_photo)
        assert set(model.capture(sample, relevancy=False).attention) == {k for f, k, _ in CASES if f == family}


def test_vilt_cells_are_in_the_probes_raster_order(hf_folders, hf_photo):
    """ViLT sees its patches in a drawn order; the cell's indices are the record's raster positions. The
    module's own output is read in the drawn order of the model's own forward and mapped back by its patch index."""
    from mmexplorer.engine.external.hf_vilt import raster_permutation

    model, sample = _load(hf_folders["hf-vilt"], hf_photo)
    layer, head = 1, 0
    record = model.capture(sample, relevancy=False)
    text_ids = model.tokenizer.text_ids(sample.text)
    input_ids = torch.tensor([text_ids.ids])
    pre = model.preprocess(sample.image)
    hook = OutputHook(_output_projections(model, "hf-vilt", layer)["joint"], hf_tiny.HEADS)
    try:
        with torch.no_grad():
            _, patch_index = model.forward(pre, input_ids)  # the same seeded draw as the probe's
    finally:
        hook.handle.remove()
    perm = raster_permutation(patch_index, input_ids.shape[1], record.grid).numpy()
    assert not np.array_equal(perm, np.arange(len(perm)))  # the draw really is out of raster order

    class DrawnOrder:  # the hook's rows are drawn positions: raster query i is drawn row perm[i]
        def head_output(self, head, query):
            return hook.head_output(head, int(perm[query]))

    n_text = input_ids.shape[1]
    for query in (2, n_text + 1 + 5, len(perm) - 1):  # a word, patch p5, the last patch
        e = _check_cell(model, sample, record, "joint", layer, head, query, DrawnOrder())
        assert e.query_modalities == e.key_modalities == ("cls", "text", "image")
    e = explain_cell(model, sample, "joint", layer, head, 2, n_text + 1 + 5)  # word "cat" -> patch p5
    cols = record.grid[1]
    assert (e.query.label, e.query.modality) == ("cat", "text")
    assert (e.key.label, e.key.modality, e.key.row, e.key.col) == ("p5", "image", 5 // cols, 5 % cols)
    with pytest.raises(CellError, match="no 'image' attention; it has joint"):
        explain_cell(model, sample, "image", 0, 0, 0, 0)


def test_blip_cross_attention_says_where_queries_and_keys_come_from(hf_folders, hf_photo):
    model, sample = _load(hf_folders["hf-blip-itm"], hf_photo)
    e = explain_cell(model, sample, "text_to_image", 0, 1, 2, 6)  # "cat" -> patch p5 (row 1, col 1 of 4 x 4)
    assert (e.query.label, e.query.modality) == ("cat", "text")
    assert (e.key.label, e.key.modality, e.key.patch, e.key.row, e.key.col) == ("p5", "image", 5, 1, 1)
    assert e.query_modalities == ("cls", "text") and e.key_modalities == ("cls", "image")
    assert len(e.mask) == 17 and e.mask.all()
    with pytest.raises(CellError, match="layer 2 out of range"):
        explain_cell(model, sample, "text_to_image", 2, 0, 0, 0)
    with pytest.raises(CellError, match="no 'joint' attention"):
        explain_cell(model, sample, "joint", 0, 0, 0, 0)


def test_siglip2_padding_is_masked_and_named(hf_folders, hf_photo):
    """NaFlex pads the patches and the tokenizer pads the text (on the left): the module's own mask keeps
    every query from those keys, so their weight is 0 and their scaled score -inf."""
    model, sample = _load(hf_folders["hf-siglip2"], hf_photo)
    record = model.capture(sample, relevancy=False)
    (_, _, n_patches), (_, pad_start, total) = record.layouts["image"][1]
    assert total > pad_start == n_patches
    e = explain_cell(model, sample, "image", 0, 0, 3, total - 1)
    assert (e.key.label, e.key.modality, e.weight) == ("[PAD]", "pad", 0.0)
    assert list(e.mask) == [j < n_patches for j in range(total)] and np.isneginf(e.row_scaled[n_patches:]).all()
    text = record.layouts["text"][1]
    assert text[0][0] == "pad"  # left padding
    e = explain_cell(model, sample, "text", 1, 1, text[-1][2] - 1, 0)  # the last word reads the first padding
    assert e.key.modality == "pad" and e.weight == 0.0 and not e.mask[: text[0][2]].any()


def test_dual_encoder_position_share_equals_a_network_without_position_tables(hf_folders, hf_photo):
    from mmexplorer.engine.probe import load_model

    for family in ("hf-chinese-clip", "hf-siglip"):
        model, sample = _load(hf_folders[family], hf_photo)
        bare, _ = load_model(str(hf_folders[family]), "cpu")  # a second copy of the same weights
        net = bare.net
        with torch.no_grad():
            net.vision_model.embeddings.position_embedding.weight.zero_()
            text = net.text_model.embeddings  # BERT's table (Chinese-CLIP) or CLIP's (SigLIP)
            (getattr(text, "position_embeddings", None) or text.position_embedding).weight.zero_()
        for kind in ("image", "text"):
            e = explain_cell(model, sample, kind, 1, 1, 2, 3)
            ref = explain_cell(bare, sample, kind, 1, 1, 2, 3, positions=False)
            assert e.scaled_no_pos == pytest.approx(ref.scaled, abs=1e-5), (family, kind)
            assert abs(e.position_share) > 1e-5


@pytest.mark.parametrize("family,kind,query,key", [("hf-vilt", "joint", 2, 14), ("hf-blip-itm", "text_to_image", 2, 6)])
def test_cli_cell_json_matches_the_probe_npz(family, kind, query, key, hf_folders, hf_photo, tmp_path, capsys):
    from mmexplorer.cli import main

    folder, out = str(hf_folders[family]), tmp_path / "probe.npz"
    assert main(["probe", "--model", folder, "--image", str(hf_photo), "--text", TEXT, "--out", str(out),
                 "--device", "cpu", "--no-relevancy"]) == 0
    with np.load(out, allow_pickle=False) as z:
        weights = z["attn/" + kind + "/1"]  # [heads, queries, keys]
    capsys.readouterr()
    assert main(["cell", "--model", folder, "--image", str(hf_photo), "--text", TEXT, "--kind", kind, "--layer", "1",
                 "--head", "1", "--query", str(query), "--key", str(key), "--device", "cpu", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["weight"] == pytest.approx(float(weights[1, query, key]), abs=1e-5)
    np.testing.assert_allclose(data["row_weights"], weights[1, query], atol=1e-5)
    q, k = np.asarray(data["q"]), np.asarray(data["k"])
    assert data["scaled"] == pytest.approx(float(q @ k) / math.sqrt(data["d_k"]), abs=1e-5)
    assert data["query"]["label"] == "cat" and data["key"]["modality"] == "image"
    if kind == "text_to_image":  # cross-attention: the queries are the text's, the keys the image's
        assert data["query_modalities"] == ["cls", "text"] and data["key_modalities"] == ["cls", "image"]
    code = main(["cell", "--model", folder, "--image", str(hf_photo), "--text", TEXT, "--kind", "nope", "--layer", "0",
                 "--head", "0", "--query", "0", "--key", "0", "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and "no 'nope' attention" in err


def test_a_key_only_mask_applies_to_every_query():
    """BERT-style models pass an extended mask [1, 1, 1, K] (additive) or [1, 1, Q, K] (bool)."""
    from mmexplorer.engine.external.hf_qkv import mask_of

    lowest = torch.finfo(torch.float32).min
    additive = torch.tensor([0.0, 0.0, lowest, -1.5]).reshape(1, 1, 1, 4)
    allowed, bias = mask_of(additive, 3, 4)
    assert allowed.shape == bias.shape == (3, 4)
    assert (allowed == [True, True, False, True]).all() and (bias[:, 3] == -1.5).all() and (bias[:, :3] == 0).all()
    causal = torch.tril(torch.ones(3, 3, dtype=torch.bool)).reshape(1, 1, 3, 3)
    allowed, bias = mask_of(causal, 3, 3)
    assert allowed.tolist() == causal[0, 0].tolist() and not bias.any()
    allowed, _ = mask_of(None, 2, 5)
    assert allowed.shape == (2, 5) and allowed.all()
