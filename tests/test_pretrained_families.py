"""Every pretrained family on tiny random models the tests build: attention equal to transformers' own
tensors, the model's own scores, relevancy gradients, the record layout, and loading by hub id from a cache.

Nothing reaches the network: the models and their tokenizers are written here (tests/hf_tiny.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything imports huggingface_hub

torch = pytest.importorskip("torch")
tf = pytest.importorskip("transformers")

import hf_tiny  # noqa: E402  (tests/ is on the path, as for conftest)

PHOTO_W, PHOTO_H = hf_tiny.PHOTO_W, hf_tiny.PHOTO_H
TEXT = "a cat sitting on the couch"


def _probe(folder, hf_photo, text=TEXT, relevancy=True):
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model, probe

    model, entry = load_model(str(folder), "cpu")
    return model, entry, probe(model, Sample(load_image(hf_photo), model.tokenizer.encode(text)), relevancy=relevancy)


def _pil(hf_photo):
    from PIL import Image

    return Image.open(hf_photo).convert("RGB")


def _close(ours, theirs):
    np.testing.assert_allclose(ours, theirs[0].detach().numpy(), atol=1e-5)


def _rows_sum_to_one(record, skip=()):
    for kind, layers in record.attention.items():
        if kind in skip:
            continue
        for a in layers:
            np.testing.assert_allclose(a.sum(-1), 1.0, atol=1e-5, err_msg=kind)


def _expected_default_map(record, kind):
    """Mean over heads of the last layer's text rows over image columns, from the layout alone."""
    weights = record.attention[kind][-1]
    rows, cols = record.positions(kind, 0, "text"), record.positions(kind, 1, "image")
    return weights[:, rows][:, :, cols].mean(0).reshape(len(record.tokens), *record.grid)


# -- detection ------------------------------------------------------------------------------

def test_every_family_folder_is_detected_from_its_config(hf_folders):
    from mmexplorer.engine.external import detect_model

    for family, folder in hf_folders.items():
        assert detect_model(folder) == family


# -- BLIP: cross-attention ------------------------------------------------------------------

def test_blip_itm_equals_the_models_own_tensors_and_score(hf_folders, hf_photo):
    folder = hf_folders["hf-blip-itm"]
    model, entry, record = _probe(folder, hf_photo)
    assert entry.fusion == "hf-blip-itm" and model.spec.category == "cross"

    ref = tf.BlipForImageTextRetrieval.from_pretrained(str(folder), attn_implementation="eager").eval()
    inputs = tf.BlipProcessor.from_pretrained(str(folder))(images=_pil(hf_photo), text=TEXT, return_tensors="pt")
    with torch.no_grad():
        own = ref(**inputs)  # the model's own ITM score
        vision = ref.vision_model(pixel_values=inputs["pixel_values"], output_attentions=True)
        text = ref.text_encoder(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"],
                                encoder_hidden_states=vision.last_hidden_state, output_attentions=True)
    for ours, theirs in zip(record.attention["image"], vision.attentions, strict=True):
        _close(ours, theirs)
    for ours, theirs in zip(record.attention["text"], text.attentions, strict=True):
        _close(ours, theirs)
    for ours, theirs in zip(record.attention["text_to_image"], text.cross_attentions, strict=True):
        _close(ours, theirs)
    probs = torch.softmax(own.itm_score[0], -1)
    assert record.outputs["match_prob"] == pytest.approx(float(probs[1]), abs=1e-5)
    assert record.outputs["match_logit"] == pytest.approx(float(own.itm_score[0, 1] - own.itm_score[0, 0]), abs=1e-5)

    # subword tokens as the model sees them; [CLS] is the text axis' first position
    ids = inputs["input_ids"][0].tolist()
    assert list(record.tokens) == ref_tokens(folder, ids)[1:]
    assert record.cross_kind == "text_to_image" and record.grid == (4, 4)
    assert record.layouts["text_to_image"] == ((("cls", 0, 1), ("text", 1, len(ids))), (("cls", 0, 1), ("image", 1, 17)))
    np.testing.assert_allclose(record.token_to_image, _expected_default_map(record, "text_to_image"), atol=1e-6)
    assert all(np.abs(g).sum() > 0 for g in record.grads["text_to_image"])  # relevancy of the ITM logit
    _rows_sum_to_one(record)
    # patch -> words: with text->image cross-attention only, each word's weight on the patch (its column)
    from mmexplorer.attention.maps import patch_token_scores

    scores, label = patch_token_scores(record, 5)
    expected = text.cross_attentions[-1][0].mean(0)[1:, 1 + 5].numpy()
    np.testing.assert_allclose(scores, expected, atol=1e-6)
    assert "each word's weight on the patch" in label


