"""Switching focus redraws from the cached record; only new inputs run the model."""

import numpy as np
import pytest

from .gui_tools import engine_held, expected_map, shown_map
from mmexplorer.attention.maps import attention_matrix, patch_self_map, patch_token_scores, token_image_map
from mmexplorer.attention.positions import similarity_to_patch


def test_focus_changes_redraw_without_running_the_model(make_explorer, qtbot):
    explorer = make_explorer(text="a red circle and a blue square")
    state, runs = explorer.state, explorer.client.worker.runs
    seen = [shown_map(explorer).copy()]
    for change in (dict(token=2), dict(layer=0), dict(reduction="head", head=1), dict(head=0),
                   dict(reduction="max"), dict(method="rollout", reduction="mean")):
        state.select(**change)
        np.testing.assert_array_equal(shown_map(explorer), expected_map(state))
        assert not any(np.array_equal(shown_map(explorer), before) for before in seen), change
        seen.append(shown_map(explorer).copy())
    qtbot.wait(350)  # past the debounce
    assert explorer.client.worker.runs == runs


def test_gradients_are_captured_only_once_relevancy_is_picked(make_explorer, qtbot, tmp_path):
    explorer = make_explorer(text="a red circle and a blue square")
    state, view, runs = explorer.state, explorer.window.views["cross"], explorer.client.worker.runs
    assert state.record.grads is None  # the first probe skips the backward pass
    with engine_held(explorer, tmp_path / "gate"):  # hold the gradient run, so the waiting state can be seen for certain
        with qtbot.waitSignal(explorer.client.started, timeout=30_000):
            state.select(method="relevancy")
        # until the gradients are back, the map is rollout and says it is waiting
        assert state.record.grads is None
        assert state.map_method == "rollout" and "computing gradients" in view.label.text()
        np.testing.assert_array_equal(shown_map(explorer), expected_map(state))
    qtbot.waitUntil(lambda: state.record.grads is not None, timeout=30_000)
    assert explorer.client.worker.runs == runs + 1  # exactly one more run, for the gradients
    assert state.map_method == "relevancy" and "relevancy" in view.label.text() and "computing" not in view.label.text()
    np.testing.assert_array_equal(shown_map(explorer), expected_map(state))
    for change in (dict(token=1), dict(method="raw"), dict(method="relevancy"), dict(token=2)):
        state.select(**change)  # the record keeps its gradients: no more runs
    qtbot.wait(350)
    assert explorer.client.worker.runs == runs + 1
    state.set_inputs(text="a blue square")  # new text while relevancy is shown: one run, with gradients
    qtbot.waitUntil(lambda: state.record.tokens == ("a", "blue", "square"), timeout=30_000)
    assert state.record.grads is not None and explorer.client.worker.runs == runs + 2


def test_patch_click_shows_scores_for_every_word(make_explorer, qtbot):
    explorer = make_explorer(text="a red circle")
    view, state = explorer.window.views["cross"], explorer.state
    view.image.patch_clicked.emit(5)
    assert state.patch == 5
    expected, _ = patch_token_scores(state.record, 5, state.layer_of(state.record.cross_kind), state.head_arg, state.method)
    np.testing.assert_array_equal(view.scores, expected)
    assert len(view.scores) == 3


def test_fusion_switch_reprobes_the_same_input(make_explorer, qtbot):
    explorer = make_explorer(text="a red circle and a blue square")
    window, state = explorer.window, explorer.state
    image, runs = state.image, explorer.client.worker.runs
    for fusion in ("cross", "late", "contrastive", "hybrid"):
        with qtbot.waitSignal(explorer.client.finished, timeout=60_000):
            window.model_bar.fusion_buttons[fusion].click()
        runs += 1
        assert explorer.client.worker.runs == runs
        record = state.record
        assert record.fusion == fusion and state.result.image is image
        assert window.model_bar.fusion_buttons[fusion].isChecked()
        np.testing.assert_array_equal(shown_map(explorer), expected_map(state))
        note = window.views["cross"].note.text()
        if fusion in ("late", "contrastive"):
            assert "NO cross-modal attention" in note
        branches = window.views["cross"].branches
        assert branches.isVisibleTo(window) == (fusion in ("late", "hybrid"))
        if fusion in ("late", "hybrid"):
            np.testing.assert_allclose(branches.contributions, record.outputs["branches"]["contributions"])
        label = window.views["cross"].label.text()
        assert ("similarity" in label) == (fusion == "contrastive"), (fusion, label)
    # clicking the strategy already shown does not run the model again
    window.model_bar.fusion_buttons["hybrid"].click()
    qtbot.wait(350)
    assert explorer.client.worker.runs == runs


