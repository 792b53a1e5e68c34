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
    assert explorer.state.fusion_models == {}  # opening a model picks nothing
    explorer.state.set_fusion_models({"contrastive": "some-org/some-dual-encoder"})  # as the user's pick
    explorer.window.close()
    assert settings.get("strategy/contrastive") == "some-org/some-dual-encoder"
    assert not settings.get("strategy/cross")

    again = make_explorer(model="test-early", persist=True)
    assert again.state.fusion_models["contrastive"] == "some-org/some-dual-encoder"
    button = again.window.model_bar.fusion_buttons["contrastive"]
    assert button.isEnabled() and "some-org/some-dual-encoder" in button.toolTip()


def test_the_loading_colour_bar_uses_the_saved_colormap(make_explorer, settings):
    from mmexplorer.gui.pg import lookup_table, overlay_colormap

    settings.set("view/colormap", "viridis")
    explorer = make_explorer(model="test-early", persist=True, wait=False)  # before the first probe is back
    bar = explorer.window.views["cross"].image.colorbar
    assert (lookup_table(bar.cmap) == lookup_table(overlay_colormap("viridis"))).all()


def test_the_window_reopens_at_its_saved_size(make_explorer, settings, qtbot):
    # The offscreen screen is 800 x 800 and restoreGeometry keeps windows on screen: a height that fits is checked.
    first = make_explorer(model="test-early", persist=True)
    first.window.resize(first.window.width(), 620)
    first.window.close()
    again = make_explorer(model="test-early", persist=True)
    assert again.window.height() == 620
    again.window.show()
    qtbot.wait(50)  # the first probe's chips and labels are drawn: the window must not grow (jump) to fit them
    assert again.window.height() == 620
    assert again.window.minimumSizeHint().height() <= 620 and again.window.minimumSizeHint().width() <= 1024