def ref_tokens(folder, ids):
    tok = tf.AutoTokenizer.from_pretrained(str(folder))
    return tok.convert_ids_to_tokens(ids)


def test_blip_shows_wordpiece_subwords(hf_folders, hf_photo):
    model, _, record = _probe(hf_folders["hf-blip-itm"], hf_photo, "a cat sits")
    assert record.tokens == ("a", "cat", "sit", "##s", "[SEP]")


# -- ViLT: early fusion, patches drawn at random ----------------------------------------------

def _vilt_reference(ref, inputs, cols: int, seed: int):
    """ViLT's own eager forward, and the permutation that puts its drawn patch order back into raster order.

    ViLT samples its patches in a random order on every call: the same seed before the
    reference's own draw and before the forward makes the forward draw that order again.
    perm: [n_text + 1 + patches] indices (the words and the image [CLS] stay in place).
    """
    with torch.no_grad():
        torch.manual_seed(seed)
        _, _, (patch_index, _) = ref.vilt.embeddings.visual_embed(inputs["pixel_values"], inputs["pixel_mask"], -1)
        torch.manual_seed(seed)
        out = ref(**inputs, output_attentions=True)
    n_text = inputs["input_ids"].shape[1]
    raster = (patch_index[0, :, 0] * cols + patch_index[0, :, 1]).numpy()
    return out, np.concatenate([np.arange(n_text + 1), n_text + 1 + np.argsort(raster)])


def test_vilt_joint_attention_equals_the_models_own_in_raster_order(hf_folders, hf_photo):
    folder = hf_folders["hf-vilt"]
    model, entry, record = _probe(folder, hf_photo)
    assert model.spec.category == "early" and record.cross_kind == "joint"

    ref = tf.ViltForImageAndTextRetrieval.from_pretrained(str(folder), attn_implementation="eager").eval()
    inputs = tf.ViltProcessor.from_pretrained(str(folder))(images=_pil(hf_photo), text=TEXT, return_tensors="pt")
    rows, cols = inputs["pixel_values"].shape[-2] // hf_tiny.PATCH, inputs["pixel_values"].shape[-1] // hf_tiny.PATCH
    assert record.grid == (rows, cols) == (4, 6)  # ViLT keeps the photo's aspect ratio
    out, perm = _vilt_reference(ref, inputs, cols, seed=123)
    for ours, theirs in zip(record.attention["joint"], out.attentions, strict=True):
        np.testing.assert_allclose(ours, theirs[0].numpy()[:, perm][:, :, perm], atol=1e-5)
    assert record.outputs["match_logit"] == pytest.approx(float(out.logits[0, 0]), abs=1e-5)
    np.testing.assert_allclose(record.token_to_image, _expected_default_map(record, "joint"), atol=1e-6)
    assert all(np.abs(g).sum() > 0 for g in record.grads["joint"])
    _rows_sum_to_one(record)


