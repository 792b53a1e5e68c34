"""Preferences survive a restart: model, device, colormap, recent files."""


def test_preferences_are_restored(make_explorer, qtbot, settings, picture_file):
    explorer = make_explorer(model="test-cross", persist=True)
    explorer.state.set_display(colormap="viridis")
    assert explorer.window.actions_.open_path(str(picture_file))
    explorer.window.close()
    assert settings.get("engine/model") == "test-cross"

    again = make_explorer(model=None, persist=True)
    assert again.state.model == "test-cross" and again.state.record.fusion == "cross"
    assert again.state.colormap == "viridis"
    assert again.window.controls.colormap.currentText() == "viridis"
    assert settings.recent[0] == str(picture_file.resolve())
    assert [a.text() for a in again.window.recent_menu.actions()][0] == str(picture_file.resolve())


def test_the_model_set_per_fusion_strategy_is_remembered(make_explorer, qtbot, settings):
    explorer = make_explorer(model="test-cross", persist=True)
    assert explorer.state.fusion_models["cross"] == "test-cross"
    explorer.state.fusion_models["contrastive"] = "some-org/some-dual-encoder"  # as if the user had opened one
    explorer.window.close()
    assert settings.get("fusion/cross") == "test-cross"

    again = make_explorer(model="test-early", persist=True)
    assert again.state.fusion_models["contrastive"] == "some-org/some-dual-encoder"
    button = again.window.model_bar.fusion_buttons["contrastive"]
    assert button.isEnabled() and "some-org/some-dual-encoder" in button.toolTip()
