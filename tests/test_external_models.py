"""Pretrained models from local files: tiny random CLIP / ViT folders and a torchvision ViT state dict.

Everything is built here from small configs and saved to a temporary folder;
nothing reaches the network (HF_HUB_OFFLINE=1 here and in the subprocesses).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # before anything imports huggingface_hub

torch = pytest.importorskip("torch")

import hf_tiny  # noqa: E402  (tests/ is on the path, as for conftest)

PHOTO_W, PHOTO_H = hf_tiny.PHOTO_W, hf_tiny.PHOTO_H  # non-square, so the crop box is not the whole photo
HF_SIDE, HF_PATCH = 32, 8
TEXT = "A cat and a dog"


# -- fixtures: tiny models on disk ---------------------------------------------------

def _write_clip_vocab(folder) -> dict:
    """Every byte as a token (alone and word-final), two merged words, and the two specials."""
    chars = hf_tiny.byte_level_alphabet()
    merges = ["c a", "ca t</w>", "d o", "do g</w>"]
    tokens = chars + [c + "</w>" for c in chars] + ["ca", "cat</w>", "do", "dog</w>", "<|startoftext|>", "<|endoftext|>"]
    vocab = {t: i for i, t in enumerate(tokens)}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    return vocab


@pytest.fixture(scope="module")
def clip_folder(tmp_path_factory):
    tf = pytest.importorskip("transformers")
    folder = tmp_path_factory.mktemp("tiny-clip")
    vocab = _write_clip_vocab(folder)
    tokenizer = tf.CLIPTokenizer.from_pretrained(str(folder))
    text = dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                max_position_embeddings=16, bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"],
                pad_token_id=vocab["<|endoftext|>"])
    vision = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                  image_size=HF_SIDE, patch_size=HF_PATCH)
    torch.manual_seed(0)
    model = tf.CLIPModel(tf.CLIPConfig(text_config=text, vision_config=vision, projection_dim=16))
    images = tf.CLIPImageProcessor(size={"shortest_edge": HF_SIDE}, crop_size={"height": HF_SIDE, "width": HF_SIDE})
    model.save_pretrained(str(folder))
    tf.CLIPProcessor(image_processor=images, tokenizer=tokenizer).save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="module")
def vit_folder(tmp_path_factory):
    tf = pytest.importorskip("transformers")
    folder = tmp_path_factory.mktemp("tiny-vit")
    labels = {i: f"shape{i}" for i in range(5)}
    config = tf.ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                          image_size=HF_SIDE, patch_size=HF_PATCH, id2label=labels, label2id={v: k for k, v in labels.items()})
    torch.manual_seed(1)
    tf.ViTForImageClassification(config).save_pretrained(str(folder))
    tf.ViTImageProcessor(size={"height": HF_SIDE, "width": HF_SIDE}).save_pretrained(str(folder))
    return folder


TV_ARCH = dict(image_size=32, patch_size=8, num_layers=2, num_heads=4, hidden_dim=32, mlp_dim=64, num_classes=1000)


def _tiny_torchvision_vit():
    from torchvision.models.vision_transformer import VisionTransformer

    torch.manual_seed(2)
    net = VisionTransformer(**TV_ARCH).eval()
    torch.nn.init.normal_(net.heads.head.weight, std=0.5)  # torchvision starts the head at zero: no gradients
    return net


@pytest.fixture(scope="module")
def tv_weights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny-tv")
    path = folder / "tiny_vit.pth"
    torch.save(_tiny_torchvision_vit().state_dict(), path)
    (folder / "tiny_vit.json").write_text(json.dumps({"num_heads": TV_ARCH["num_heads"]}))  # width 32 is not in the table
    return path


def _sample(model, hf_photo, text=TEXT):
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample

    return Sample(load_image(hf_photo), model.tokenizer.encode(text))


def _hf_box() -> tuple[float, float, float, float]:
    """Shorter edge 90 -> 32 makes the photo 49 x 32; the centred 32 x 32 crop starts at x = 8."""
    resized_w = int(HF_SIDE * PHOTO_W / PHOTO_H)
    left = (resized_w - HF_SIDE) // 2
    sx = PHOTO_W / resized_w
    return (left * sx, 0.0, (left + HF_SIDE) * sx, float(PHOTO_H))


def _tv_box() -> tuple[float, float, float, float]:
    """Shorter edge 90 -> round(32 * 256 / 224) = 37, photo 57 x 37, centred 32 x 32 crop at (12, 2)."""
    resize = round(32 * 256 / 224)
    rw = int(resize * PHOTO_W / PHOTO_H)
    left, top = int(round((rw - 32) / 2)), int(round((resize - 32) / 2))
    sx, sy = PHOTO_W / rw, PHOTO_H / resize
    return (left * sx, top * sy, (left + 32) * sx, (top + 32) * sy)


def _assert_softmax_rows(record):
    for kind, layers in record.attention.items():
        for a in layers:
            np.testing.assert_allclose(a.sum(-1), 1.0, atol=1e-5, err_msg=kind)


# -- detection ----------------------------------------------------------------------

def test_detect_recognises_folders_and_files_and_explains_refusals(tmp_path):
    from mmexplorer.engine.external import ExternalModelError, detect_model

    clip = tmp_path / "clip"
    clip.mkdir()
    (clip / "config.json").write_text(json.dumps({"architectures": ["CLIPModel"], "model_type": "clip"}))
    assert detect_model(clip) == "hf-clip"
    vit = tmp_path / "vit"
    vit.mkdir()
    (vit / "config.json").write_text(json.dumps({"model_type": "vit"}))
    assert detect_model(vit) == "hf-vit"
    bert = tmp_path / "bert"
    bert.mkdir()
    (bert / "config.json").write_text(json.dumps({"architectures": ["BertModel"], "model_type": "bert"}))
    with pytest.raises(ExternalModelError, match="not a supported model folder.*BertModel"):
        detect_model(bert)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ExternalModelError, match="no config.json"):
        detect_model(empty)
    (tmp_path / "w.pth").write_bytes(b"")
    assert detect_model(tmp_path / "w.pth") == "torchvision-vit"
    (tmp_path / "m.safetensors").write_bytes(b"")
    assert detect_model(tmp_path / "m.safetensors") is None  # left to the bundled checkpoint loader


def test_hf_cache_repo_id_resolves_to_the_snapshot(clip_folder, tmp_path, monkeypatch):
    pytest.importorskip("huggingface_hub")
    import shutil

    import huggingface_hub.constants as hub

    from mmexplorer.engine.catalog import resolve

    repo = tmp_path / "hub" / "models--tiny-org--tiny-clip"
    shutil.copytree(clip_folder, repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    monkeypatch.setattr(hub, "HF_HUB_CACHE", str(tmp_path / "hub"))
    entry = resolve("tiny-org/tiny-clip")
    assert (entry.name, entry.fusion) == ("tiny-org/tiny-clip", "hf-clip")
    assert entry.path.endswith("abc123")


# -- parity with each library's own attention ------------------------------------------

def test_clip_capture_equals_transformers_output_attentions(clip_folder, hf_photo):
    import transformers as tf
    from PIL import Image

    from mmexplorer.attention.maps import image_branch_map, patch_token_scores, token_image_map
    from mmexplorer.engine.probe import load_model, probe

    model, entry = load_model(str(clip_folder), "cpu")
    assert entry.fusion == "hf-clip" and model.cfg.summary()["attention"].startswith("eager")
    record = probe(model, _sample(model, hf_photo))

    ref = tf.CLIPModel.from_pretrained(str(clip_folder), local_files_only=True, attn_implementation="eager").eval()
    processor = tf.CLIPProcessor.from_pretrained(str(clip_folder), local_files_only=True)
    inputs = processor(images=Image.open(hf_photo).convert("RGB"), text=TEXT, return_tensors="pt")
    with torch.no_grad():
        out = ref(**inputs, output_attentions=True)
    for kind, theirs in (("image", out.vision_model_output.attentions), ("text", out.text_model_output.attentions)):
        assert record.layers(kind) == len(theirs) == 2
        for ours, t in zip(record.attention[kind], theirs):
            np.testing.assert_allclose(ours, t[0].numpy(), atol=1e-5)
    assert record.outputs["match_logit"] == pytest.approx(float(out.logits_per_image[0, 0]), abs=1e-5)
    assert "match_prob" not in record.outputs  # one pair gives no probability

    ids = inputs["input_ids"][0].tolist()
    bpe = processor.tokenizer.convert_ids_to_tokens(ids)[1:]
    assert list(record.tokens) == [t.replace("</w>", "") for t in bpe]  # a, cat, a, n, d, a, dog, <|endoftext|>
    assert record.tokens[1] == "cat" and record.tokens[-1] == "<|endoftext|>"
    assert record.attention["text"][0].shape[-1] == 1 + len(record.tokens)
    assert record.grid == (4, 4) and record.cross_kind is None
    np.testing.assert_allclose(record.image_box, _hf_box(), atol=1e-6)
    _assert_softmax_rows(record)
    np.testing.assert_allclose(record.patch_positions, ref.vision_model.embeddings.position_embedding.weight[1:].detach().numpy())

    # the default word map is the token-patch similarity, and it is labelled as such
    assert "similarity" in record.map_label and "not attention" in record.map_label
    np.testing.assert_array_equal(record.token_to_image, record.similarity)
    assert np.abs(record.similarity).max() <= 1 + 1e-5 and np.ptp(record.similarity) > 0
    assert all(np.abs(g).sum() > 0 for g in record.grads["image"])
    m, label = token_image_map(record, 1, None, "mean", "raw")
    np.testing.assert_array_equal(m, record.similarity[1])
    for method in ("rollout", "relevancy"):
        m, label = image_branch_map(record, method)
        assert m.shape == (4, 4) and np.isfinite(m).all() and m.max() > 0
    scores, label = patch_token_scores(record, 5)
    assert scores.shape == (len(record.tokens),) and "similarity" in label


def test_clip_text_is_labelled_as_pooled_at_the_end_of_text_token(clip_folder, hf_photo):
    """CLIP pools the text at its end-of-text token: position 0 is a start token, not a [CLS]."""
    import transformers as tf
    from PIL import Image

    from mmexplorer.engine.probe import load_model, probe

    model, _ = load_model(str(clip_folder), "cpu")
    record = probe(model, _sample(model, hf_photo), relevancy=False)
    labels = record.labels("text", 0)
    assert "[CLS]" not in labels and labels[0] == "[start]" and labels[-1] == "<|endoftext|>"
    assert record.labels("image", 0)[0] == "[CLS]"  # the vision tower does pool at its class token
    pooled = record.meta["pooled"]["text"]
    assert pooled == {"position": len(labels) - 1, "token": "<|endoftext|>"}

    # the library's own pooled text output is the hidden state at that position
    ref = tf.CLIPModel.from_pretrained(str(clip_folder), local_files_only=True, attn_implementation="eager").eval()
    processor = tf.CLIPProcessor.from_pretrained(str(clip_folder), local_files_only=True)
    inputs = processor(images=Image.open(hf_photo).convert("RGB"), text=TEXT, return_tensors="pt")
    with torch.no_grad():
        text_out = ref.text_model(input_ids=inputs["input_ids"])
    np.testing.assert_allclose(text_out.pooler_output[0], text_out.last_hidden_state[0, pooled["position"]], atol=1e-6)
    assert "end-of-text" in model.cfg.summary()["text_pooling"]


def test_clip_tokens_truncate_at_the_text_encoders_length(clip_folder, hf_photo):
    from mmexplorer.engine.probe import load_model

    model, _ = load_model(str(clip_folder), "cpu")
    enc = model.tokenizer.encode("cat " * 40)
    assert enc.truncated and enc.dropped > 0
    assert len(enc.tokens) == 16 - 1  # 16 positions minus the start token
    assert enc.tokens[-1].surface == "<|endoftext|>" and not enc.tokens[-1].is_unk


def test_vit_capture_equals_transformers_output_attentions(vit_folder, hf_photo):
    import transformers as tf
    from PIL import Image

    from mmexplorer.attention.maps import image_branch_map
    from mmexplorer.engine.probe import load_model, probe

    model, entry = load_model(str(vit_folder), "cpu")
    assert entry.fusion == "hf-vit"
    record = probe(model, _sample(model, hf_photo, "ignored words"))

    ref = tf.ViTForImageClassification.from_pretrained(str(vit_folder), local_files_only=True, attn_implementation="eager").eval()
    pixels = tf.AutoImageProcessor.from_pretrained(str(vit_folder), local_files_only=True)(
        images=Image.open(hf_photo).convert("RGB"), return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        out = ref(pixel_values=pixels, output_attentions=True)
    assert record.layers("image") == len(out.attentions) == 2 and "text" not in record.attention
    for ours, theirs in zip(record.attention["image"], out.attentions):
        np.testing.assert_allclose(ours, theirs[0].numpy(), atol=1e-5)
    probs = torch.softmax(out.logits[0], -1)
    best = int(probs.argmax())
    assert record.outputs["classes"][0] == [f"shape{best}", pytest.approx(float(probs[best]), abs=1e-5)]
    assert record.tokens == () and record.image_box == (0.0, 0.0, PHOTO_W, PHOTO_H)  # resized whole, no crop
    assert any("ignored" in n for n in record.meta["notes"])
    _assert_softmax_rows(record)
    m, _ = image_branch_map(record, "relevancy")
    assert m.shape == (4, 4) and m.max() > 0


def test_vit_records_carry_the_hidden_state_norms_at_each_layers_keys(vit_folder, hf_photo):
    """Sinks need the norm of the residual stream entering each layer: the library's own hidden states, by hand."""
    import transformers as tf
    from PIL import Image

    from mmexplorer.attention.sinks import layer_sinks
    from mmexplorer.engine.probe import load_model, probe

    model, _ = load_model(str(vit_folder), "cpu")
    record = probe(model, _sample(model, hf_photo), relevancy=False)
    ref = tf.ViTForImageClassification.from_pretrained(str(vit_folder), local_files_only=True, attn_implementation="eager").eval()
    pixels = tf.AutoImageProcessor.from_pretrained(str(vit_folder), local_files_only=True)(
        images=Image.open(hf_photo).convert("RGB"), return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        states = ref(pixel_values=pixels, output_hidden_states=True).hidden_states
    assert len(record.norms["image"]) == 2
    for layer in range(2):
        np.testing.assert_allclose(record.norms["image"][layer], states[layer][0].norm(dim=-1).numpy(), rtol=1e-5)
        assert len(layer_sinks(record, "image", layer)["norms"]) == record.attention["image"][layer].shape[-1]


def test_torchvision_capture_equals_explicit_softmax_and_keeps_the_output(tv_weights, hf_photo):
    from mmexplorer.engine.external.tv_arch import infer_arch, read_state_dict
    from mmexplorer.engine.probe import load_model, probe

    arch = infer_arch(read_state_dict(tv_weights), num_heads=4)
    assert (arch.image_size, arch.patch_size, arch.num_layers, arch.hidden_dim, arch.mlp_dim, arch.num_classes) == (
        32, 8, 2, 32, 64, 1000)
    model, entry = load_model(str(tv_weights), "cpu")
    assert entry.fusion == "torchvision-vit"
    sample = _sample(model, hf_photo, "")
    record = probe(model, sample)

    # reference: softmax(QK^T / sqrt(d)) per head from each block's ln_1 output, on an unwrapped copy
    ref = _tiny_torchvision_vit()
    ref.load_state_dict(torch.load(tv_weights, weights_only=True))
    from PIL import Image

    pixels = model.preprocess_recipe(Image.open(hf_photo).convert("RGB")).unsqueeze(0)  # [1, 3, 32, 32]
    inputs = []
    hooks = [blk.ln_1.register_forward_hook(lambda m, i, o: inputs.append(o)) for blk in ref.encoder.layers]
    with torch.no_grad():
        logits = ref(pixels)[0]
    for h in hooks:
        h.remove()
    d, heads = 32, 4
    for layer, (x, blk) in enumerate(zip(inputs, ref.encoder.layers)):
        w, b = blk.self_attention.in_proj_weight, blk.self_attention.in_proj_bias
        q = (x @ w[:d].T + b[:d]).view(1, -1, heads, d // heads).transpose(1, 2)  # [1, H, S, d/H]
        k = (x @ w[d:2 * d].T + b[d:2 * d]).view(1, -1, heads, d // heads).transpose(1, 2)
        expected = torch.softmax(q @ k.transpose(-1, -2) / (d // heads) ** 0.5, -1)[0]  # [H, S, S]
        np.testing.assert_allclose(record.attention["image"][layer], expected.detach().numpy(), atol=1e-5)

    probs = torch.softmax(logits, -1)
    assert record.outputs["classes"][0][1] == pytest.approx(float(probs.max()), abs=1e-5)  # the wrapper changes nothing
    from torchvision.models import ViT_B_16_Weights

    assert record.outputs["classes"][0][0] == ViT_B_16_Weights.IMAGENET1K_V1.meta["categories"][int(probs.argmax())]
    assert all(np.abs(g).sum() > 0 for g in record.grads["image"])  # gradients reach the captured weights
    np.testing.assert_allclose(record.image_box, _tv_box(), atol=1e-6)
    np.testing.assert_array_equal(record.patch_positions, ref.encoder.pos_embedding[0, 1:].detach().numpy())
    _assert_softmax_rows(record)


def test_torchvision_file_refusals(tmp_path):
    from mmexplorer.engine.external import ExternalModelError
    from mmexplorer.engine.external.torchvision_vit import load

    no_heads = tmp_path / "vit.pth"
    torch.save(_tiny_torchvision_vit().state_dict(), no_heads)  # width 32, no .json next to it
    with pytest.raises(ExternalModelError, match="num_heads"):
        load(no_heads, "cpu")
    assert load(no_heads, "cpu", num_heads=2).arch.num_heads == 2  # the override
    pickled = tmp_path / "object.pth"
    torch.save({"model": _Opaque()}, pickled)
    with pytest.raises(ExternalModelError, match="weights-only"):
        load(pickled, "cpu")
    other = tmp_path / "resnet.pth"
    torch.save({"fc.weight": torch.zeros(2, 2)}, other)
    with pytest.raises(ExternalModelError, match="not a torchvision VisionTransformer"):
        load(other, "cpu")


class _Opaque:
    pass


# -- the command line ----------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_runs(clip_folder, vit_folder, tv_weights, hf_photo, tmp_path_factory):
    """`mmexplorer probe --model M ...` for the three models, run side by side (each pays torch's import)."""
    tmp = tmp_path_factory.mktemp("cli")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HOME=str(tmp / "hf-home"),
               MMEXPLORER_HOME=str(tmp / "home"))
    procs = {}
    for which, model in (("clip", clip_folder), ("vit", vit_folder), ("torchvision", tv_weights)):
        out = tmp / f"{which}.npz"
        cmd = [sys.executable, "-m", "mmexplorer", "probe", "--model", str(model), "--image", str(hf_photo),
               "--text", TEXT, "--out", str(out), "--json"]
        procs[which] = (subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), out)
    results = {}
    for which, (proc, out) in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        results[which] = (proc.returncode, stdout, stderr, out)
    return results


@pytest.mark.parametrize("which", ["clip", "vit", "torchvision"])
def test_cli_probe_writes_the_contract_npz(which, cli_runs):
    code, stdout, stderr, out = cli_runs[which]
    assert code == 0, stderr
    assert json.loads(stdout)["out"] == str(out)
    with np.load(out, allow_pickle=False) as z:
        files, meta = set(z.files), json.loads(str(z["meta"]))
        image0 = z["attn/image/0"]
    assert {"attn/image/0", "attn/image/1", "grid", "token_to_image", "patch_positions"} <= files
    assert image0.shape == (4, 17, 17)  # [heads, 1 + 16 patches, 1 + 16 patches]
    expected_box = {"clip": _hf_box(), "vit": (0, 0, PHOTO_W, PHOTO_H), "torchvision": _tv_box()}[which]
    np.testing.assert_allclose(meta["image_box"], expected_box, atol=1e-6)
    if which == "clip":
        assert {"attn/text/0", "attn/text/1", "similarity"} <= files
        assert meta["attention"] == "eager" and "match_logit" in meta["outputs"]
    else:
        assert "attn/text/0" not in files and meta["outputs"]["classes"]


def _cli_error(capsys, *args) -> str:
    from mmexplorer.cli import main

    assert main(list(args)) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def test_cli_without_transformers_says_how_to_enable_it(clip_folder, hf_photo, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)  # as if the [hf] extra were not installed
    line = _cli_error(capsys, "probe", "--model", str(clip_folder), "--image", str(hf_photo), "--text", "a cat",
                      "--out", str(tmp_path / "x.npz"))
    assert "pip install 'mmexplorer[hf]'" in line


def test_cli_refuses_an_unsupported_folder(tmp_path, hf_photo, capsys):
    folder = tmp_path / "bert"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"architectures": ["BertModel"]}))
    line = _cli_error(capsys, "probe", "--model", str(folder), "--image", str(hf_photo), "--text", "a cat",
                      "--out", str(tmp_path / "x.npz"))
    assert "not a supported model folder" in line and "CLIPModel" in line