def test_vilt_vqa_joint_attention_and_top_answers_are_the_models_own(hf_folders, hf_photo):
    folder = hf_folders["hf-vilt-vqa"]
    question = "what is sitting on the couch"
    model, entry, record = _probe(folder, hf_photo, question)
    assert entry.fusion == "hf-vilt-vqa" and model.spec.category == "early" and record.cross_kind == "joint"
    ref = tf.ViltForQuestionAnswering.from_pretrained(str(folder), attn_implementation="eager").eval()
    inputs = tf.ViltProcessor.from_pretrained(str(folder))(images=_pil(hf_photo), text=question, return_tensors="pt")
    cols = inputs["pixel_values"].shape[-1] // hf_tiny.PATCH
    out, perm = _vilt_reference(ref, inputs, cols, seed=7)
    for ours, theirs in zip(record.attention["joint"], out.attentions, strict=True):
        np.testing.assert_allclose(ours, theirs[0].numpy()[:, perm][:, :, perm], atol=1e-5)
    # the answers are the head's own top logits, by the checkpoint's labels; relevancy follows the first
    logits = out.logits[0]
    order = torch.argsort(logits, descending=True)[:5]
    assert [a["answer"] for a in record.outputs["answers"]] == [hf_tiny.VQA_ANSWERS[int(i)] for i in order]
    assert record.outputs["answer"] == hf_tiny.VQA_ANSWERS[int(order[0])]
    assert record.outputs["match_logit"] == pytest.approx(float(logits[order[0]]), abs=1e-5)
    assert record.outputs["answers"][0]["prob"] == pytest.approx(float(torch.sigmoid(logits[order[0]])), abs=1e-6)
    assert all(np.abs(g).sum() > 0 for g in record.grads["joint"])
    assert record.meta["relevancy_target"] == "the top answer's logit"


def test_vilt_gives_identical_maps_twice_and_leaves_the_random_state_alone(hf_folders, hf_photo):
    state = torch.get_rng_state()
    _, _, first = _probe(hf_folders["hf-vilt"], hf_photo, relevancy=False)
    _, _, second = _probe(hf_folders["hf-vilt"], hf_photo, relevancy=False)
    assert torch.equal(state, torch.get_rng_state())
    np.testing.assert_array_equal(first.token_to_image, second.token_to_image)
    for a, b in zip(first.attention["joint"], second.attention["joint"]):
        np.testing.assert_array_equal(a, b)


# -- FLAVA: hybrid --------------------------------------------------------------------------------

def test_flava_multimodal_attention_and_itm_equal_the_models_own(hf_folders, hf_photo):
    folder = hf_folders["hf-flava"]
    model, _, record = _probe(folder, hf_photo)
    assert model.spec.category == "hybrid"

    ref = tf.FlavaForPreTraining.from_pretrained(str(folder), attn_implementation="eager").eval()
    inputs = tf.FlavaProcessor.from_pretrained(str(folder))(images=_pil(hf_photo), text=TEXT, return_tensors="pt")
    with torch.no_grad():
        own = ref(input_ids=inputs["input_ids"], input_ids_masked=inputs["input_ids"], pixel_values=inputs["pixel_values"],
                  attention_mask=inputs["attention_mask"], return_loss=False, output_attentions=True)
        out = ref.flava(**inputs, output_attentions=True, output_hidden_states=True)
        # the multimodal encoder, called directly the way FlavaModel calls it, asked for its weights
        mm_in = torch.cat([ref.flava.image_to_mm_projection(out.image_output.hidden_states[-1]),
                           ref.flava.text_to_mm_projection(out.text_output.hidden_states[-1])], dim=1)
        mask = torch.cat([torch.ones(1, mm_in.shape[1] - inputs["input_ids"].shape[1] + 1), inputs["attention_mask"]], 1)
        mm = ref.flava.multimodal_model(mm_in, attention_mask=mask, output_attentions=True)
    assert out.multimodal_output.attentions is None  # what FlavaModel alone gives
    for ours, theirs in zip(record.attention["joint"], mm.attentions, strict=True):
        _close(ours, theirs)
    for ours, theirs in zip(record.attention["image"], out.image_output.attentions, strict=True):
        _close(ours, theirs)
    for ours, theirs in zip(record.attention["text"], out.text_output.attentions, strict=True):
        _close(ours, theirs)
    itm = own.itm_logits[0]
    assert record.outputs["match_logit"] == pytest.approx(float(itm[1] - itm[0]), abs=1e-5)
    n = len(record.tokens)
    assert record.layouts["joint"][0] == (("cls", 0, 1), ("cls", 1, 2), ("image", 2, 18), ("cls", 18, 19),
                                          ("text", 19, 19 + n))
    np.testing.assert_allclose(record.token_to_image, _expected_default_map(record, "joint"), atol=1e-6)
    assert all(np.abs(g).sum() > 0 for g in record.grads["joint"])
    _rows_sum_to_one(record)


