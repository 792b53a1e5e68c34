"""The Compare tab's models: each fusion strategy's current model, as the fusion buttons switch between them."""

from mmexplorer.protocol.calls import Catalog
from mmexplorer.engine.catalog import ModelEntry
from mmexplorer.gui.compare.model_set import fusion_model_set

BUNDLED = tuple(ModelEntry(f"test-{f}", f, f"/models/test-{f}.safetensors", "bundled")
                for f in ("early", "cross", "hybrid", "late", "contrastive"))


def test_without_picks_the_bundled_set_one_per_strategy():
    models = fusion_model_set({}, Catalog(BUNDLED, ("cpu",), "test-early"))
    assert [(m.name, m.fusion, m.scored) for m in models] == [
        (f"test-{f}", f, True) for f in ("early", "cross", "hybrid", "late", "contrastive")]


def test_real_models_picked_for_a_strategy_replace_the_bundled_one():
    vilt_folder = "/hf/models--dandelin--vilt/snapshots/abc"
    catalog = Catalog(BUNDLED + (ModelEntry("vilt-b32", "hf-vilt", vilt_folder, "file"),), ("cpu",), "test-early")
    picks = {"early": vilt_folder, "cross": "Salesforce/blip-itm-base-coco", "contrastive": "test-contrastive",
             "image-only": "/nowhere/vit-base"}
    models = {m.fusion: m for m in fusion_model_set(picks, catalog)}
    assert list(models) == ["early", "cross", "hybrid", "late", "contrastive", "image-only"]
    assert (models["early"].name, models["early"].path, models["early"].scored) == ("vilt-b32", vilt_folder, False)
    # not in the catalog: the engine resolves the id or folder itself, as the probe did
    assert (models["cross"].name, models["cross"].path) == ("Salesforce/blip-itm-base-coco",) * 2
    assert models["cross"].scored is False
    assert (models["image-only"].name, models["image-only"].path) == ("vit-base", "/nowhere/vit-base")
    assert models["hybrid"].name == "test-hybrid" and models["hybrid"].scored  # not picked: the bundled one
    assert models["contrastive"].path == "/models/test-contrastive.safetensors"


def test_one_model_picked_for_two_strategies_is_compared_once():
    picks = {"early": "test-cross"}
    models = fusion_model_set(picks, Catalog(BUNDLED, ("cpu",), None))
    assert [m.name for m in models].count("test-cross") == 1


def test_no_catalog_yet_and_nothing_picked_compares_nothing():
    assert fusion_model_set({}, None) == []
