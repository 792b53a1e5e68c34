"""The toolbar disables what does nothing on the view shown, says why, and numbers layers as the views do."""


def test_contrastive_cross_view_disables_layer_method_head_and_colormap(make_explorer):
    explorer = make_explorer(model="test-contrastive", text="a red circle")
    controls, window = explorer.window.controls, explorer.window
    window.show_view("cross")
    for widget in (controls.layer, controls.method, controls.head, controls.colormap):
        assert not widget.isEnabled()
        assert "Does nothing here" in widget.toolTip()
    assert "diverging" in controls.colormap.toolTip()
    assert "signed" in window.views["cross"].label.text()  # the colormap is not overridden silently
    window.show_view("self")  # there every control acts on the matrix again
    assert controls.method.isEnabled() and controls.colormap.isEnabled() and controls.layer.isEnabled()
    assert "Does nothing" not in controls.layer.toolTip()


def test_late_fusion_cross_view_disables_layer_only(make_explorer):
    explorer = make_explorer(model="test-late", text="a red circle")
    controls = explorer.window.controls
    explorer.window.show_view("cross")
    assert not controls.layer.isEnabled() and "every layer" in controls.layer.toolTip()
    assert controls.method.isEnabled() and controls.colormap.isEnabled()


def test_toolbar_layer_and_view_agree(make_explorer):
    explorer = make_explorer(model="test-hybrid", text="a red circle")
    window, state, controls = explorer.window, explorer.state, explorer.window.controls
    window.show_view("self")
    view = window.views["self"]
    for kind in state.record.kinds:
        state.select(kind=kind, layer=-1)
        last = state.record.layers(kind) - 1
        assert controls.layer.maximum() == last and controls.layer.value() == last
        assert f"layer {last} of 0–{last}" in view.label.text()
    window.step_layer(-1)  # steps within the shown set
    assert state.layer == max(0, state.record.layers(state.kind) - 2)