# -- dual encoders -------------------------------------------------------------------------------

def test_chinese_clip_equals_the_models_own_tensors(hf_folders, hf_photo):
    folder = hf_folders["hf-chinese-clip"]
    model, _, record = _probe(folder, hf_photo)
    ref = tf.ChineseCLIPModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    inputs = tf.ChineseCLIPProcessor.from_pretrained(str(folder))(images=_pil(hf_photo), text=TEXT, return_tensors="pt")
    with torch.no_grad():
        out = ref(**inputs, output_attentions=True)
    _dual_parity(record, out)
    assert record.cross_kind is None and "not attention" in record.map_label


def _dual_parity(record, out):
    for kind, theirs in (("image", out.vision_model_output.attentions), ("text", out.text_model_output.attentions)):
        assert record.layers(kind) == len(theirs) == hf_tiny.LAYERS
        for ours, t in zip(record.attention[kind], theirs):
            _close(ours, t)
    assert record.outputs["match_logit"] == pytest.approx(float(out.logits_per_image[0, 0]), abs=1e-5)
    np.testing.assert_array_equal(record.token_to_image, record.similarity)
    assert np.abs(record.similarity).max() <= 1 + 1e-5 and np.ptp(record.similarity) > 0
    assert all(np.abs(g).sum() > 0 for g in record.grads["image"])  # relevancy of the similarity logit


def test_siglip_pads_as_trained_and_equals_the_models_own_tensors(hf_folders, hf_photo):
    folder = hf_folders["hf-siglip"]
    model, _, record = _probe(folder, hf_photo, "a cat")
    ref = tf.SiglipModel.from_pretrained(str(folder), attn_implementation="eager").eval()
    inputs = tf.SiglipProcessor.from_pretrained(str(folder))(images=_pil(hf_photo), text="a cat", padding="max_length",
                                                            return_tensors="pt")
    with torch.no_grad():
        out = ref(**inputs, output_attentions=True)
    _dual_parity(record, out)
    n = len(record.tokens)
    assert inputs["input_ids"].shape[1] == 16 and record.tokens[-1] == "</s>"
    assert record.layouts["text"][0] == (("text", 0, n), ("pad", n, 16))  # no start token; padding named
    assert record.layouts["image"][0] == (("image", 0, 16),)  # no image [CLS]: attention pooling
    assert record.outputs["match_prob"] == pytest.approx(float(torch.sigmoid(out.logits_per_image[0, 0])), abs=1e-6)
    assert record.labels("text", 0)[n:] == ["[PAD]"] * (16 - n)


def test_siglip_without_sentencepiece_names_the_package(hf_folders, monkeypatch):
    import importlib.util

    from mmexplorer.engine.external import ExternalModelError
    from mmexplorer.engine.external.hf_siglip import load

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sentencepiece" else real(name, *a))
    with pytest.raises(ExternalModelError, match="needs the 'sentencepiece' package: pip install sentencepiece"):
        load(hf_folders["hf-siglip"], "cpu")


