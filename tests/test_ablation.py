"""Ablation: zeroing heads and hiding the picture from the text, against hand-written forwards; the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image

from conftest import tiny_model

torch = pytest.importorskip("torch")


def _model_and_sample(fusion="early"):
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.model_api import BundledModel

    model = BundledModel(tiny_model(fusion))
    pixels = np.random.default_rng(5).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    return model, Sample(LoadedImage(pixels, "noise"), model.tokenizer.encode("a red circle"))


def test_ablating_nothing_is_the_plain_run_bit_for_bit():
    from mmexplorer.engine.ablation import Ablation

    model, sample = _model_and_sample("cross")
    plain = model.capture(sample, relevancy=False)
    same = model.ablated_capture(sample, Ablation())
    for kind in plain.attention:
        for a, b in zip(plain.attention[kind], same.attention[kind]):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(plain.token_to_image, same.token_to_image)
    assert plain.outputs == same.outputs


def _hand_forward(model, sample, layer: int, head: int) -> float:
    """The match logit with joint layer `layer`'s head `head` zeroed, the attention written out by hand."""
    from mmexplorer.models.preprocess import image_tensor, text_tensor

    attn = model.net.joint.blocks[layer].attn

    def forward(x, context=None, key_mask=None):
        b, n, d = x.shape
        split = lambda t: t.view(b, n, attn.heads, attn.head_dim).transpose(1, 2)  # noqa: E731  [B, H, N, dh]
        q, k, v = split(attn.q(x)), split(attn.k(x)), split(attn.v(x))
        w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(attn.head_dim), dim=-1)
        out = w @ v  # [B, H, N, dh]
        out[:, head] = 0.0
        return attn.proj(out.transpose(1, 2).reshape(b, n, d))

    ids, mask = text_tensor(sample.encoding, model.tokenizer)
    attn.forward = forward
    try:
        with torch.no_grad():
            return float(model.net(image_tensor(sample.image.pixels, model.cfg), ids, mask).itm_logit[0])
    finally:
        del attn.forward


def test_ablating_a_head_equals_a_hand_written_forward_with_its_output_zeroed():
    from mmexplorer.engine.ablation import Ablation

    model, sample = _model_and_sample("early")
    plain = model.capture(sample, relevancy=False).outputs["match_logit"]
    for layer, head in [(0, 1), (1, 0)]:
        expected = _hand_forward(model, sample, layer, head)
        got = model.ablated_capture(sample, Ablation(heads=(("joint", layer, head),))).outputs["match_logit"]
        assert got == pytest.approx(expected, abs=1e-5) and abs(got - plain) > 1e-6
        # the batched form (one row per ablation) agrees
        scores = model.ablated_scores(sample, [Ablation(), Ablation(heads=(("joint", layer, head),))])
        assert scores[1] == pytest.approx(1 / (1 + math.exp(-expected)), abs=1e-5)
        assert scores[0] == pytest.approx(model.match_scores([sample])[0], abs=1e-6)


def test_hiding_the_picture_leaves_text_rows_without_image_keys():
    from mmexplorer.engine.ablation import Ablation

    model, sample = _model_and_sample("early")
    rec = model.ablated_capture(sample, Ablation(image_hidden=True))
    for w in rec.attention["joint"]:
        rows, cols = rec.positions("joint", 0, "text"), rec.positions("joint", 1, "image")
        assert np.all(w[:, rows[:, None], cols[None, :]] == 0)
        np.testing.assert_allclose(w.sum(-1), 1.0, rtol=1e-5)  # the other keys share each row
    assert np.all(rec.token_to_image == 0) and rec.meta["ablation"]["image_hidden"]
    # a region hides only its patches: the others still take part
    part = model.ablated_capture(sample, Ablation(image_hidden=True, region=(0, 0, 32, 32)))
    m = part.token_to_image[0]  # [4, 4]
    assert np.all(m[:2, :2] == 0) and np.all(m[2:, :] > 0)
    # cross-attention: every key of a text row is the picture's, so the rows read nothing
    model, sample = _model_and_sample("cross")
    rec = model.ablated_capture(sample, Ablation(image_hidden=True))
    assert all(np.all(w[:, :, :] == 0) for w in rec.attention["text_to_image"])


def test_grid_is_each_head_alone():
    from mmexplorer.engine.ablation import Ablation, head_grid

    model, sample = _model_and_sample("early")
    seen = []
    grid = head_grid(model, sample, progress=lambda done, total: seen.append((done, total)))
    assert grid["kind"] == "joint" and np.shape(grid["effect"]) == (2, 2) and seen[-1] == (4, 4)
    one = model.ablated_capture(sample, Ablation(heads=(("joint", 1, 1),))).outputs["match_prob"]
    assert grid["effect"][1][1] == pytest.approx(one - grid["baseline"], abs=1e-5)


@pytest.fixture
def home(tmp_path, monkeypatch):
    from mmexplorer.models.checkpoint import save_checkpoint

    save_checkpoint(tiny_model("early"), tmp_path / "models" / "tiny-early.safetensors")
    Image.fromarray(np.random.default_rng(2).integers(0, 255, (48, 80, 3), dtype=np.uint8)).save(tmp_path / "p.png")
    monkeypatch.setenv("MMEXPLORER_HOME", str(tmp_path))
    return tmp_path


def test_cli_writes_json_and_refuses_bad_heads(home, capsys):
    from mmexplorer.cli import main

    base = ["ablate", "--model", "tiny-early", "--image", str(home / "p.png"), "--text", "a red circle"]
    assert main(base + ["--heads", "0:1,1:*", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ablation"]["heads"] == ["joint/0:1", "joint/1:0", "joint/1:1"]
    assert report["score"]["change"] == pytest.approx(report["score"]["after"] - report["score"]["before"])
    for bad in ["0:7", "9:0", "x", "image/0:0", "0:"]:
        assert main(base + ["--heads", bad]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and "Traceback" not in err[0]
    assert main(base + ["--grid", "--json"]) == 0
    captured = capsys.readouterr()
    assert np.shape(json.loads(captured.out)["effect"]) == (2, 2) and "grid: 4/4 heads" in captured.err
    assert main(base + ["--image-hidden", "--region", "1,2,3"]) == 2
    assert main(base) == 2


def test_curves_and_discount_sinks_commands(home, capsys):
    from mmexplorer.attention.npz import load_record
    from mmexplorer.attention.sinks import DISCOUNTED
    from mmexplorer.cli import main

    base = ["--model", "tiny-early", "--image", str(home / "p.png"), "--text", "a red circle"]
    assert main(["curves", *base, "--steps", "4", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["steps"] == 4 and set(report["auc"]) >= {"deletion_raw", "insertion_random", "deletion_relevancy"}
    for bad in (["--steps", "0"], ["--methods", "raw,magic"]):
        assert main(["curves", *base, *bad]) == 2
        assert capsys.readouterr().err.startswith("error: ")
    assert main(["probe", *base, "--out", str(home / "d.npz"), "--discount-sinks"]) == 0
    record = load_record(home / "d.npz")
    assert DISCOUNTED in record.map_label and "sinks_discounted" in record.meta
