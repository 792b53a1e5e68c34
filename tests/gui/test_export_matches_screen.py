"""What you see is what you export: every tab's figure uses the screen's colours, levels and opacity.

The figures are the very Figure objects File › Export figure builds (caught on
their way to the file); the screen's side is what the views hold: the colour
levels of their colour bars and the RGBA pixels pyqtgraph draws.
"""

import json

import numpy as np
import pytest

from mmexplorer.attention.maps import attention_matrix, token_image_map
from mmexplorer.attention.npz import load_record
from mmexplorer.export.figure_data import load_figure_data
from mmexplorer.gui.pg import lookup_table, overlay_colormap


@pytest.fixture
def caught(monkeypatch):
    """Every Figure the export actions save, in order."""
    import mmexplorer.export as export

    figures = []
    original = export.save_figure

    def keep(fig, path, *args, **kwargs):
        figures.append(fig)
        return original(fig, path, *args, **kwargs)

    monkeypatch.setattr(export, "save_figure", keep)
    return figures


def _export(explorer, qtbot, tmp_path, caught, name):
    actions = explorer.tools.export
    actions.ask_figure_path = lambda: str(tmp_path / name)
    actions.ask_dpi = lambda: 60
    with qtbot.waitSignal(actions.exported, timeout=120_000):
        assert actions.export_figure()
    return caught[-1]


def _maps(fig):
    return [im for ax in fig.axes for im in ax.get_images() if im.get_gid() == "map"]


def _figure_rgba(im) -> np.ndarray:
    return im.to_rgba(im.get_array(), bytes=True)  # uint8 [rows, cols, 4], the figure's colours per cell


def _same_colours(figure_rgba, screen_rgba, opacity):
    """Screen and figure colour every cell alike: the same RGB; the figure's alpha is the screen's times the opacity."""
    np.testing.assert_array_equal(figure_rgba[..., :3], screen_rgba[..., :3])
    np.testing.assert_allclose(figure_rgba[..., 3].astype(float), screen_rgba[..., 3] * opacity, atol=1.0)


def _look(explorer, colormap="turbo", opacity=0.5):
    explorer.state.set_display(colormap=colormap, opacity=opacity)


def test_cross_modal_export_is_the_screen(make_explorer, qtbot, tmp_path, caught):
    explorer = make_explorer("test-cross")
    _look(explorer)
    explorer.state.select(token=2, reduction="max", method="rollout")
    explorer.window.show_view("cross")
    fig = _export(explorer, qtbot, tmp_path, caught, "cross.png")
    view = explorer.window.views["cross"]
    (im,) = _maps(fig)
    assert (im.norm.vmin, im.norm.vmax) == pytest.approx(view.image.levels)
    assert im.cmap.name == "turbo over picture"
    np.testing.assert_allclose(im.get_array(), view.image.map)
    _same_colours(_figure_rgba(im), view.image.overlay.image, view.image.overlay.opacity())
    # the picture under it is in colour, as on screen
    picture = fig.axes[0].get_images()[0].get_array()
    assert picture.ndim == 3 and picture.shape[2] == 3


def test_self_attention_export_is_the_screen(make_explorer, qtbot, tmp_path, caught):
    explorer = make_explorer()
    _look(explorer, "viridis")
    explorer.state.select(layer=0, reduction="head", head=1)
    explorer.window.show_view("self")
    fig = _export(explorer, qtbot, tmp_path, caught, "self.svg")
    view = explorer.window.views["self"]
    (im,) = _maps(fig)
    assert (im.norm.vmin, im.norm.vmax) == pytest.approx(view.colorbar.levels())
    assert im.cmap.name == "viridis"
    np.testing.assert_allclose(im.get_array(), view.weights)
    _same_colours(_figure_rgba(im), view.matrix.image, 1.0)


def test_heads_export_is_the_screen(make_explorer, qtbot, tmp_path, caught):
    explorer = make_explorer()
    _look(explorer, "plasma", 0.7)
    explorer.state.select(token=1)
    explorer.window.show_view("heads")
    fig = _export(explorer, qtbot, tmp_path, caught, "heads.pdf")
    view = explorer.window.views["heads"]
    shown = _maps(fig)
    assert len(shown) == len(view.thumbs)
    for im in shown:
        assert (im.norm.vmin, im.norm.vmax) == pytest.approx(view.colorbar.levels())
    # thumbnails row by row (layer), column by column (head), like the figure's panels
    for im, key in zip(shown, sorted(view.thumbs)):
        _same_colours(_figure_rgba(im), view.tile_colours(*key), view.mosaic.opacity())


def test_heads_export_of_a_model_without_cross_attention_shows_the_matrices(make_explorer, qtbot, tmp_path, caught):
    explorer = make_explorer("test-late")
    explorer.window.show_view("heads")
    fig = _export(explorer, qtbot, tmp_path, caught, "heads.png")
    view = explorer.window.views["heads"]
    shown = _maps(fig)
    assert len(shown) == len(view.thumbs)
    for im, key in zip(shown, sorted(view.thumbs)):
        assert (im.norm.vmin, im.norm.vmax) == pytest.approx(view.colorbar.levels())
        _same_colours(_figure_rgba(im), view.tile_colours(*key), 1.0)


