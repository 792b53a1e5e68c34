"""A generative model's record (no attention kinds, an answer, image regions) opens in the explorer without a fault:
every view is shown, the question's words are the chips."""

import pytest

pytest.importorskip("transformers")
pytest.importorskip("num2words")

from hf_tiny_gen import build_smolvlm  # noqa: E402


@pytest.fixture(scope="module")
def smol_folder(tmp_path_factory):
    return build_smolvlm(tmp_path_factory.mktemp("smolvlm"))  # before the test's thread count is taken


def test_smolvlm_folder_opens_and_every_view_draws(make_explorer, qtbot, smol_folder):
    folder = smol_folder
    explorer = make_explorer()
    state = explorer.state
    failures = []
    explorer.client.failed.connect(failures.append)
    state.set_inputs(model=str(folder), text="what colour is the circle?")
    qtbot.waitUntil(lambda: bool(failures) or (state.record is not None and state.record.fusion == "hf-smolvlm"),
                    timeout=120_000)
    assert not failures
    record = state.record
    assert record.generative and record.regions is not None and record.attention == {}
    assert [c.text() for c in explorer.window.inputs.chips.chips] == list(record.tokens)
    for name in ("cross", "self", "patches", "heads", "model"):
        explorer.window.show_view(name)
        qtbot.wait(50)
    explorer.window.step_layer(1)
    assert not failures
