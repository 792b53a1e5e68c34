"""mmexplorer.wrap: a transformers model held in memory gives the same record as the same model loaded from its folder."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("transformers")

import mmexplorer  # noqa: E402
from tests.hf_tiny import build_blip, build_siglip, build_vilt, write_photo  # noqa: E402

TEXT = "a cat sitting on the couch"


def _same_record(a, b) -> None:
    assert a.tokens == b.tokens and a.grid == b.grid and a.fusion == b.fusion and a.regions == b.regions
    assert set(a.attention) == set(b.attention)
    for kind in a.attention:
        for x, y in zip(a.attention[kind], b.attention[kind], strict=True):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)
        if a.gradients is not None:
            for x, y in zip(a.gradients[kind], b.gradients[kind], strict=True):
                np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(a.token_to_image, b.token_to_image, rtol=1e-5, atol=1e-6)
    for key in ("match_logit", "match_prob"):
        if key in a.outputs:
            assert a.outputs[key] == pytest.approx(b.outputs[key], rel=1e-5)


@pytest.mark.parametrize("family, build, classes", [
    ("hf-blip-itm", build_blip, ("BlipForImageTextRetrieval", "AutoProcessor")),
    ("hf-vilt", build_vilt, ("ViltForImageAndTextRetrieval", "AutoProcessor")),
    ("hf-siglip", build_siglip, ("SiglipModel", "AutoProcessor")),
])
def test_a_wrapped_model_gives_the_record_of_the_same_model_loaded_from_its_folder(tmp_path, family, build, classes):
    import transformers as tf

    if family == "hf-siglip":
        pytest.importorskip("sentencepiece")
    (tmp_path / family).mkdir()
    folder = build(tmp_path / family)
    photo = write_photo(tmp_path / "photo.png")
    loaded = mmexplorer.load(folder, device="cpu")
    net_cls, processor_cls = (getattr(tf, name) for name in classes)
    net = net_cls.from_pretrained(str(folder))  # transformers' own default attention (not eager) and train flag as loaded
    net.train()  # as in the middle of fine-tuning: wrap must switch dropout off
    wrapped = mmexplorer.wrap(net, processor_cls.from_pretrained(str(folder)), name="tuned")
    assert wrapped.in_memory and wrapped.path == "" and wrapped.name == "tuned" and wrapped.fusion == family
    assert not net.training and net.config._attn_implementation == "eager"
    ours, theirs = mmexplorer.probe(wrapped, photo, TEXT), mmexplorer.probe(loaded, photo, TEXT)
    assert ours.model == "tuned" and ours.meta["model_path"] == "" and theirs.meta["model_path"] == str(folder)
    _same_record(ours, theirs)


def test_wrap_refuses_what_it_cannot_explore(tmp_path):
    import torch
    import transformers as tf

    with pytest.raises(ValueError, match="transformers model"):
        mmexplorer.wrap(torch.nn.Linear(2, 2), None)
    (tmp_path / "blip").mkdir()
    folder = build_blip(tmp_path / "blip")
    net = tf.BlipForImageTextRetrieval.from_pretrained(str(folder))
    with pytest.raises(ValueError, match="processor"):
        mmexplorer.wrap(net, None)
    with pytest.raises(ValueError, match="tokenizer and an image processor"):
        mmexplorer.wrap(net, tf.AutoImageProcessor.from_pretrained(str(folder)))
    with pytest.raises(ValueError, match="bfloat16"):
        mmexplorer.wrap(net.to(torch.bfloat16), tf.AutoProcessor.from_pretrained(str(folder)))
    bert = tf.BertModel(tf.BertConfig(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8,
                                      vocab_size=10))
    with pytest.raises(ValueError, match="not a supported model class"):
        mmexplorer.wrap(bert, tf.AutoProcessor.from_pretrained(str(folder)))


def test_every_familys_record_passes_the_consistency_check_of_opened_files(tmp_path_factory, tmp_path):
    """open_record refuses arrays that do not fit their layout: never a genuine record of any family."""
    from tests.hf_tiny import build_every_family

    def folder(name):
        path = tmp_path_factory.mktemp(name.replace("-", "_"))
        return path

    photo = write_photo(tmp_path / "photo.png")
    for family, path in build_every_family(folder).items():
        record = mmexplorer.probe(mmexplorer.load(path, device="cpu"), photo, TEXT)
        again = mmexplorer.open_record(record.save(tmp_path / f"{family}.npz"))
        assert again.tokens == record.tokens and again.fusion == family