def test_patches_export_is_the_screen(make_explorer, qtbot, tmp_path, caught):
    explorer = make_explorer()
    _look(explorer, "grey")
    explorer.state.select(patch=5)
    explorer.window.show_view("patches")
    fig = _export(explorer, qtbot, tmp_path, caught, "patches.png")
    view = explorer.window.views["patches"]
    one, tiles = _maps(fig)
    for im in (one, tiles):
        assert (im.norm.vmin, im.norm.vmax) == pytest.approx(view.colorbar.levels())
        assert im.cmap.name == "grey"
    _same_colours(_figure_rgba(one), view.sim_image.image, 1.0)
    _same_colours(_figure_rgba(tiles), view.gog_image.image, 1.0)


def test_compare_export_is_the_screen(make_explorer, qtbot, tmp_path, caught):
    explorer = make_explorer()
    panel = explorer.tools.compare
    with qtbot.waitSignal(panel.compared, timeout=120_000):
        explorer.window.show_view("compare")
    panel.token.setCurrentIndex(2)
    fig = _export(explorer, qtbot, tmp_path, caught, "compare.png")
    shown = _maps(fig)
    cells = [panel.cells[name] for name, item in panel.items.items() if item.record is not None]
    assert len(shown) == len(cells) == 5
    for im, cell in zip(shown, cells):
        assert (im.norm.vmin, im.norm.vmax) == pytest.approx(panel.levels)
        np.testing.assert_allclose(im.get_array(), cell.image.map)
        _same_colours(_figure_rgba(im), cell.image.overlay.image, cell.image.overlay.opacity())


def test_overlay_colours_are_the_screens_tables():
    """The figure's colour tables are pyqtgraph's, entry for entry, for every colormap offered."""
    from mmexplorer.colours import COLORMAPS
    from mmexplorer.export.figures.draw import screen_colormap

    for name in COLORMAPS:
        for signed in (False, True):
            table = np.round(screen_colormap(name, True, signed)(np.arange(256)) * 255).astype(int)
            np.testing.assert_array_equal(table, lookup_table(overlay_colormap(name, signed)).astype(int))


@pytest.mark.parametrize("method", ["raw", "rollout", "relevancy"])
def test_gui_bundle_figure_data_are_the_maps_of_its_record(make_explorer, qtbot, tmp_path, method):
    explorer = make_explorer("test-cross")
    _look(explorer, "cividis", 0.6)
    explorer.state.select(token=3, method=method, reduction="max")
    if method == "relevancy":  # the gradients come with a second probe
        qtbot.waitUntil(lambda: explorer.state.record.grads is not None, timeout=60_000)
    explorer.window.show_view("cross")
    actions = explorer.tools.export
    actions.ask_folder = lambda: str(tmp_path / "bundles")
    with qtbot.waitSignal(actions.exported, timeout=120_000):
        assert actions.export_bundle()
    bundle = tmp_path / "bundles"  # a new folder: the bundle itself
    settings = json.loads((bundle / "settings.json").read_text())
    view = explorer.window.views["cross"]
    assert (settings["colormap"], settings["opacity"], settings["picture"]) == ("cividis", 0.6, "colour")
    assert settings["levels"] == pytest.approx(list(view.image.levels))
    assert (settings["method"], settings["head"], settings["token"]) == (method, "max", 3)
    record = load_record(bundle / "record.npz")  # recompute from the stored arrays alone
    expected, _ = token_image_map(record, settings["token"], settings["layer"], settings["head"], settings["method"])
    data = load_figure_data(bundle / "figure_data.npz")
    assert data.maps.shape == (1, *record.grid) and data.maps.dtype == np.float32
    np.testing.assert_allclose(data.maps[0], expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(data.maps[0], view.image.map)  # and they are what the screen shows
    assert data.tokens == record.tokens and data.levels == pytest.approx(tuple(settings["levels"]))


def test_gui_matrix_bundle_figure_data_is_the_matrix(make_explorer, qtbot, tmp_path):
    explorer = make_explorer()
    explorer.state.select(layer=0, reduction="head", head=1)
    explorer.window.show_view("self")
    actions = explorer.tools.export
    actions.ask_folder = lambda: str(tmp_path / "bundles")
    with qtbot.waitSignal(actions.exported, timeout=120_000):
        assert actions.export_bundle()
    bundle = tmp_path / "bundles"  # a new folder: the bundle itself
    settings = json.loads((bundle / "settings.json").read_text())
    record = load_record(bundle / "record.npz")
    data = load_figure_data(bundle / "figure_data.npz")
    np.testing.assert_allclose(data.maps[0], attention_matrix(record, settings["kind"], settings["layer"], settings["head"]))
    assert settings["levels"] == pytest.approx(list(explorer.window.views["self"].colorbar.levels()))


def test_publication_style_is_an_explicit_choice_recorded_in_the_bundle(make_explorer, qtbot, tmp_path, caught):
    explorer = make_explorer()
    explorer.window.show_view("cross")
    fig = _export(explorer, qtbot, tmp_path, caught, "colour.png")
    assert fig.axes[0].get_images()[0].get_array().ndim == 3  # by default the picture is in colour, as on screen
    explorer.tools.publication_style.setChecked(True)
    fig = _export(explorer, qtbot, tmp_path, caught, "grey.png")
    assert fig.axes[0].get_images()[0].get_array().ndim == 2  # the grey underlay
    actions = explorer.tools.export
    actions.ask_folder = lambda: str(tmp_path / "bundles")
    with qtbot.waitSignal(actions.exported, timeout=120_000):
        assert actions.export_bundle()
    bundle = tmp_path / "bundles"  # a new folder: the bundle itself
    assert json.loads((bundle / "settings.json").read_text())["picture"] == "grey"