def test_hidden_views_catch_up_when_shown(make_explorer):
    explorer = make_explorer(model="test-cross")
    view, state = explorer.window.views["self"], explorer.state
    explorer.window.show_view("self")
    state.select(kind="text", layer=0, reduction="head", head=0)
    before = view.weights.copy()
    np.testing.assert_array_equal(before, attention_matrix(state.record, "text", 0, 0))
    explorer.window.show_view("cross")
    state.select(kind="image", layer=0, reduction="head", head=1)
    # hidden: not redrawn yet (nothing spent on a view nobody sees) ...
    np.testing.assert_array_equal(view.weights, before)
    explorer.window.show_view("self")
    # ... and up to date as soon as it is shown
    np.testing.assert_array_equal(view.weights, attention_matrix(state.record, "image", 0, 1))


def test_contrastive_maps_are_labelled_similarity(make_explorer):
    explorer = make_explorer(model="test-contrastive")
    label = explorer.window.views["cross"].label.text()
    assert "similarity" in label and "not attention" in label
    np.testing.assert_array_equal(shown_map(explorer), explorer.state.record.similarity[explorer.state.token])


def test_self_attention_view_holds_the_selected_matrix(make_explorer):
    explorer = make_explorer(model="test-cross")
    explorer.window.show_view("self")  # views draw while on screen
    view, state = explorer.window.views["self"], explorer.state
    record = state.record
    for kind in record.kinds:
        state.select(kind=kind, layer=0, reduction="head", head=1)
        np.testing.assert_array_equal(view.weights, attention_matrix(record, kind, 0, 1))
    state.select(kind="image", query=3)
    np.testing.assert_array_equal(view.row_map, patch_self_map(record, "image", 0, 3, 1))
    state.select(kind="text", query=1)
    assert view.row_map is None  # text queries have no patch columns in text self-attention



def _settle():
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # delivers the layout requests a new title or window size posts


def test_self_attention_matrix_stays_still_through_every_layer_and_head(make_explorer):
    """At widths where only some titles wrap onto a second line, the matrix below them keeps its size."""
    from PySide6.QtWidgets import QLabel

    explorer = make_explorer(model="test-early", text="a red circle")
    window, state = explorer.window, explorer.state
    window.show_view("self")
    view, record = window.views["self"], state.record
    layers = range(record.layers("joint"))
    focus = [dict(layer=l, reduction="head", head=h) for l in layers for h in range(record.heads)]
    focus += [dict(layer=l, reduction=r) for l in layers for r in ("mean", "max", "min")]
    titles = []
    for change in focus:
        state.select(kind="joint", **change)
        titles.append(view.label.text())
    ruler = QLabel()
    ruler.setWordWrap(True)
    ruler.setFont(view.label.font())
    for width in range(500, 2400, 10):  # a window width at which the titles wrap onto different numbers of lines
        window.resize(width, 860)
        _settle()
        if len({_height(ruler, title, view.label.width()) for title in titles}) > 1:
            break
    else:
        raise AssertionError("no window width wraps the titles unevenly")
    heights = set()
    for change in focus:
        state.select(**change)
        _settle()
        heights.add((view.graphics.width(), view.graphics.height()))
        assert view.label.height() >= _height(ruler, view.label.text(), view.label.width())  # never cut off
    assert len(heights) == 1, heights


def _height(ruler, text, width):
    ruler.setText(text)
    return ruler.heightForWidth(width)


def test_self_attention_view_draws_a_new_record_at_the_same_focus(make_explorer, qtbot):
    """The matrix, its colours, its axis labels and the row over the picture are kept only for one record."""
    from mmexplorer.gui.pg import colorize, colormap

    explorer = make_explorer(model="test-early", text="a red circle")
    state, view = explorer.state, explorer.window.views["self"]
    explorer.window.show_view("self")
    state.select(kind="joint", layer=0, reduction="head", head=1, query=5)
    first = state.record
    state.set_inputs(text="a blue square")  # same length, same focus: only the record differs
    qtbot.waitUntil(lambda: state.record is not first, timeout=30_000)
    record = state.record
    np.testing.assert_array_equal(view.weights, attention_matrix(record, "joint", 0, 1))
    assert not np.array_equal(view.weights, attention_matrix(first, "joint", 0, 1))
    np.testing.assert_array_equal(view.matrix.image, colorize(view.weights, view.colorbar.levels(), colormap(state.colormap)))
    np.testing.assert_array_equal(view.row_map, patch_self_map(record, "joint", 0, 5, 1))
    for axis, labels in (("left", record.labels("joint", 0)), ("bottom", record.labels("joint", 1))):
        shown = {label for level in view.plot.getAxis(axis)._tickLevels for _, label in level}  # thinned to fit
        assert shown <= set(labels) and not {"red", "circle"} & shown, (axis, shown)
        assert axis == "bottom" or "blue" in shown, shown  # the rows have room for a word; the columns may not

