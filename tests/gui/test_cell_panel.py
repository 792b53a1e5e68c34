"""Clicking an attention cell opens the panel that explains its weight from the model's q, k and v."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from test_external_models import clip_folder  # noqa: F401  (the tiny saved CLIP, shared fixture)


def _click_matrix_cell(view, row, col):
    """A real mouse click on the centre of cell (row, col) of the self-attention matrix."""
    scene = view.plot.vb.mapViewToScene(QPointF(col + 0.5, row + 0.5))
    point = view.graphics.mapFromScene(scene)
    QTest.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def test_clicking_a_matrix_cell_explains_that_weight(make_explorer, qtbot):
    explorer = make_explorer(model="test-early", text="a red circle")
    window, state, panel = explorer.window, explorer.state, explorer.cells.panel
    window.show_view("self")
    state.select(reduction="head", head=1, layer=0)
    view = window.views["self"]
    qtbot.waitUntil(lambda: view.weights is not None and view.plot.vb.width() > 50, timeout=10_000)
    assert not explorer.cells.dock.isVisible()
    _click_matrix_cell(view, 2, 7)  # the word "red" (row 2) -> patch p3 (column 1 + 3 words + 3)
    qtbot.waitUntil(lambda: panel.explanation is not None, timeout=30_000)
    e, weights = panel.explanation, state.record.attention["joint"][0]  # [heads, queries, keys]
    assert (e.kind, e.layer, e.head, e.query.index, e.key.index) == ("joint", 0, 1, 2, 7)
    assert (e.query.label, e.key.label, e.key.patch) == ("red", "p3", 3)
    np.testing.assert_allclose(e.weight, weights[1, 2, 7], atol=1e-5)
    np.testing.assert_allclose(panel.weight_strip.values, weights[1, 2], atol=1e-5)
    np.testing.assert_allclose(panel.scaled_strip.values, e.row_scaled)
    assert explorer.cells.dock.isVisible() and f"{e.weight:.4f}" in panel.heading.text()
    assert "softmax(QKᵀ/√d_k)" in panel.explain.text() and "word" in panel.explain.text()
    assert panel.weight_strip.text_at(7).startswith("7 p3: +")
    strip = panel.q_strip  # hovering a bar names its value
    strip._moved(strip.plot.getViewBox().mapViewToScene(QPointF(5.0, 0.0)))
    assert strip.hover_text == f"[5]: {e.q[5]:+.4f}" and strip.hover_text in strip.label.text()
    assert state.query == 2  # the click still picks the row for the picture, as before

    state.select(layer=1)  # the panel follows the layer for the same cell
    qtbot.waitUntil(lambda: panel.explanation.layer == 1, timeout=30_000)
    np.testing.assert_allclose(panel.explanation.weight, state.record.attention["joint"][1][1, 2, 7], atol=1e-5)


def test_clicking_a_patch_explains_the_words_cross_attention_cell(make_explorer, qtbot):
    explorer = make_explorer(model="test-cross", text="a red circle")
    state, panel, view = explorer.state, explorer.cells.panel, explorer.window.views["cross"]
    state.select(token=2, reduction="head", head=0, layer=1)
    view.image.patch_clicked.emit(5)
    qtbot.waitUntil(lambda: panel.explanation is not None, timeout=30_000)
    e = panel.explanation
    assert (e.kind, e.layer, e.head, e.query.index, e.key.index) == ("text_to_image", 1, 0, 3, 6)
    assert (e.query.label, e.query.modality, e.key.modality) == ("circle", "text", "image")
    np.testing.assert_allclose(e.weight, state.record.attention["text_to_image"][1][0, 3, 6], atol=1e-5)
    assert "cross-attention" in panel.explain.text() and "patch p5 (row 1, column 1)" in panel.places.text()
    assert panel.picture.marker.isVisible()  # the key patch is outlined on the picture
    assert "Position embeddings" in panel.positions.text()


def test_clicking_a_words_bar_explains_the_patchs_cell(make_explorer, qtbot):
    explorer = make_explorer(model="test-cross", text="a red circle")
    state, panel, view = explorer.state, explorer.cells.panel, explorer.window.views["cross"]
    state.select(patch=5, reduction="head", head=1, layer=0)
    view.redraw()
    box = view.bars_plot.getViewBox()
    point = view.bars_plot.mapFromScene(box.mapViewToScene(QPointF(1.0, 0.0)))  # the bar of "red"
    QTest.mouseClick(view.bars_plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    qtbot.waitUntil(lambda: panel.explanation is not None, timeout=30_000)
    e = panel.explanation
    assert (e.kind, e.layer, e.head, e.query.index, e.key.index) == ("image_to_text", 0, 1, 6, 2)
    assert (e.query.label, e.key.label) == ("p5", "red")
    np.testing.assert_allclose(e.weight, state.record.attention["image_to_text"][0][1, 6, 2], atol=1e-5)
    np.testing.assert_allclose(e.weight, view.scores[1], atol=1e-5)  # the bar's height


def test_a_cell_comes_from_the_model_that_made_the_record(make_explorer):
    explorer = make_explorer(model="test-cross", text="a red circle")
    state, client = explorer.state, explorer.cells.client
    state.set_inputs(model="test-early", quiet=True)  # picked, but no new record yet
    assert client.request("text_to_image", 0, 0, 1, 1)
    assert client.latest.model == "test-cross" and client.latest.result_id == state.result.request_id
    assert not client.request("joint", 0, 0, 1, 1)  # the shown record has no such attention



def test_a_clip_text_cell_marks_the_causal_mask(make_explorer, qtbot, clip_folder):  # noqa: F811
    explorer = make_explorer()
    state, panel = explorer.state, explorer.cells.panel
    state.set_inputs(model=str(clip_folder), text="A cat and a dog")
    qtbot.waitUntil(lambda: state.record is not None and state.record.fusion == "hf-clip", timeout=120_000)
    explorer.window.views["self"].cell_picked.emit("text", 1, 2, 5)  # what a click on that cell emits
    qtbot.waitUntil(lambda: panel.explanation is not None, timeout=60_000)
    e, n = panel.explanation, state.record.attention["text"][1].shape[2]
    np.testing.assert_allclose(e.weight, state.record.attention["text"][1][state.head, 2, 5], atol=1e-5)
    assert e.weight == 0.0 and list(e.mask) == [j <= 2 for j in range(n)]
    assert "masked" in panel.score.text() and f"{n - 3} masked" in panel.scaled_strip.label.text()
    assert panel.scaled_strip.text_at(5).endswith("masked")


@pytest.fixture
def blip_folder(hf_folders):
    return hf_folders["hf-blip-itm"]  # the tiny random BLIP ITM the family tests build


def test_a_blip_cross_attention_cell_says_where_queries_and_keys_come_from(make_explorer, qtbot, blip_folder):
    explorer = make_explorer()
    state, panel = explorer.state, explorer.cells.panel
    state.set_inputs(model=str(blip_folder), text="a cat sitting on the couch")
    qtbot.waitUntil(lambda: state.record is not None and state.record.fusion == "hf-blip-itm", timeout=120_000)
    explorer.window.views["cross"].cell_picked.emit("text_to_image", 1, 2, 6)  # what a click on that cell emits
    qtbot.waitUntil(lambda: panel.explanation is not None, timeout=60_000)
    e = panel.explanation
    np.testing.assert_allclose(e.weight, state.record.attention["text_to_image"][1][state.head, 2, 6], atol=1e-5)
    assert (e.query.label, e.key.label) == ("cat", "p5") and explorer.cells.dock.isVisible()
    assert "cross-attention" in panel.explain.text() and "patch p5 (row 1, column 1)" in panel.places.text()
    assert "not available" in panel.positions.text()  # BLIP's cells come without the position share


def test_a_padding_key_is_named_as_padding(qtbot):
    from mmexplorer.attention.cell_record import Place
    from mmexplorer.gui.cell_panel import CellPanel

    panel = CellPanel()
    qtbot.addWidget(panel)
    assert panel._where(Place(25, "[PAD]", "pad")) == "padding (position 25)"
    assert panel._where(Place(3, "cat", "text")) == "the word 'cat' (position 3)"
