"""The engine process resolves a model name once, and again when its file or the catalog changed."""

import os

from mmexplorer.engine import catalog
from mmexplorer.protocol import calls
from mmexplorer.engine.catalog import ModelEntry
from mmexplorer.engine.service import Engine


def test_a_name_is_resolved_again_only_when_its_file_or_the_catalog_changed(tmp_path, monkeypatch):
    weights = tmp_path / "m.safetensors"
    weights.write_bytes(b"first")
    asked = []

    def resolve(name):
        asked.append(name)
        return ModelEntry(name, "early", str(weights), "file")

    monkeypatch.setattr(catalog, "resolve", resolve)
    monkeypatch.setattr(Engine, "catalog", staticmethod(lambda: calls.Catalog((), ("cpu",), None)))
    engine = Engine(lambda reply: None)
    assert engine._resolve("m").path == str(weights) and engine._resolve("m").path == str(weights)
    assert asked == ["m"]  # the second probe of the same model does not scan the catalog
    engine._resolve("other")
    assert asked == ["m", "other"]
    weights.write_bytes(b"second, longer")  # retrained in place
    os.utime(weights, ns=(1, 1))
    engine._resolve("other")
    assert asked == ["m", "other", "other"]
    engine.handle(calls.ListModels(1))  # File › Reload model list
    engine._resolve("other")
    assert asked == ["m", "other", "other", "other"]
