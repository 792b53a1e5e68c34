"""Publication figures: file formats, what each view shows, settings, bundles (no subprocesses but one)."""

from __future__ import annotations

import dataclasses
import json
import re
import struct
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import numpy as np
import pytest

from mmexplorer.attention.grid import patch_boxes
from mmexplorer.config import load_variant
from conftest import FUSIONS
from mmexplorer.export import (
    VIEWS,
    BundleInputs,
    ExportError,
    FigureSettings,
    compare_figure,
    read_bundle,
    render_figure,
    save_figure,
    write_bundle,
)
from mmexplorer.export.save import figure_bytes
from mmexplorer.export.settings import resolve_settings

TEXT = "a red square left of a blue circle"
IMAGE_SIZE = (160, 90)  # (width, height): deliberately not square


# -- fixtures: one tiny random model per fusion strategy, probed once ------------------------


def tiny_model_path(fusion: str, folder: Path) -> Path:
    from mmexplorer.models.checkpoint import save_checkpoint
    from mmexplorer.models.fusion.registry import build_model

    import torch

    torch.manual_seed(0)
    cfg = load_variant(fusion).replace(name=f"tiny-{fusion}", width=32, depth=1, unimodal_depth=1, heads=2)
    return save_checkpoint(build_model(cfg), folder / f"tiny-{fusion}.safetensors")


