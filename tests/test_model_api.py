"""The one model interface: specs in the registries, loaded models as ExplorableModel wrappers."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import FUSIONS, tiny_model

torch = pytest.importorskip("torch")


def test_every_bundled_strategy_declares_a_consistent_spec():
    from mmexplorer.attention.capture import capture
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.models import fusion_names, fusion_spec

    assert sorted(fusion_names()) == sorted(FUSIONS)
    for fusion in FUSIONS:
        spec = fusion_spec(fusion)
        assert spec.fusion == spec.category == fusion and spec.note
        model = tiny_model(fusion)
        pixels = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
        record = capture(model, Sample(LoadedImage(pixels, "test"), model.tokenizer.encode("a red circle")),
                         relevancy=spec.default_map == "image-branch")
        # the spec's cross-modal kind is the record's, and the attention set exists in the record
        assert record.cross_kind == spec.cross_kind
        assert spec.cross_kind is None or spec.cross_kind in record.attention
        assert record.meta["spec"] == spec.to_dict()
        # the attention kinds the family declares are exactly those its records hold
        from mmexplorer import families

        assert set(record.attention) == set(families.get(fusion).kinds), fusion
        if spec.default_map == "similarity":
            np.testing.assert_array_equal(record.token_to_image, record.similarity)
        if spec.default_map == "attention":
            assert "attention" in record.map_label


def test_spec_refuses_what_cannot_be():
    from mmexplorer.spec import FusionSpec

    with pytest.raises(ValueError, match="category"):
        FusionSpec("x", "sideways", None, "none", "note")
    with pytest.raises(ValueError, match="cross-modal attention kind"):
        FusionSpec("x", "early", None, "attention", "note")
    spec = FusionSpec("x", "cross", "text_to_image", "attention", "note")
    assert FusionSpec.from_dict(spec.to_dict()) == spec and spec.has_cross_modal_attention


def test_loaded_bundled_model_is_a_wrapper_carrying_its_name_and_path(tmp_path):
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.model_api import BundledModel, ExplorableModel
    from mmexplorer.engine.probe import load_model, probe
    from mmexplorer.models.checkpoint import save_checkpoint

    net = tiny_model("cross")
    path = save_checkpoint(net, tmp_path / "mine.safetensors")
    model, entry = load_model(str(path), "cpu")
    assert isinstance(model, BundledModel) and isinstance(model, ExplorableModel)
    assert (model.name, model.path) == ("mine", str(path)) and model.spec.fusion == "cross"
    assert not hasattr(model.net, "catalog_name") and not hasattr(model.net, "checkpoint_path")
    assert model.parameter_count() == sum(p.numel() for p in net.parameters())

    pixels = np.random.default_rng(1).integers(0, 255, (48, 80, 3), dtype=np.uint8)
    pre = model.preprocess(LoadedImage(pixels, "test"))
    assert tuple(pre.pixels.shape) == (1, 3, 64, 64) and pre.image_box == (0.0, 0.0, 80.0, 48.0)
    record = probe(model, Sample(LoadedImage(pixels, "test"), model.tokenizer.encode("a red circle")))
    assert record.model == "mine" and record.meta["spec"]["cross_kind"] == "text_to_image"
    assert record.meta["timings"]["probe_s"] > 0 and "torch" in record.meta["versions"]
    # the same weights through the network directly give the same attention
    with torch.no_grad():
        out = net(pre.pixels, *_text(model))
    assert record.outputs["match_logit"] == pytest.approx(float(out.itm_logit[0]), abs=1e-5)


def _text(model):
    from mmexplorer.models.preprocess import text_tensor

    return text_tensor(model.tokenizer.encode("a red circle"), model.tokenizer)


def test_every_family_module_loads_through_its_declaration():
    from mmexplorer import families

    for family in families.families():
        module = family.module()  # the implementation the declaration names imports
        assert callable(module.load), family.name
        assert family.spec.fusion == family.name and family.spec.note
        if family.cell:
            target, _, function = family.cell.partition(":")
            assert callable(getattr(__import__(target, fromlist=[function]), function)), family.name


def test_the_views_note_comes_from_the_spec():
    pytest.importorskip("PySide6")
    import dataclasses

    from mmexplorer.attention.capture import capture
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample
    from mmexplorer.gui.views.explain import fusion_note

    model = tiny_model("late")
    pixels = np.zeros((64, 64, 3), np.uint8)
    record = capture(model, Sample(LoadedImage(pixels, "test"), model.tokenizer.encode("a circle")), relevancy=False)
    assert fusion_note(record) == model.spec.note and "NO cross-modal attention" in fusion_note(record)
    other = dataclasses.replace(record, meta={**record.meta, "spec": {**record.meta["spec"], "note": "custom"}})
    assert fusion_note(other) == "custom"
