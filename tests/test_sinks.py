"""Attention sinks: received attention and hidden-state norms per layer, the sink rule, and discounting."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import tiny_model

torch = pytest.importorskip("torch")

SINK = 2  # the position made a sink: the second word of the text (the joint sequence is [CLS], words, patches)
LAYER = 1  # the layer made to sink there: the last, which the default word maps are read from


def _sample(model):
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample

    pixels = np.random.default_rng(3).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    return Sample(LoadedImage(pixels, "noise"), model.tokenizer.encode("a red circle"))


def _sink_model():
    """A tiny early-fusion model whose last joint layer sends nearly all attention, in both heads, to SINK.

    Queries are one constant vector (W_q = 0); each key is that vector times <w, h_j>, where h_j is the
    LayerNorm'd state entering the layer and w = h_SINK minus the other keys' mean: the score peaks at SINK,
    ahead of every other key by 10 (so it takes ~e^10 times any other key's weight).
    """
    model = tiny_model("early")
    sample = _sample(model)
    from mmexplorer.models.preprocess import image_tensor, text_tensor

    attn = model.joint.blocks[LAYER].attn
    seen = {}
    def keep(module, args):
        seen.setdefault("h", args[0].detach())

    handle = attn.register_forward_pre_hook(keep)
    ids, mask = text_tensor(sample.encoding, model.tokenizer)
    with torch.no_grad():
        model(image_tensor(sample.image.pixels, model.cfg), ids, mask)
    handle.remove()
    states = seen["h"][0]  # [K, D]: the LayerNorm'd state at every key
    others = torch.cat([states[:SINK], states[SINK + 1:]])
    w = states[SINK] - others.mean(0)  # what sets SINK apart from the rest
    gap = float(w @ states[SINK] - (others @ w).max())  # > 0: SINK is the furthest along w
    assert gap > 0
    direction = torch.zeros_like(w)
    direction[0] = direction[attn.head_dim] = 1.0  # one dimension in each head
    # score_j = (q . k_j) / sqrt(head_dim) = scale * 2 * (w . h_j) / sqrt(head_dim): SINK leads every key by 10
    scale = 10.0 * attn.head_dim ** 0.5 / (2 * gap)
    with torch.no_grad():
        attn.q.weight.zero_()
        attn.q.bias.copy_(direction)
        attn.k.weight.copy_(torch.outer(direction, w) * scale)
        attn.k.bias.zero_()
    return model, sample


def test_a_token_made_to_take_a_layers_attention_is_flagged_as_a_sink_with_its_norm():
    from mmexplorer.attention.capture import capture
    from mmexplorer.attention.sinks import layer_sinks, sink_shares
    from mmexplorer.models.preprocess import image_tensor, text_tensor

    model, sample = _sink_model()
    record = capture(model, sample, relevancy=False)
    table = layer_sinks(record, "joint", LAYER)
    assert table["sinks"] == [SINK]
    assert table["received"][SINK] > 0.9 and table["sink_share"] == pytest.approx(table["received"][SINK])
    assert table["keys"][SINK] == "red"
    assert sink_shares(record)["joint"][LAYER] == pytest.approx(table["sink_share"])
    # the norms are those of the residual stream entering each block, by hand
    states = {}
    def keeper(i):
        def keep(module, args):
            states.setdefault(i, args[0].detach())
        return keep

    hooks = [b.norm1.register_forward_pre_hook(keeper(i)) for i, b in enumerate(model.joint.blocks)]
    ids, mask = text_tensor(sample.encoding, model.tokenizer)
    with torch.no_grad():
        model(image_tensor(sample.image.pixels, model.cfg), ids, mask)
    for hook in hooks:
        hook.remove()
    for layer in range(2):
        np.testing.assert_allclose(record.norms["joint"][layer], states[layer][0].norm(dim=-1).numpy(), rtol=1e-5)
    # an untouched random layer has no such key
    assert table["sinks"] != layer_sinks(tiny_capture(), "joint", LAYER)["sinks"]


def tiny_capture():
    from mmexplorer.attention.capture import capture

    model = tiny_model("early")
    return capture(model, _sample(model), relevancy=False)


def test_discounting_renormalises_rows_over_the_other_keys_and_says_so(tmp_path):
    from mmexplorer.attention.capture import capture
    from mmexplorer.attention.npz import load_record, save_record
    from mmexplorer.attention.sinks import DISCOUNTED, discount_sinks

    model, sample = _sink_model()
    record = capture(model, sample, relevancy=False)
    out = discount_sinks(record)
    a = out.attention["joint"][LAYER]  # [H, Q, K]
    assert np.all(a[..., SINK] == 0)
    others = np.delete(a, SINK, axis=-1)
    np.testing.assert_allclose(others.sum(-1), 1.0, rtol=1e-5)
    # each row is the original row over the other keys, rescaled
    orig = np.delete(record.attention["joint"][LAYER], SINK, axis=-1)
    np.testing.assert_allclose(others, orig / orig.sum(-1, keepdims=True), rtol=1e-4)
    assert DISCOUNTED in out.map_label and DISCOUNTED not in record.map_label
    assert out.meta["sinks_discounted"]["joint"][LAYER] == [SINK]
    # the maps were made again from the discounted weights: the mass the sink held is spread over the others
    assert out.token_to_image.sum() > 5 * record.token_to_image.sum()
    # exports carry it: the npz keeps the label, the discounted keys, the norms and the received shares
    save_record(out, tmp_path / "r.npz")
    loaded = load_record(tmp_path / "r.npz")
    assert DISCOUNTED in loaded.map_label and loaded.meta["sinks_discounted"] == out.meta["sinks_discounted"]
    np.testing.assert_array_equal(loaded.norms["joint"][LAYER], record.norms["joint"][LAYER])
    with np.load(tmp_path / "r.npz") as z:
        assert z["sinks/joint"].shape == (2, a.shape[-1])
        assert z["sinks/joint"][LAYER, SINK] == pytest.approx(0.0)
    save_record(record, tmp_path / "plain.npz")
    with np.load(tmp_path / "plain.npz") as z:
        assert z["sinks/joint"][LAYER, SINK] > 0.9


def test_batched_records_carry_each_samples_own_norms():
    from mmexplorer.attention.capture import capture
    from mmexplorer.attention.capture_batch import capture_batch
    from mmexplorer.data.sample import Sample

    model = tiny_model("cross")
    short = _sample(model)
    long = Sample(short.image, model.tokenizer.encode("a red circle and a blue square"))
    batch = capture_batch(model, [short, long], relevancy=False)
    for sample, rec in zip([short, long], batch):
        alone = capture(model, sample, relevancy=False)
        for kind in alone.norms:
            for a, b in zip(alone.norms[kind], rec.norms[kind]):
                np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
