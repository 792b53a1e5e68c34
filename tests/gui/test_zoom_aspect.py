"""Zoom and pan on the maps, and the picture drawn as the model saw it (squash, crop, padding)."""

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from mmexplorer.gui.views.aspect import distortion_text, pixel_aspect, scale_factors


def wheel(graphics, box, steps: int) -> None:
    """Turn the mouse wheel `steps` notches over the centre of a ViewBox (positive: zoom in)."""
    centre = graphics.mapFromScene(box.sceneBoundingRect().center())
    event = QWheelEvent(QPointF(centre), QPointF(graphics.mapToGlobal(centre)), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(graphics.viewport(), event)


class DoubleClick:
    def __init__(self, pos):
        self.pos, self.accepted = pos, False

    def double(self):
        return True

    def scenePos(self):
        return self.pos

    def accept(self):
        self.accepted = True


def width_shown(box) -> float:
    return box.viewRect().width()


def test_wheel_zooms_the_map_and_double_click_resets(make_explorer, qtbot):
    explorer = make_explorer(text="a red circle")
    explorer.window.resize(1200, 800)
    view = explorer.window.views["cross"]
    qtbot.waitUntil(lambda: view.image.plot.getViewBox().sceneBoundingRect().width() > 50)
    box = view.image.plot.getViewBox()
    before = width_shown(box)
    wheel(view.image, box, 3)
    assert width_shown(box) < 0.9 * before  # zoomed in
    assert view.image.zoom.zoomed()
    patch = explorer.state.patch
    view.image.zoom._clicked(DoubleClick(box.sceneBoundingRect().center()))
    view.image.clicks.clicked(DoubleClick(box.sceneBoundingRect().center()))
    assert width_shown(box) == pytest.approx(before, rel=0.01)  # back home
    assert explorer.state.patch == patch  # a double-click resets; it does not pick a patch


def test_matrix_zooms_and_thins_labels_less_when_zoomed(make_explorer, qtbot):
    explorer = make_explorer(model="test-early", text="a red circle and a blue square")
    explorer.window.resize(1200, 800)
    explorer.window.show_view("self")
    view = explorer.window.views["self"]
    box = view.plot.getViewBox()
    qtbot.waitUntil(lambda: box.sceneBoundingRect().width() > 50)
    before = width_shown(box)
    wheel(view.graphics, box, 4)
    assert width_shown(box) < 0.8 * before
    view.zoom.reset()
    assert width_shown(box) == pytest.approx(before, rel=0.01)


def test_patches_picture_and_similarity_map_are_linked(make_explorer, qtbot):
    explorer = make_explorer(model="test-early")
    explorer.window.resize(1200, 800)
    explorer.window.show_view("patches")
    view = explorer.window.views["patches"]
    picture, sim = view.image.plot.getViewBox(), view.sim_plot.getViewBox()
    qtbot.waitUntil(lambda: picture.sceneBoundingRect().width() > 50)
    wheel(view.image, picture, 4)
    # the similarity map now shows the grid cells under the zoomed picture
    shown = view._pixels_to_grid(picture.viewRect())
    got = sim.viewRect()
    assert got.center().x() == pytest.approx(shown.center().x(), abs=0.2)
    assert got.center().y() == pytest.approx(shown.center().y(), abs=0.2)
    assert got.width() < view.state.record.grid[1]  # zoomed in, not the whole grid


def test_distortion_text_names_squash_crop_and_padding():
    assert scale_factors((0, 0, 4000, 30), (128, 128)) == pytest.approx((0.032, 128 / 30))
    assert distortion_text((4000, 30), (0, 0, 4000, 30), (128, 128)) == "squashed 4000 × 30 → 128 × 128: width ×0.032, height ×4.3"
    assert "shape kept" in distortion_text((512, 512), (0, 0, 512, 512), (128, 128))
    assert distortion_text((400, 300), (50, 0, 350, 300), (128, 128)).startswith("cropped to 300 × 300 of 400 × 300")
    assert distortion_text((400, 300), (0, -50, 400, 350), (128, 96)).startswith("padded 400 × 300 to 400 × 400")
    # a letterbox keeps the shape up to the rounding of its sides to whole patches (192 x 128 -> 128 x 80)
    from mmexplorer.config import load_variant
    from mmexplorer.models.preprocess import input_geometry

    box, _ = input_geometry(load_variant("early").replace(preprocess="letterbox"), 192, 128, (8, 8))
    assert distortion_text((192, 128), box, (128, 128)) == (
        "letterboxed 192 × 128 → 128 × 80 inside 128 × 128 (shape kept; the padding is masked out)")
    # a 4000 x 30 box drawn with the grid's 8:8 shape: x drawn 4000/30 times smaller per unit than y
    assert pixel_aspect((0, 0, 4000, 30), (8, 8)) == pytest.approx(30 / 4000)


@pytest.fixture
def strip(tmp_path):
    path = tmp_path / "strip.png"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (30, 4000, 3), dtype=np.uint8)).save(path)
    return path