def write_scene(path: Path) -> np.ndarray:
    from PIL import Image

    w, h = IMAGE_SIZE
    y, x = np.mgrid[0:h, 0:w]
    pixels = np.stack([x * 255 // w, y * 255 // h, np.full_like(x, 90)], -1).astype(np.uint8)
    pixels[20:60, 30:70] = (220, 40, 40)
    Image.fromarray(pixels).save(path)
    return pixels


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    pixels = write_scene(folder / "scene.png")
    return folder, pixels


@pytest.fixture(scope="module")
def records(workspace):
    from mmexplorer.data.image import load_image
    from mmexplorer.data.sample import Sample
    from mmexplorer.engine.probe import load_model, probe

    folder, _ = workspace
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for fusion in FUSIONS:
            model, _ = load_model(str(tiny_model_path(fusion, folder)), "cpu")
            out[fusion] = probe(model, Sample(load_image(folder / "scene.png"), model.tokenizer.encode(TEXT)))
    return out


# -- helpers reading the files back ----------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    (crc,) = struct.unpack(">I", data[29:33])
    assert crc == zlib.crc32(data[12:29])  # the header chunk is intact
    return width, height


SVG = "{http://www.w3.org/2000/svg}"


def svg_tree(data: bytes) -> ET.Element:
    return ET.fromstring(data)


def svg_text(root: ET.Element) -> str:
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def pdf_page_count(data: bytes) -> int:
    # matplotlib writes object dictionaries uncompressed; /Type /Pages (the tree root) is not a page
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def render_text(record, pixels, **settings) -> str:
    """Every text in the SVG of a view, for checking what it says."""
    fig = render_figure(record, pixels, FigureSettings(**settings))
    return svg_text(svg_tree(figure_bytes(fig, "svg", 72)))


# -- file formats ------------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [72, 150])
def test_png_pixel_size_is_figure_size_times_dpi(records, workspace, tmp_path, dpi):
    fig = render_figure(records["early"], workspace[1], FigureSettings(view="overlay", token="red"))
    path = save_figure(fig, tmp_path / "f.png", dpi=dpi)
    width_in, height_in = fig.get_size_inches()
    width, height = png_size(path.read_bytes())
    # Agg makes a canvas of int(size * dpi) pixels: within one pixel of the exact product
    assert 0 <= width_in * dpi - width < 1 and 0 <= height_in * dpi - height < 1


def test_svg_is_xml_with_embedded_raster_and_caption_text(records, workspace, tmp_path):
    fig = render_figure(records["early"], workspace[1], FigureSettings(view="overlay", token="red", head=1))
    path = save_figure(fig, tmp_path / "f.svg", dpi=100)
    root = svg_tree(path.read_bytes())
    assert root.tag == f"{SVG}svg"
    images = list(root.iter(f"{SVG}image"))
    assert len(images) >= 2  # the picture and the map over it
    href = images[0].get("{http://www.w3.org/1999/xlink}href") or images[0].get("href")
    assert href.startswith("data:image/png;base64,")
    text = svg_text(root)
    for expected in ("model tiny-early", "early fusion", "layer 0", "head 1", "method raw", "“red” (token 1)", "attention weight"):
        assert expected in text


def test_pdf_has_one_page(records, workspace, tmp_path):
    fig = render_figure(records["cross"], workspace[1], FigureSettings(view="heads", token=2))
    data = save_figure(fig, tmp_path / "f.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    assert pdf_page_count(data) == 1


def test_same_settings_give_the_same_bytes(records, workspace):
    def make():
        return figure_bytes(render_figure(records["cross"], workspace[1], FigureSettings(view="heads")), "pdf", 100)

    assert make() == make()  # no timestamps: regenerated figures compare equal


def test_save_is_atomic_and_refuses_to_overwrite_without_force(records, workspace, tmp_path):
    fig = render_figure(records["early"], workspace[1], FigureSettings(view="patches"))
    path = tmp_path / "f.png"
    path.write_bytes(b"old")
    with pytest.raises(ExportError, match="exists"):
        save_figure(fig, path, force=False)
    assert path.read_bytes() == b"old"
    save_figure(fig, path, dpi=50, force=True)
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir()] == ["f.png"]  # no temporary file left behind
    with pytest.raises(ExportError, match="png, .svg or .pdf"):
        save_figure(fig, tmp_path / "f.jpg")


# -- every view for every fusion ---------------------------------------------------------------


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("fusion", FUSIONS)
def test_every_view_renders_for_every_fusion(records, workspace, fusion, view):
    fig = render_figure(records[fusion], workspace[1], FigureSettings(view=view, token="red"))
    width, height = png_size(figure_bytes(fig, "png", 30))
    assert width > 30 and height > 30


def test_views_say_what_the_map_is_for_each_fusion(records, workspace):
    pixels = workspace[1]
    cross = render_text(records["cross"], pixels, view="overlay", token="red")
    assert "cross-attention, text → image" in cross and "attention weight" in cross

    dual = render_text(records["contrastive"], pixels, view="overlay", token="red")
    assert "cosine similarity" in dual and "not attention" in dual
    assert "attention weight" not in dual

    late = render_text(records["late"], pixels, view="overlay", token="red")
    assert "no cross-modal attention" in late
    assert "contribution" in late and "image branch" in late and "text branch" in late

    heads = render_text(records["late"], pixels, view="heads")
    assert "no cross-modal attention" in heads and "matrix of every head" in heads.replace("\n", " ")  # as the heads tab

    rollout = render_text(records["hybrid"], pixels, view="overlay", method="rollout")
    assert "all layers" in rollout and "method rollout" in rollout


def test_overlay_map_covers_the_image_box_for_any_aspect_ratio(records, workspace):
    record = dataclasses.replace(records["early"], image_box=(10.0, 5.0, 150.0, 85.0))  # as a cropping processor would
    fig = render_figure(record, workspace[1], FigureSettings(view="overlay", token="red"))
    ax = fig.axes[0]
    picture, heat = [a for a in ax.get_images()]
    assert picture.get_extent() == [0, 160, 90, 0]
    assert heat.get_extent() == [10.0, 150.0, 85.0, 5.0]
    assert heat.get_array().shape == record.grid
    assert ax.get_xlim() == (0, 160) and ax.get_ylim() == (90, 0)


def test_patch_indices_sit_at_the_centre_of_their_cells(records, workspace):
    record = records["cross"]
    fig = render_figure(record, workspace[1], FigureSettings(view="patches", patch=9))
    labels = {int(t.get_text()): t.get_position() for t in fig.axes[0].texts if t.get_text().isdigit()}
    boxes = patch_boxes(record.grid, record.image_box)
    assert sorted(labels) == list(range(record.n_patches))
    for index, (x0, y0, x1, y1) in enumerate(boxes):
        assert labels[index] == pytest.approx(((x0 + x1) / 2, (y0 + y1) / 2))
    # cells are stretched to the image: 160x90 over 8x8 -> 20 x 11.25 px
    assert boxes[0][2] - boxes[0][0] == pytest.approx(20.0) and boxes[0][3] - boxes[0][1] == pytest.approx(11.25)


def test_matrix_marks_the_four_blocks_of_early_fusion(records, workspace):
    record = records["early"]
    fig = render_figure(record, workspace[1], FigureSettings(view="matrix", layer=0, head=0))
    ax = fig.axes[0]
    (image,) = ax.get_images()
    np.testing.assert_array_equal(image.get_array(), record.attention["joint"][0][0])
    n_text = 1 + len(record.tokens)  # [CLS] + words, then the patches
    boundaries = {round(line.get_xdata()[0], 1) for line in ax.lines if line.get_xdata()[0] == line.get_xdata()[1]}
    assert boundaries == {n_text - 0.5}
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:3] == ["[CLS]", "a", "red"] and "p0" in labels
    text = render_text(record, workspace[1], view="matrix")
    assert text.count("text") >= 2 and text.count("image") >= 2  # block names on both axes


def test_heads_share_one_colour_scale(records, workspace):
    record = records["cross"]
    fig = render_figure(record, workspace[1], FigureSettings(view="heads", token="red"))
    heat = [im for ax in fig.axes for im in ax.get_images() if im.get_array().shape == record.grid]
    assert len(heat) == record.layers("text_to_image") * record.heads
    assert len({(im.norm.vmin, im.norm.vmax) for im in heat}) == 1
    # the explorer's heads tab scale: the largest word -> patch weight of any word, layer and head
    kind = record.cross_kind
    rows, cols = record.positions(kind, 0, "text"), record.positions(kind, 1, "image")
    top = max(float(a[:, rows][:, :, cols].max()) for a in record.attention[kind])
    assert heat[0].norm.vmax == pytest.approx(top) and heat[0].norm.vmin == 0.0
    assert top >= max(float(im.get_array().max()) for im in heat)


def test_positions_compare_a_patch_with_every_other(records, workspace):
    record = records["early"]
    settings = resolve_settings(record, FigureSettings(view="positions"))
    assert settings.patch == 4 * 8 + 4  # the centre of the 8x8 grid
    fig = render_figure(record, None, settings)
    one, tiles = fig.axes[0].get_images()[0].get_array(), fig.axes[1].get_images()[0].get_array()
    assert one.shape == (8, 8) and tiles.shape == (64, 64)
    assert one[4, 4] == pytest.approx(1.0)  # every embedding is identical to itself
    np.testing.assert_allclose(np.diag(tiles.reshape(8, 8, 8, 8).transpose(0, 2, 1, 3).reshape(64, 64)), 1.0, atol=1e-6)


def test_compare_shares_a_scale_per_quantity(records, workspace):
    pixels = workspace[1]
    items = [(records[f], pixels) for f in ("early", "cross", "hybrid", "contrastive")]
    fig = compare_figure(items, token="red")
    heat = [ax.get_images()[1] for ax in fig.axes[:4]]
    attention = {(im.norm.vmin, im.norm.vmax) for im in heat[:3]}
    assert len(attention) == 1 and next(iter(attention))[0] == 0.0
    similarity = heat[3].norm
    assert similarity.vmin == -similarity.vmax  # signed scale centred on 0
    # colour bars sit beside the last panel of each run: after the three attention maps, after the similarity
    assert [i for i, ax in enumerate(fig.axes[:4]) if ax.child_axes] == [2, 3]
    with pytest.raises(ExportError):
        compare_figure([])


def test_compare_tab_panels_are_mass_shares_on_one_scale(records, workspace):
    from mmexplorer.export.figures.compare import compare_panels

    pixels = workspace[1]
    items = [(records[f], pixels) for f in ("early", "late", "contrastive")]
    data = compare_panels(items, token=1, share=True)
    for panel, (record, _) in zip(data.maps, items):
        positive = np.clip(record.token_to_image[1].astype(np.float64), 0, None)
        np.testing.assert_allclose(panel, positive / positive.sum(), rtol=1e-6)
        assert panel.sum() == pytest.approx(1.0, abs=1e-5)
    assert data.levels == (0.0, pytest.approx(float(data.maps.max())))
    fig = compare_figure(items, token=1, share=True, colormap="turbo", opacity=0.5, levels=(0.0, 0.2))
    shown = [im for ax in fig.axes for im in ax.get_images() if im.get_gid() == "map"]
    assert len(shown) == 3 and {(im.norm.vmin, im.norm.vmax) for im in shown} == {(0.0, 0.2)}
    assert all(im.cmap.name == "turbo over picture" for im in shown)


# -- settings ----------------------------------------------------------------------------------


def test_settings_resolve_tokens_heads_layers(records):
    record = records["cross"]
    resolved = resolve_settings(record, FigureSettings(view="overlay", token="RED", head="1"))
    assert (resolved.token, resolved.head, resolved.layer) == (1, 1, 0)
    assert resolve_settings(record, FigureSettings(view="overlay", token="3")).token == 3
    assert resolve_settings(record, resolved) == resolved  # resolving is idempotent
    matrix = resolve_settings(record, FigureSettings(view="matrix"))
    assert (matrix.kind, matrix.layer, matrix.token) == ("text_to_image", 0, None)
    assert resolve_settings(records["late"], FigureSettings(view="matrix")).kind == "image"
    assert resolve_settings(records["late"], FigureSettings(view="heads", token="zebra")).token is None  # no word is shown


@pytest.mark.parametrize(
    "settings, message",
    [
        (FigureSettings(view="nope"), "unknown view"),
        (FigureSettings(token="zebra"), "not in the text"),
        (FigureSettings(token=99), "out of range"),
        (FigureSettings(head=5), "head 5 is out of range"),
        (FigureSettings(head="median"), "head must be"),
        (FigureSettings(view="matrix", layer=3), "layer 3 is out of range"),
        (FigureSettings(view="matrix", kind="joint"), "no 'joint' attention"),
        (FigureSettings(method="saliency"), "method must be"),
        (FigureSettings(view="heads", method="rollout"), "raw weights"),
        (FigureSettings(view="positions", patch=64), "patch 64 is out of range"),
        (FigureSettings(dpi=0), "dpi"),
    ],
)
def test_bad_settings_are_refused_with_a_reason(records, settings, message):
    with pytest.raises(ExportError, match=message):
        resolve_settings(records["cross"], settings)


def test_relevancy_needs_gradients(records):
    record = dataclasses.replace(records["early"], grads=None)
    with pytest.raises(ExportError, match="without gradients"):
        resolve_settings(record, FigureSettings(method="relevancy"))


def test_an_image_of_another_size_is_refused(records):
    with pytest.raises(ExportError, match="probed on 160x90"):
        render_figure(records["early"], np.zeros((10, 10, 3), np.uint8), FigureSettings())


# -- bundles -----------------------------------------------------------------------------------


def test_bundle_holds_figure_record_image_and_exact_settings(records, workspace, tmp_path):
    from mmexplorer.attention.npz import load_record

    folder_in, pixels = workspace
    record = records["hybrid"]
    settings = resolve_settings(record, FigureSettings(view="overlay", token="blue", head="max", dpi=120))
    fig = render_figure(record, pixels, settings)
    inputs = BundleInputs(model="tiny-hybrid", image=str(folder_in / "scene.png"), text=TEXT, model_path=str(folder_in / "tiny-hybrid.safetensors"))
    folder = write_bundle(tmp_path / "bundle", fig, record, settings, inputs, fmt="svg")

    assert sorted(p.name for p in folder.iterdir()) == ["figure.svg", "figure_data.npz", "input.png", "record.npz", "settings.json"]
    data = json.loads((folder / "settings.json").read_text())
    assert {k: data[k] for k in ("model", "text", "view", "token", "token_text", "layer", "head", "method", "dpi", "format")} == {
        "model": "tiny-hybrid", "text": TEXT, "view": "overlay", "token": 6, "token_text": "blue",
        "layer": 0, "head": "max", "method": "raw", "dpi": 120, "format": "svg",
    }
    assert (data["colormap"], data["opacity"], data["picture"]) == ("inferno", 0.85, "colour")
    assert data["levels"] == pytest.approx(list(settings.levels)) and data["figure_data"] == "figure_data.npz"
    assert len(data["model_sha256"]) == 64 and {"mmexplorer", "torch", "numpy", "matplotlib"} <= set(data["versions"])
    loaded = load_record(folder / "record.npz")
    np.testing.assert_array_equal(loaded.attention["joint"][0], record.attention["joint"][0])

    back_inputs, back_settings, _ = read_bundle(folder)
    assert back_settings == settings
    assert back_inputs.image == str(folder / "input.png") and back_inputs.text == TEXT
    with pytest.raises(ExportError, match="not empty"):
        write_bundle(folder, fig, record, settings, inputs)
    with pytest.raises(ExportError, match="not an export bundle"):
        read_bundle(tmp_path)


def test_nothing_imports_pyplot():
    code = (
        "import sys, numpy as np\n"
        "from mmexplorer.attention.record import AttentionRecord\n"
        "from mmexplorer.export import FigureSettings, render_figure\n"
        "from mmexplorer.export.save import figure_bytes\n"
        "r = AttentionRecord(model='m', fusion='early', tokens=('a',), token_unk=(False,), truncated=False,\n"
        "    grid=(2, 2), image_box=(0, 0, 4, 4), image_size=(4, 4), attention={}, layouts={}, order=(),\n"
        "    cross_kind=None, token_to_image=np.zeros((1, 2, 2)), map_label='')\n"
        "fig = render_figure(r, np.zeros((4, 4, 3), np.uint8), FigureSettings(view='patches'))\n"
        "for fmt in ('png', 'svg', 'pdf'):\n"
        "    figure_bytes(fig, fmt, 50)\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot was imported'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout
