"""Starting without any model installed: a clear message and a usable window."""


def test_no_models_says_how_to_get_one(make_explorer, qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("MMEXPLORER_HOME", str(tmp_path / "empty-home"))
    explorer = make_explorer(model=None, wait=False)
    qtbot.waitUntil(lambda: explorer.state.catalog is not None, timeout=60_000)
    assert "No models are installed" in explorer.window.messages.text
    assert "mmexplorer train" in explorer.window.messages.text
    assert not explorer.state.busy and explorer.state.record is None
    assert not any(b.isEnabled() for b in explorer.window.model_bar.fusion_buttons.values())
    assert explorer.window.model_bar.model.currentText() == "no models installed"
    assert not explorer.client.run_now(force=True)  # nothing to run, and nothing breaks
