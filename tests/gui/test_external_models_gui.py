"""A Hugging Face CLIP folder opens in the explorer like a bundled model: chips, maps, score."""

import numpy as np
import pytest

pytest.importorskip("transformers")

from test_external_models import clip_folder  # noqa: E402,F401  (the tiny saved CLIP, shared fixture)

from .gui_tools import expected_map, shown_map  # noqa: E402


def test_clip_folder_probes_and_draws(make_explorer, qtbot, clip_folder):  # noqa: F811
    explorer = make_explorer()
    state = explorer.state
    state.set_inputs(model=str(clip_folder), text="a red circle")
    qtbot.waitUntil(lambda: state.record is not None and state.record.fusion == "hf-clip", timeout=120_000)
    record = state.record
    assert record.cross_kind is None and record.similarity is not None
    assert state.tokenizer is None  # chips come from the record, not from a vocabulary-less stand-in
    words = [c.text() for c in explorer.window.inputs.chips.chips]
    assert words == list(record.tokens) and not any(w.startswith("[UNK]") for w in words)
    explorer.window.show_view("cross")
    np.testing.assert_array_equal(shown_map(explorer), expected_map(state))
    label = explorer.window.views["cross"].label.text()
    assert "similarity" in label
    assert "match score" in explorer.window.inputs.prediction.text()
