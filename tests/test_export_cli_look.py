"""`mmexplorer export` draws with the explorer's colours and levels, and its bundles hold the maps as drawn.

The levels are checked against the functions the explorer's views call
(mmexplorer.gui.levels, numpy only), and figure_data.npz against the maps
recomputed from the bundle's own record.npz.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from mmexplorer.attention.maps import attention_matrix, token_image_map
from mmexplorer.attention.npz import load_record
from mmexplorer.attention.positions import similarity_to_patch
from mmexplorer.export.figure_data import load_figure_data
from mmexplorer.gui.levels import matrix_levels, token_map_levels
from test_export_cli import TEXT, run_main, tiny_model

SIMILARITY_LEVELS = (-1.0, 1.0)  # the patches tab's fixed scale


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    from PIL import Image

    folder = tmp_path_factory.mktemp("export-look")
    pixels = np.zeros((60, 100, 3), np.uint8)
    pixels[10:40, 20:50] = (220, 40, 40)
    Image.fromarray(pixels).save(folder / "scene.png")
    return folder / "scene.png", {f: tiny_model(f, folder) for f in ("cross", "late", "contrastive")}


@pytest.fixture
def drawn(monkeypatch):
    """The (figure, figure data, settings) of every view the command renders."""
    import mmexplorer.export.figures as figures

    seen = []
    original = figures.render_view

    def keep(*args, **kwargs):
        seen.append(original(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(figures, "render_view", keep)
    return seen


def _maps(fig):
    return [im for ax in fig.axes for im in ax.get_images() if im.get_gid() == "map"]


def _expected(record, s):
    """The maps of a view recomputed from the record, and the explorer's levels for them."""
    view = s["view"]
    if view == "overlay":
        return token_image_map(record, s["token"], s["layer"], s["head"], s["method"])[0][None], token_map_levels(record, s["method"], s["head"])
    if view == "matrix":
        return attention_matrix(record, s["kind"], s["layer"], s["head"])[None], matrix_levels(record, s["kind"])
    if view == "heads":
        if s["kind"] is None:
            maps = [token_image_map(record, s["token"], layer, h, "raw")[0]
                    for layer in range(record.layers(record.cross_kind)) for h in range(record.heads)]
            return np.stack(maps), token_map_levels(record, "raw", 0)
        maps = [record.attention[s["kind"]][layer][h] for layer in range(record.layers(s["kind"])) for h in range(record.heads)]
        return np.stack(maps), matrix_levels(record, s["kind"])
    if view == "positions":
        pos = record.patch_positions
        return np.stack([similarity_to_patch(pos, j, record.grid) for j in range(record.n_patches)]), SIMILARITY_LEVELS
    return np.zeros((0, *record.grid)), None


CASES = [
    ("cross", ["--view", "overlay", "--token", "red"]),
    ("cross", ["--view", "overlay", "--method", "rollout", "--head", "max"]),
    ("cross", ["--view", "overlay", "--method", "relevancy", "--token", "2"]),
    ("cross", ["--view", "matrix", "--kind", "image_to_text", "--head", "1"]),
    ("cross", ["--view", "heads", "--token", "blue"]),
    ("late", ["--view", "heads"]),
    ("late", ["--view", "overlay", "--method", "rollout", "--head", "min"]),
    ("contrastive", ["--view", "overlay"]),
    ("cross", ["--view", "positions", "--patch", "3"]),
    ("cross", ["--view", "patches"]),
]


