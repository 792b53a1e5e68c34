"""Every pretrained family batches: one forward pass for pairs of mixed picture sizes and caption lengths
gives, pair by pair, the record of probing that pair alone (attention, gradients, maps, outputs, to 1e-5).

The models are tiny random ones the tests build (tests/hf_tiny.py); nothing reaches the network.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

import hf_tiny  # noqa: E402

from mmexplorer.attention.npz import record_to_arrays  # noqa: E402
from mmexplorer.data.image import LoadedImage  # noqa: E402
from mmexplorer.data.sample import Sample  # noqa: E402

# the retrieval and dual-encoder families (hf_tiny builds each); ViLT VQA shares ViLT's batch path
FAMILIES = ["hf-vilt", "hf-vilt-vqa", "hf-blip-itm", "hf-flava", "hf-clip", "hf-siglip", "hf-siglip2",
            "hf-chinese-clip"]
TEXTS = ["a cat sitting on the couch and a red dog", "cat", "the dog", ""]
SHAPES = [(90, 140), (64, 64), (120, 40), (70, 100)]  # (height, width): landscape, square, tall, landscape


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    from mmexplorer.engine.probe import load_model

    out = {}
    builders = {**hf_tiny.BUILDERS, "hf-clip": hf_tiny.build_clip}
    for family in FAMILIES:
        if family == "hf-siglip":
            pytest.importorskip("sentencepiece")
        folder = builders[family](tmp_path_factory.mktemp(family))
        out[family], _ = load_model(str(folder), "cpu")
    return out


def _samples(model):
    rng = np.random.default_rng(3)
    pictures = [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for h, w in SHAPES]
    return [Sample(LoadedImage(p, f"picture{i}"), model.tokenizer.encode(t))
            for i, (p, t) in enumerate(zip(pictures, TEXTS))]


def _assert_same(got, want, family):
    got, want = record_to_arrays(got), record_to_arrays(want)
    assert sorted(got) == sorted(want), family
    for key, value in want.items():
        if key == "meta":
            continue
        assert got[key].shape == value.shape, (family, key)
        if value.dtype.kind == "f":
            np.testing.assert_allclose(got[key], value, atol=1e-5, rtol=1e-4, err_msg=f"{family} {key}")
        else:
            assert (got[key] == value).all(), (family, key)


def _assert_outputs(got, want, where):
    """Equal JSON-able outputs: the same keys and strings, numbers to 1e-5, lists and dicts element by element."""
    if hasattr(want, "keys"):
        assert sorted(got) == sorted(want), where
        for key in want:
            _assert_outputs(got[key], want[key], f"{where} {key}")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_outputs(g, w, f"{where}[{i}]")
    elif isinstance(want, float):
        assert got == pytest.approx(want, abs=1e-5), where
    else:
        assert got == want, where


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("relevancy", [True, False])
def test_a_batch_equals_probing_each_pair_alone(models, family, relevancy):
    from mmexplorer.engine.probe import probe

    model = models[family]
    samples = _samples(model)
    calls = []
    network = getattr(model, "flava", model.net)  # the module the family runs (FLAVA: the model inside the head)
    hook = network.register_forward_hook(lambda *_: calls.append(1))
    try:
        batched = model.capture_batch(samples, relevancy)
    finally:
        hook.remove()
    assert len(calls) == 1, "one forward pass for the whole batch"
    assert len(batched) == len(samples)
    sizes = set()
    for sample, rec in zip(samples, batched):
        alone = probe(model, sample, relevancy=relevancy)
        _assert_same(rec, alone, family)
        _assert_outputs(rec.outputs, alone.outputs, family)
        assert rec.map_label == alone.map_label and rec.layouts == alone.layouts and rec.order == alone.order
        assert (rec.grads is not None) == relevancy
        assert rec.meta["timings"]["batch"] == len(samples)
        assert rec.meta["word_spans"] == alone.meta["word_spans"] and rec.meta["spec"] == alone.meta["spec"]
        sizes.add((rec.grid, len(rec.tokens)))
    assert len(sizes) > 1  # the batch really mixes lengths (and, where the model keeps them, picture sizes)


def test_vilt_pairs_of_different_picture_sizes_keep_their_own_grids(models):
    model = models["hf-vilt"]
    grids = [r.grid for r in model.capture_batch(_samples(model), False)]
    assert len(set(grids)) == len(grids)  # ViLT keeps each picture's aspect ratio, so each pair its own grid


def test_maps_only_batches_skip_the_backward_pass(models):
    """The pretrained families' word maps are attention or similarity: a maps-only run needs no gradients."""
    for family, model in models.items():
        samples = _samples(model)[:2]
        for rec, sample in zip(model.capture_batch(samples, "maps"), samples):
            assert rec.grads is None, family
            from mmexplorer.engine.probe import probe

            np.testing.assert_allclose(rec.token_to_image, probe(model, sample, relevancy=True).token_to_image,
                                       atol=1e-5)


def test_a_batch_leaves_the_random_state_alone(models):
    state = torch.get_rng_state()
    models["hf-vilt"].capture_batch(_samples(models["hf-vilt"]), True)
    assert torch.equal(state, torch.get_rng_state())