def test_joint_matrix_marks_the_modality_blocks(make_explorer):
    explorer = make_explorer(model="test-early", text="a red circle")
    state = explorer.state
    explorer.window.show_view("self")
    state.select(kind="joint")
    view = explorer.window.views["self"]
    assert view.block_edges == ([1, 4], [1, 4])  # [CLS] | 3 words | patches, on both axes
    xs, ys = view.blocks.getData()
    q, k = view.weights.shape
    segments = {((xs[i], ys[i]), (xs[i + 1], ys[i + 1])) for i in range(0, len(xs), 2)}
    assert segments == {((1, 0), (1, q)), ((4, 0), (4, q)), ((0, 1), (k, 1)), ((0, 4), (k, 4))}


def test_patches_view_and_heads_overview(make_explorer, qtbot):
    explorer = make_explorer(model="test-early")
    state = explorer.state
    explorer.window.show_view("patches")
    patches = explorer.window.views["patches"]
    patches.image.patch_clicked.emit(6)
    assert state.patch == 6
    np.testing.assert_allclose(patches.similarity, similarity_to_patch(state.record.patch_positions, 6, state.record.grid))
    patches.image.patch_clicked.emit(2)  # another patch: a row of the similarity kept for the record
    np.testing.assert_allclose(patches.similarity, similarity_to_patch(state.record.patch_positions, 2, state.record.grid))
    explorer.window.show_view("heads")
    heads = explorer.window.views["heads"]
    layers, n_heads = state.record.layers("joint"), state.record.heads
    assert set(heads.thumbs) == {(l, h) for l in range(layers) for h in range(n_heads)}
    state.select(token=1)  # a new word redraws every thumbnail, each its own layer's and head's map
    for (layer, h), shown in heads.thumbs.items():
        np.testing.assert_array_equal(shown, token_image_map(state.record, 1, layer, h, "raw")[0])
    heads.clicks.clicked(Click(heads.tile_scene_rect(1, 0).center()))  # at the centre of one thumbnail
    qtbot.waitUntil(lambda: (state.layer, state.head, state.reduction) == (1, 0, "head"), timeout=5_000)


class Click:
    """The scene click the views listen to: a single click, or the second click of a double-click."""

    def __init__(self, where, double=False):
        self.where, self._double = where, double

    def scenePos(self):
        return self.where

    def double(self):
        return self._double

    def accept(self):
        pass


def test_a_double_click_resets_the_zoom_without_picking_a_patch(make_explorer, qtbot):
    explorer = make_explorer(model="test-early")
    state, view = explorer.state, explorer.window.views["cross"]
    panel = view.image
    picked = []
    panel.patch_clicked.connect(picked.append)
    centre = panel.plot.vb.mapViewToScene(panel.picture.boundingRect().center())
    panel.clicks.clicked(Click(centre))  # the first click of a double-click, as Qt reports it
    panel.clicks.clicked(Click(centre, double=True))
    qtbot.wait(2 * panel.clicks.timer.interval())
    assert picked == [] and state.patch is None  # no patch picked, no cell panel
    panel.clicks.clicked(Click(centre))  # a click on its own picks
    qtbot.waitUntil(lambda: picked != [], timeout=5_000)
    assert state.patch == picked[0]


def test_arrow_keys_step_words_but_not_in_the_text_box(make_explorer, qtbot):
    from PySide6.QtCore import Qt

    explorer = make_explorer(text="a red circle")
    window, state = explorer.window, explorer.state
    state.select(token=0)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.tabs.setFocus()
    qtbot.keyClick(window.tabs, Qt.Key.Key_Right)
    assert state.token == 1
    box = window.inputs.text
    box.setFocus()
    box.setCursorPosition(5)
    qtbot.keyClick(box, Qt.Key.Key_Left)
    assert box.cursorPosition() == 4 and state.token == 1  # the cursor moved, the word did not
    window.tabs.setFocus()
    qtbot.keyClick(window.tabs, Qt.Key.Key_PageDown)  # layers stack upwards: from the last layer (1) down to 0
    assert state.layer == 0
    qtbot.keyClick(window.tabs, Qt.Key.Key_PageUp)
    assert state.layer == 1
    qtbot.keyClick(window.tabs, Qt.Key.Key_Down)
    assert state.layer == 0
    qtbot.keyClick(window.tabs, Qt.Key.Key_Up)  # up is the higher layer
    assert state.layer == 1