def test_siglip2_naflex_keeps_the_aspect_ratio_with_its_saved_patch_budget(hf_folders, hf_photo):
    folder = hf_folders["hf-siglip2"]
    model, _, record = _probe(folder, hf_photo)
    images = tf.Siglip2ImageProcessor.from_pretrained(str(folder))
    pixel = images(images=_pil(hf_photo), return_tensors="pt")  # the saved max_num_patches, not the processor's 256
    tok = tf.AutoTokenizer.from_pretrained(str(folder))
    text = tok(TEXT, padding="max_length", max_length=16, return_tensors="pt")
    ref = tf.Siglip2Model.from_pretrained(str(folder), attn_implementation="eager").eval()
    with torch.no_grad():
        out = ref(**text, **pixel, output_attentions=True)
    _dual_parity(record, out)
    rows, cols = record.grid
    assert tuple(pixel["spatial_shapes"][0].tolist()) == (rows, cols)
    assert rows * cols < hf_tiny.MAX_PATCHES and cols > rows  # a landscape photo stays landscape
    assert record.layouts["image"][0] == (("image", 0, rows * cols), ("pad", rows * cols, hf_tiny.MAX_PATCHES))
    assert record.tokens == tuple(TEXT.split())  # Gemma pieces ("▁cat") read as the words they spell
    assert record.layouts["text"][0][0][0] == "pad"  # Gemma's tokenizer pads on the left


# -- loud failures -----------------------------------------------------------------------------

def test_a_missing_attention_tensor_fails_loudly():
    from mmexplorer.engine.external import ExternalModelError
    from mmexplorer.engine.external.hf_common import require_attentions

    with pytest.raises(ExternalModelError, match="no text attention weights"):
        require_attentions("m", {"image": (torch.zeros(1),), "text": ()})
    with pytest.raises(ExternalModelError, match="no image attention"):
        require_attentions("m", {"image": (None, None)})


# -- the command line, by folder and by hub id from a cache --------------------------------------

def _hub_cache(home, repo_id, folder):
    """The standard cache layout under HF_HOME: hub/models--org--name/snapshots/<hash>/..., refs/main."""
    repo = home / "hub" / ("models--" + repo_id.replace("/", "--"))
    shutil.copytree(folder, repo / "snapshots" / "0123abcd")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")


@pytest.fixture(scope="module")
def cli_runs(hf_folders, hf_photo, tmp_path_factory):
    """`mmexplorer probe` for ViLT by folder, BLIP by hub id from a cache, and an id that is not cached."""
    tmp = tmp_path_factory.mktemp("cli")
    home = tmp / "hf-home"
    _hub_cache(home, "tiny-org/tiny-blip", hf_folders["hf-blip-itm"])
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_HOME=str(home), MMEXPLORER_HOME=str(tmp / "home"))
    env.pop("HF_HUB_CACHE", None)
    env.pop("HUGGINGFACE_HUB_CACHE", None)
    runs = {"vilt": str(hf_folders["hf-vilt"]), "blip-by-id": "tiny-org/tiny-blip", "missing": "tiny-org/not-here"}
    procs = {}
    for which, model in runs.items():
        out = tmp / f"{which}.npz"
        cmd = [sys.executable, "-m", "mmexplorer", "probe", "--model", model, "--image", str(hf_photo), "--text", TEXT,
               "--out", str(out), "--json"]
        procs[which] = (subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), out)
    results = {}
    for which, (proc, out) in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        results[which] = (proc.returncode, stdout, stderr, out)
    return results


def test_cli_probe_vilt_folder_writes_joint_attention_and_layouts(cli_runs):
    code, stdout, stderr, out = cli_runs["vilt"]
    assert code == 0, stderr
    with np.load(out, allow_pickle=False) as z:
        files, meta = set(z.files), json.loads(str(z["meta"]))
        joint = z["attn/joint/0"]
        tokens = list(z["tokens"])
    assert {"attn/joint/0", "attn/joint/1", "grad/joint/0", "token_to_image"} <= files
    assert joint.shape == (2, 1 + len(tokens) + 1 + 24, 1 + len(tokens) + 1 + 24)
    assert meta["fusion"] == "hf-vilt" and meta["spec"]["category"] == "early"
    assert [s[0] for s in meta["layouts"]["joint"][0]] == ["cls", "text", "cls", "image"]
    assert meta["image_box"] == [0, 0, PHOTO_W, PHOTO_H]


