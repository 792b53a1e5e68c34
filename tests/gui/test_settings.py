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