def test_keyboard_steps_token_and_layer(make_explorer, qtbot):
    explorer = make_explorer(text="a red circle")
    window, state = explorer.window, explorer.state
    assert state.token == 1  # the first screen focuses the first content word, not "a"
    state.select(token=0)
    window.step_token(1)
    assert state.token == 1
    window.step_token(-2)
    assert state.token == 2  # wraps around
    state.select(layer=1)
    window.step_layer(-1)
    assert state.layer == 0
    window.step_layer(-1)
    assert state.layer == 0


def test_colour_levels_stay_fixed_across_layers_and_heads(make_explorer):
    explorer = make_explorer(model="test-cross", text="a red circle")
    view, state, record = explorer.window.views["cross"], explorer.state, explorer.state.record
    rows = record.positions("text_to_image", 0, "text")
    top = max(float(a[:, rows][:, :, record.positions("text_to_image", 1, "image")].max()) for a in record.attention["text_to_image"])
    seen = set()
    for layer in range(record.layers("text_to_image")):
        for head in range(record.heads):
            state.select(layer=layer, reduction="head", head=head)
            seen.add(tuple(view.image.colorbar.levels()))
            assert view.image.levels == (0.0, top)
    assert seen == {(0.0, top)}


def test_overlay_colours_are_the_map_through_the_colour_bar(make_explorer):
    """The overlay is drawn from finished colours: each patch's colour is the colour bar's at its score."""
    explorer = make_explorer(model="test-cross", text="a red circle")
    view, state = explorer.window.views["cross"], explorer.state
    for change in (dict(token=1), dict(method="rollout"), dict(method="raw", reduction="head", head=1)):
        state.select(**change)
        panel = view.image
        lo, hi = panel.colorbar.levels()
        lut = panel.colorbar.cmap.getLookupTable(nPts=256, alpha=True)  # [256, 4]
        rgba = panel.overlay.image  # [rows, cols, 4]
        assert rgba.dtype == np.uint8 and rgba.shape == (*state.record.grid, 4)
        for (r, c), score in np.ndenumerate(panel.map):
            index = min(255, max(0, int((score - lo) * 256 / (hi - lo))))
            np.testing.assert_array_equal(rgba[r, c], lut[index])
        assert panel.map.max() > lo and len({tuple(v) for v in rgba.reshape(-1, 4)}) > 1  # not one flat colour


def test_a_patch_keeps_one_round_bar_axis_across_words_layers_and_heads(make_explorer):
    explorer = make_explorer(model="test-cross", text="a red circle")
    view, state = explorer.window.views["cross"], explorer.state
    view.same_axis.setChecked(True)  # the comparable axis (the default fits the scores shown)
    view.image.patch_clicked.emit(5)
    ranges, tallest = set(), 0.0
    for token in range(3):
        for layer in range(state.record.layers("image_to_text")):
            for head in range(state.record.heads):
                state.select(token=token, layer=layer, reduction="head", head=head)
                bottom, top = view.bars_plot.getViewBox().viewRange()[1]
                assert bottom <= view.scores.min() and view.scores.max() <= top
                ranges.add((bottom, top))
                tallest = max(tallest, float(view.scores.max()))
    assert len(ranges) == 1
    assert tallest >= 0.4 * top / 1.06  # the tallest bar fills at least 40% of the axis (1-2-2.5-5 steps, 6% margin)


def test_bar_axis_fits_tiny_scores_by_default(make_explorer):
    from mmexplorer.attention.maps import patch_token_scores
    from mmexplorer.gui.levels import bar_range

    explorer = make_explorer(model="test-cross", text="a red circle")
    view, state = explorer.window.views["cross"], explorer.state
    view.image.patch_clicked.emit(5)
    for layer in range(state.record.layers("image_to_text")):
        state.select(layer=layer, reduction="head", head=0)
        scores = patch_token_scores(state.record, 5, layer, 0, "raw")[0]
        bottom, top = view.bars_plot.getViewBox().viewRange()[1]
        want = bar_range(min(0.0, float(scores.min())), float(scores.max()))
        assert top == pytest.approx(want[1] * 1.06 if want[0] == 0 else top) and bottom <= want[0] + 1e-9
        assert scores.max() >= 0.4 * want[1]  # the tallest bar fills at least 40% of the axis


