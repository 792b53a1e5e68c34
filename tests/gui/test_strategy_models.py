"""A fusion button's model is the user's explicit pick, never a side effect of opening a model."""

import shutil


def test_opening_a_model_does_not_take_over_its_fusion_button_or_compare(make_explorer, qtbot, model_home, tmp_path, settings):
    other = tmp_path / "half-trained-early.safetensors"
    shutil.copy(model_home / "models" / "test-early.safetensors", other)
    explorer = make_explorer(model="test-cross", persist=True)
    state, window = explorer.state, explorer.window
    state.set_inputs(model=str(other))  # as File › Open checkpoint does
    qtbot.waitUntil(lambda: state.model_info is not None and state.model_info.path == str(other), timeout=60_000)
    qtbot.waitUntil(lambda: state.record is not None and state.record.fusion == "early", timeout=60_000)
    assert state.fusion_models == {}
    assert [n for n, _ in explorer.tools.compare.models if "early" in n] == ["test-early"]  # bundled early stays
    assert "test-early" in window.model_bar.fusion_buttons["early"].toolTip()
    window.close()
    assert not settings.get("strategy/early") and not settings.get("fusion/early")  # nothing survives a restart


def test_a_pick_is_visible_kept_and_reset_to_bundled(make_explorer, qtbot, model_home, tmp_path, settings):
    from mmexplorer.gui.strategy_models import StrategyModelsDialog

    other = tmp_path / "my-early.safetensors"
    shutil.copy(model_home / "models" / "test-early.safetensors", other)
    settings.set("fusion/early", "/old/tiny-vilt")  # a silent pick an older version saved: not restored
    explorer = make_explorer(model=str(other), persist=True)
    state = explorer.state
    assert state.fusion_models == {}
    menu = explorer.tools.strategy_models
    assert menu.use_action.isEnabled() and "early" in menu.use_action.text()
    menu.use_current()  # the explicit pick
    assert state.fusion_models == {"early": str(other)}
    assert str(other) in [p for _, p in explorer.tools.compare.models]
    dialog = StrategyModelsDialog(state, explorer.window)
    assert dialog.boxes["early"].currentData() == str(other)  # the list shows the pick
    assert dialog.boxes["cross"].currentText().startswith("bundled")
    dialog.reset()
    dialog.accept()
    assert state.fusion_models == {}
    assert [n for n, _ in explorer.tools.compare.models][:1] == ["test-early"]