def test_a_squashed_strip_is_drawn_square_and_said_so(make_explorer, qtbot, strip):
    explorer = make_explorer(image=str(strip), text="a red circle")
    explorer.window.resize(1200, 800)
    view = explorer.window.views["cross"]
    box = view.image.plot.getViewBox()
    qtbot.waitUntil(lambda: box.sceneBoundingRect().width() > 50 and view.shape_row.isVisible())
    assert "squashed 4000 × 30 → 64 × 64" in view.shape_note.text()
    ux, uy = box.viewPixelSize()  # picture pixels per screen pixel
    # as the model saw it: the whole strip takes as many screen pixels across as down
    assert (4000 / ux) == pytest.approx(30 / uy, rel=0.02)
    view.shape_box.setChecked(False)
    ux, uy = box.viewPixelSize()
    assert ux == pytest.approx(uy, rel=0.01)  # the picture's own shape: square pixels


def test_patch_numbers_hide_when_cells_are_too_small(make_explorer, qtbot, strip):
    explorer = make_explorer(image=str(strip), text="a red circle")
    explorer.window.resize(1200, 800)
    explorer.window.show_view("patches")
    view = explorer.window.views["patches"]
    box = view.image.plot.getViewBox()
    qtbot.waitUntil(lambda: box.sceneBoundingRect().width() > 50 and bool(view._texts))
    view._fit_texts()
    # the strip in its own shape: 4000 x 30 px in a wide panel leaves cells under a pixel tall
    assert not any(t.isVisible() for t in view._texts)
    assert "hidden" in view.grid_label.text() and "squashed 4000 × 30" in view.grid_label.text()


def test_heads_thumbnails_zoom_together_and_name_the_tokens(make_explorer, qtbot):
    explorer = make_explorer(model="test-early", text="a red circle")
    explorer.window.resize(1200, 800)
    explorer.window.show_view("heads")
    view = explorer.window.views["heads"]
    index = view.mode.findData("joint")
    view.mode.setCurrentIndex(index)
    view.redraw()
    box = view.box  # every thumbnail is in this one plot: they zoom together
    qtbot.waitUntil(lambda: view.tile_scene_rect(0, 0).width() > 20)
    before = view.tile_scene_rect(1, 1).width()
    wheel(view.graphics, box, 3)
    assert view.tile_scene_rect(1, 1).width() > 1.1 * before  # zoomed in: the thumbnail is bigger on screen
    assert view.tile_scene_rect(0, 0).width() == pytest.approx(view.tile_scene_rect(1, 1).width())
    view.zoom._clicked(DoubleClick(view.box.sceneBoundingRect().center()))
    assert view.tile_scene_rect(1, 1).width() == pytest.approx(before, rel=0.01)
    # hovering the top-left cell of a matrix thumbnail names its query and key: [CLS] -> [CLS]
    x, y, _, _ = view.layout_.tile_rect(1, 1)
    corner = box.mapViewToScene(QPointF(x + 0.5, y + 0.5))
    view._moved(corner)
    weight = explorer.state.record.attention["joint"][1][1][0, 0]
    assert view.hover.text() == f"layer 1, head 1: [CLS] → [CLS]: {weight:.4f}"


def test_heads_matrix_mode_names_its_rows_and_columns(make_explorer):
    explorer = make_explorer(model="test-early", text="a red circle")
    explorer.window.show_view("heads")
    view = explorer.window.views["heads"]
    view.mode.setCurrentIndex(view.mode.findData("joint"))
    view.redraw()
    record = explorer.state.record
    n = record.n_patches
    assert f"Rows (queries): [CLS], a red circle, p0–p{n - 1}." in view.label.text()