def test_bar_range_is_round():
    from mmexplorer.gui.levels import bar_range, bar_ticks

    assert bar_range(0.0, 0.37) == (0.0, 0.5)
    assert bar_range(0.0, 0.2) == (0.0, 0.2)
    assert bar_range(0.0, 0.21) == (0.0, 0.25)
    assert bar_range(0.0, 0.026) == (0.0, 0.05)
    assert bar_range(-0.3, 0.8) == (-0.5, 1.0)
    assert bar_range(-0.3, -0.1) == (-0.5, 0.0)
    assert bar_range(0.0, 0.0) == (0.0, 1.0)
    assert [v for v, _ in bar_ticks(0.0, 0.5)] == [0.0, 0.25, 0.5]
    assert [label for _, label in bar_ticks(-0.5, 1.0)] == ["-0.5", "-0.25", "0", "0.5", "1"]


def test_hover_reads_the_value_under_the_pointer(make_explorer):
    explorer = make_explorer(text="a red circle")
    view = explorer.window.views["cross"]
    view.image.patch_hovered.emit(9)
    value = float(view.image.map[9 // explorer.state.record.grid[1], 9 % explorer.state.record.grid[1]])
    assert view.hover.text().startswith("patch p9 (row 2, col 1)") and f"{value:.4f}" in view.hover.text()
    view.image.patch_hovered.emit(-1)
    assert view.hover.text().strip() == ""


def test_hover_line_follows_a_new_word(make_explorer):
    explorer = make_explorer(text="a red circle")
    view, state = explorer.window.views["cross"], explorer.state
    state.select(token=1)
    view.image.patch_hovered.emit(9)
    assert "'red'" in view.hover.text()
    state.select(token=2)  # the pointer has not moved: the line must name the new word and its value
    value = float(view.image.map[9 // state.record.grid[1], 9 % state.record.grid[1]])
    assert "'circle'" in view.hover.text() and f"{value:.4f}" in view.hover.text()


def test_sample_highlight_clears_when_another_picture_opens(make_explorer, tmp_path):
    import numpy as np
    from PIL import Image

    explorer = make_explorer(text="a red circle")
    gallery = explorer.window.inputs.gallery
    assert gallery.samples  # the bundled samples ship with the package
    explorer.window.actions_.pick_sample(gallery.samples[0])
    assert gallery.currentRow() == 0
    path = tmp_path / "other.png"
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(path)
    explorer.window.actions_.open_path(str(path))
    assert gallery.currentRow() == -1 and not gallery.selectedItems()


def test_each_attention_set_keeps_its_own_layer(make_explorer, qtbot):
    """A layer picked among image self-attention's layers in Heads is not joint attention's layer in Cross-modal."""
    explorer = make_explorer(model="test-hybrid", text="a red circle")
    window, state = explorer.window, explorer.state
    record = state.record
    assert {"image", "joint"} <= set(record.kinds)
    window.show_view("heads")
    heads = window.views["heads"]
    heads.mode.setCurrentIndex(heads.mode.findData("image"))
    heads.mode.activated.emit(heads.mode.currentIndex())  # as a user's pick
    state.select(layer=0, head=1, reduction="head")  # a thumbnail of image self-attention, layer 0
    assert window.controls.layer.value() == 0
    window.show_view("cross")
    last = record.layers(record.cross_kind) - 1
    assert state.layer_of(record.cross_kind) == last  # the cross-modal set's own layer (the last: none picked there)
    assert window.controls.layer.value() == last
    assert "joint" in window.controls.layer.toolTip() or record.cross_kind in window.controls.layer.toolTip()
    window.show_view("heads")  # back to image self-attention: its layer 0 again
    assert state.layer == 0 and window.controls.layer.value() == 0


def test_min_over_heads_is_drawn_on_a_scale_its_maps_reach(make_explorer, qtbot):
    from mmexplorer.attention.maps import token_image_map

    explorer = make_explorer(model="test-cross", text="a red circle")
    state, view = explorer.state, explorer.window.views["cross"]
    explorer.window.show_view("cross")
    state.select(reduction="max")
    qtbot.waitUntil(lambda: view.image.map is not None, timeout=10_000)
    heads_top = view.image.levels[1]
    state.select(reduction="min")
    record = state.record
    kind = record.cross_kind
    maps = [token_image_map(record, t, layer, "min", "raw")[0] for t in range(len(record.tokens))
            for layer in range(record.layers(kind))]
    top = max(float(m.max()) for m in maps)
    qtbot.waitUntil(lambda: view.image.levels[1] < heads_top, timeout=10_000)
    assert view.image.levels == pytest.approx((0.0, top), rel=1e-5)  # the largest value a min map reaches: not empty-looking