@pytest.mark.parametrize("fusion, extra", CASES)
def test_every_view_exports_with_the_screens_colours_and_levels(inputs, tmp_path, capsys, drawn, fusion, extra):
    image, models = inputs
    bundle = tmp_path / "bundle"
    code, err = run_main(capsys, "--model", models[fusion], "--image", image, "--text", TEXT, "--out", tmp_path / "fig.png",
                         "--dpi", "40", "--colormap", "turbo", "--opacity", "0.4", "--levels", "auto", "--bundle", bundle, *extra)
    assert code == 0, err
    settings = json.loads((bundle / "settings.json").read_text())
    assert (settings["colormap"], settings["opacity"], settings["picture"]) == ("turbo", 0.4, "colour")
    record = load_record(bundle / "record.npz")
    maps, levels = _expected(record, settings)
    assert settings["levels"] == (None if levels is None else pytest.approx(list(levels)))

    fig, data, resolved = drawn[-1]
    assert resolved.levels == (None if levels is None else pytest.approx(levels))
    for im in _maps(fig):
        assert (im.norm.vmin, im.norm.vmax) == pytest.approx(levels)
        signed_over_picture = levels[0] < 0 and settings["view"] == "overlay"
        assert im.cmap.name.startswith("diverging" if signed_over_picture else "turbo")
    stored = load_figure_data(bundle / "figure_data.npz")
    assert stored.maps.dtype == np.float32 and stored.maps.shape == maps.shape
    np.testing.assert_allclose(stored.maps, maps, rtol=1e-6, atol=1e-9)  # the maps as drawn, from record.npz alone
    np.testing.assert_array_equal(stored.maps, data.maps)
    assert stored.tokens == record.tokens and len(stored.labels) == len(maps)
    assert stored.levels == (None if levels is None else pytest.approx(levels))


def test_fixed_levels_are_drawn_and_recorded(inputs, tmp_path, capsys, drawn):
    image, models = inputs
    bundle = tmp_path / "bundle"
    code, err = run_main(capsys, "--model", models["cross"], "--image", image, "--text", TEXT, "--out", tmp_path / "fig.svg",
                         "--levels", "0,0.25", "--picture", "grey", "--colormap", "viridis", "--bundle", bundle)
    assert code == 0, err
    (im,) = _maps(drawn[-1][0])
    assert (im.norm.vmin, im.norm.vmax) == (0.0, 0.25) and im.cmap.name == "viridis over picture"
    assert drawn[-1][0].axes[0].get_images()[0].get_array().ndim == 2  # the grey underlay
    settings = json.loads((bundle / "settings.json").read_text())
    assert settings["levels"] == [0.0, 0.25] and settings["picture"] == "grey"
    assert load_figure_data(bundle / "figure_data.npz").levels == (0.0, 0.25)


def test_from_bundle_needs_no_model_and_rerun_does(inputs, tmp_path, capsys):
    image, models = inputs
    model = tmp_path / "gone.safetensors"
    shutil.copy(models["cross"], model)
    first, second = tmp_path / "first", tmp_path / "second"
    code, err = run_main(capsys, "--model", model, "--image", image, "--text", TEXT, "--out", tmp_path / "a.png",
                         "--method", "relevancy", "--colormap", "plasma", "--opacity", "0.7", "--bundle", first)
    assert code == 0, err
    model.unlink()  # the bundle alone must be enough
    code, err = run_main(capsys, "--from-bundle", first, "--out", tmp_path / "b.png", "--bundle", second)
    assert code == 0, err
    assert (tmp_path / "b.png").read_bytes() == (tmp_path / "a.png").read_bytes()
    a, b = (load_figure_data(d / "figure_data.npz") for d in (first, second))
    np.testing.assert_array_equal(a.maps, b.maps)
    s1, s2 = (json.loads((d / "settings.json").read_text()) for d in (first, second))
    assert (s2["colormap"], s2["opacity"], s2["levels"]) == (s1["colormap"], s1["opacity"], s1["levels"])
    # a flag given with --from-bundle changes that setting, and the stored record still serves
    code, err = run_main(capsys, "--from-bundle", first, "--out", tmp_path / "c.png", "--colormap", "grey")
    assert code == 0, err
    # --rerun runs the model again: here it is gone, so that is the user's error
    code, err = run_main(capsys, "--from-bundle", first, "--rerun", "--out", tmp_path / "d.png")
    assert code == 2 and err.startswith("error: ") and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--levels", "0.5,0.1"], "LO < HI"),
        (["--levels", "low,high"], "levels must be LO,HI"),
        (["--opacity", "1.5"], "opacity must be between 0 and 1"),
        (["--colormap", "jet"], "invalid choice: 'jet'"),
        (["--rerun"], "--rerun goes with --from-bundle"),
    ],
)
def test_bad_look_exits_2_with_one_error_line(inputs, tmp_path, capsys, extra, message):
    image, models = inputs
    out = tmp_path / "fig.png"
    code, err = run_main(capsys, "--model", models["cross"], "--image", image, "--text", TEXT, "--out", out, *extra)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], err
    assert not out.exists()
