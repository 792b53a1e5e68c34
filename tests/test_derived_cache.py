"""Derived arrays (rollout, relevancy, the universe index) never ride on the frozen record."""

from __future__ import annotations

import gc

import numpy as np


def test_derived_arrays_live_beside_the_record_and_go_with_it():
    """Rollout is cached for the record without writing onto the frozen record; a freed record's cache goes."""
    from conftest import tiny_model

    from mmexplorer.attention import maps
    from mmexplorer.attention.capture import capture
    from mmexplorer.data.image import LoadedImage
    from mmexplorer.data.sample import Sample

    model = tiny_model("early")
    pixels = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    record = capture(model, Sample(LoadedImage(pixels, "test"), model.tokenizer.encode("a red circle")), relevancy=False)
    first = maps.propagated(record, "rollout")
    assert maps.propagated(record, "rollout") is first  # computed once
    assert "_derived" not in vars(record)  # nothing bolted onto the frozen record
    key = id(record)
    assert key in maps._DERIVED
    del record, first
    gc.collect()
    assert key not in maps._DERIVED