def test_cli_probe_loads_a_hub_id_from_the_cache_offline(cli_runs):
    code, stdout, stderr, out = cli_runs["blip-by-id"]
    assert code == 0, stderr
    with np.load(out, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        assert z["attn/text_to_image/1"].shape[0] == hf_tiny.HEADS
    assert meta["model"] == "tiny-org/tiny-blip" and meta["fusion"] == "hf-blip-itm"


def test_cli_probe_of_an_uncached_id_offline_says_how_to_get_it(cli_runs):
    code, stdout, stderr, out = cli_runs["missing"]
    lines = stderr.strip().splitlines()
    assert code == 2 and len(lines) == 1, stderr
    assert lines[0].startswith("error: tiny-org/not-here is not in the local Hugging Face cache")
    assert "huggingface-cli download tiny-org/not-here" in lines[0] and not out.exists()


KINDS = {"hf-blip-itm": {"image", "text", "text_to_image"}, "hf-vilt": {"joint"}, "hf-flava": {"image", "text", "joint"},
         "hf-chinese-clip": {"image", "text"}, "hf-siglip": {"image", "text"}, "hf-siglip2": {"image", "text"}}


@pytest.mark.parametrize("family", sorted(KINDS))
def test_cli_probe_works_for_every_family(family, hf_folders, hf_photo, tmp_path, capsys):
    from mmexplorer.cli import main

    out = tmp_path / "probe.npz"
    assert main(["probe", "--model", str(hf_folders[family]), "--image", str(hf_photo), "--text", TEXT, "--out", str(out)]) == 0
    with np.load(out, allow_pickle=False) as z:
        meta = json.loads(str(z["meta"]))
        kinds = {k.split("/")[1] for k in z.files if k.startswith("attn/")}
        grads = {k.split("/")[1] for k in z.files if k.startswith("grad/")}
        maps, grid = z["token_to_image"], tuple(z["grid"])
    assert kinds == grads == KINDS[family]  # every attention set, with its relevancy gradients
    assert meta["fusion"] == family and meta["spec"]["fusion"] == family and set(meta["layouts"]) == kinds
    assert maps.shape[1:] == grid and np.isfinite(maps).all()


# -- rollout and relevancy over the families' layouts -------------------------------------------

def _rollout(layers):
    """Abnar & Zuidema: R = (0.5 I + 0.5 A_L) ... (0.5 I + 0.5 A_1), head mean, for one stream."""
    r = np.eye(layers[0].shape[-1])
    for a in layers:
        r = (0.5 * np.eye(len(r)) + 0.5 * a.mean(0)) @ r
    return r


def test_vilt_rollout_is_the_single_stream_rollout_of_its_joint_attention(hf_folders, hf_photo):
    from mmexplorer.attention.maps import token_image_map

    _, _, record = _probe(hf_folders["hf-vilt"], hf_photo)
    r = _rollout(record.attention["joint"])
    rows, cols = record.positions("joint", 0, "text"), record.positions("joint", 1, "image")
    for t in range(len(record.tokens)):
        m, label = token_image_map(record, t, method="rollout")
        np.testing.assert_allclose(m, r[rows[t], cols].reshape(record.grid), atol=1e-9)
    m, _ = token_image_map(record, 1, method="relevancy")
    assert m.shape == record.grid and np.isfinite(m).all() and m.max() > 0


def test_flava_rollout_reaches_the_words_through_the_multimodal_encoder(hf_folders, hf_photo):
    from mmexplorer.attention.maps import patch_token_scores, token_image_map

    _, _, record = _probe(hf_folders["hf-flava"], hf_photo)
    for method in ("rollout", "relevancy"):
        m, _ = token_image_map(record, 1, method=method)
        scores, _ = patch_token_scores(record, 3, method=method)
        assert m.shape == record.grid and m.max() > 0 and np.isfinite(m).all()
        assert scores.shape == (len(record.tokens),) and np.isfinite(scores).all()


def test_siglip_image_branch_is_the_mean_of_its_patch_rows(hf_folders, hf_photo):
    from mmexplorer.attention.maps import image_branch_map

    _, _, record = _probe(hf_folders["hf-siglip2"], hf_photo)
    n = record.n_patches
    m, label = image_branch_map(record, "rollout")
    expected = _rollout(record.attention["image"])[:n, :n].mean(0)  # patches first, then padding
    np.testing.assert_allclose(m.reshape(-1), expected, atol=1e-9)
    assert "no [CLS]" in label


@pytest.mark.parametrize("family", sorted(KINDS))
def test_cli_export_draws_every_view_for_every_family(family, hf_folders, hf_photo, tmp_path):
    from mmexplorer.cli import main

    for view, method in (("overlay", "relevancy"), ("matrix", "raw"), ("heads", "raw"), ("positions", "raw")):
        out = tmp_path / f"{view}.png"
        args = ["export", "--model", str(hf_folders[family]), "--image", str(hf_photo), "--text", TEXT, "--view", view,
                "--method", method, "--out", str(out)]
        assert main(args) == 0, (view, method)
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_whole_words_map_is_the_mean_of_its_pieces(hf_folders, hf_photo):
    from mmexplorer.attention.maps import token_image_map, word_image_map

    _, _, record = _probe(hf_folders["hf-blip-itm"], hf_photo, "a cat sits")
    assert record.tokens == ("a", "cat", "sit", "##s", "[SEP]")
    assert record.meta["word_spans"] == [[0, 1], [1, 2], [2, 4], [4, 5]]
    m, label = word_image_map(record, 2)
    expected = (token_image_map(record, 2)[0] + token_image_map(record, 3)[0]) / 2
    np.testing.assert_allclose(m, expected, atol=1e-7)
    assert "2 pieces ('sit', '##s'): mean" in label
    total, label = word_image_map(record, 2, method="rollout", reduce="sum")
    np.testing.assert_allclose(total, token_image_map(record, 2, method="rollout")[0]
                               + token_image_map(record, 3, method="rollout")[0], atol=1e-9)
    np.testing.assert_array_equal(word_image_map(record, 1)[0], token_image_map(record, 1)[0])  # one piece


def test_word_spans_follow_each_tokenizers_markers(hf_folders):
    from mmexplorer.data.words import word_spans
    from mmexplorer.engine.probe import load_model

    expected = {"hf-siglip2": [(0, 1), (1, 2), (2, 4), (4, 5), (5, 6), (6, 7)],  # "▁sit" + "s"
                "hf-vilt": [(0, 1), (1, 2), (2, 4), (4, 5), (5, 6), (6, 7), (7, 8)]}  # "sit" + "##s", then [SEP]
    for family, spans in expected.items():
        model, _ = load_model(str(hf_folders[family]), "cpu")
        assert word_spans(model.tokenizer.encode("a cat sits on the couch").tokens) == spans


def test_an_unknown_wordpiece_shows_the_characters_it_stands_for(tmp_path):
    """A [UNK] token reads "[UNK] 色" on its chip, not "[UNK] [UNK]"."""
    from mmexplorer.engine.external.hf_tokens import HFTextTokenizer

    tok = HFTextTokenizer(hf_tiny.write_bert_tokenizer(tmp_path), 32)
    enc = tok.encode("a 色 cat")
    unknown = [t for t in enc.tokens if t.is_unk]
    assert [t.surface for t in unknown] == ["色"] and unknown[0].display == "[UNK] 色"
