"""A batch of pairs with texts of different lengths gives, pair by pair, the records of the single probe."""

import numpy as np
import pytest

from conftest import FUSIONS, tiny_model
from mmexplorer.attention.capture import capture
from mmexplorer.attention.capture_batch import capture_batch, grads_for_maps
from mmexplorer.attention.npz import record_to_arrays
from mmexplorer.data.sample import make_sample

TEXTS = ["a red circle", "a blue square above a green triangle and a zebra", "red", ""]


def _photos():
    rng = np.random.default_rng(5)
    return [rng.integers(0, 255, shape, dtype=np.uint8) for shape in [(90, 140, 3), (64, 64, 3), (50, 30, 3), (70, 70, 3)]]


@pytest.mark.parametrize("fusion", FUSIONS)
@pytest.mark.parametrize("relevancy", [True, False])
def test_batch_equals_single_probe(fusion, relevancy):
    model = tiny_model(fusion)
    samples = [make_sample(p, t, model.tokenizer) for p, t in zip(_photos(), TEXTS)]
    batched = capture_batch(model, samples, relevancy=relevancy)
    assert len(batched) == len(samples)
    for sample, rec in zip(samples, batched):
        alone = record_to_arrays(capture(model, sample, relevancy=relevancy))
        got = record_to_arrays(rec)
        assert sorted(got) == sorted(alone)
        for key, want in alone.items():
            if key == "meta":
                continue
            assert got[key].shape == want.shape, key
            if want.dtype.kind == "f":
                np.testing.assert_allclose(got[key], want, atol=1e-5, rtol=1e-4, err_msg=key)
            else:
                assert (got[key] == want).all(), key
        assert rec.outputs["match_logit"] == pytest.approx(capture(model, sample, relevancy=False).outputs["match_logit"], abs=1e-5)


def test_maps_only_relevancy_keeps_the_default_maps():
    for fusion in FUSIONS:
        model = tiny_model(fusion)
        samples = [make_sample(p, t, model.tokenizer) for p, t in zip(_photos(), TEXTS)]
        for rec, sample in zip(capture_batch(model, samples, relevancy="maps"), samples):
            np.testing.assert_allclose(rec.token_to_image, capture(model, sample).token_to_image, atol=1e-5)


def test_maps_need_gradients_only_where_the_default_map_is_image_branch_relevancy():
    for fusion in FUSIONS:
        model = tiny_model(fusion)
        sample = make_sample(_photos()[0], TEXTS[1], model.tokenizer)
        alone = capture(model, sample, relevancy=True)
        needed, kinds = grads_for_maps(model)  # decided before the forward pass
        assert needed == alone.map_label.startswith("image-branch relevancy"), fusion
        batched = capture_batch(model, [sample, make_sample(_photos()[1], TEXTS[2], model.tokenizer)], relevancy="maps")[0]
        assert (batched.grads is not None) == needed, fusion
        if needed:  # late fusion: the image maps' gradients alone, equal to the single probe's
            assert kinds == {"image"}
            for got, want in zip(batched.grads["image"], alone.grads["image"]):
                np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-4)
            np.testing.assert_allclose(batched.token_to_image, alone.token_to_image, atol=1e-5)
