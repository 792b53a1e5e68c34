"""The explorer's tools: figure and bundle export, copy to clipboard, training and compare tabs."""

import json
import xml.etree.ElementTree as ET

import numpy as np
from PySide6.QtGui import QGuiApplication


def _wire_paths(explorer, tmp_path, name):
    actions = explorer.tools.export
    actions.ask_figure_path = lambda: str(tmp_path / name)
    actions.ask_dpi = lambda: 120
    actions.ask_folder = lambda: str(tmp_path / "bundles")
    return actions


def test_export_figure_of_the_current_view_as_pdf(make_explorer, qtbot, tmp_path):
    explorer = make_explorer()
    explorer.window.show_view("cross")
    actions = _wire_paths(explorer, tmp_path, "overlay.pdf")
    with qtbot.waitSignal(actions.exported, timeout=120_000) as blocker:
        assert actions.export_figure()
    data = (tmp_path / "overlay.pdf").read_bytes()
    assert blocker.args == [str(tmp_path / "overlay.pdf")]
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") + data.count(b"/Type /Page/") >= 1


def test_export_matrix_svg_names_the_model(make_explorer, qtbot, tmp_path):
    explorer = make_explorer()
    explorer.window.show_view("self")
    actions = _wire_paths(explorer, tmp_path, "matrix.svg")
    assert actions.figure_settings().view == "matrix"
    with qtbot.waitSignal(actions.exported, timeout=120_000):
        actions.export_figure()
    root = ET.parse(tmp_path / "matrix.svg").getroot()
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    assert "test-early" in text


def test_export_bundle_holds_figure_data_and_settings(make_explorer, qtbot, tmp_path):
    explorer = make_explorer()
    explorer.state.select(token=1)
    actions = _wire_paths(explorer, tmp_path, "unused.png")
    with qtbot.waitSignal(actions.exported, timeout=120_000) as blocker:
        assert actions.export_bundle()
    folder = tmp_path / "bundles"
    bundle = next(folder.iterdir())
    assert str(bundle) == blocker.args[0]
    settings = json.loads((bundle / "settings.json").read_text())
    assert settings["view"] == "overlay" and settings["token"] == 1 and settings["model"] == "test-early"
    assert settings["token_text"] == explorer.state.record.tokens[1]
    with np.load(bundle / "record.npz", allow_pickle=False) as z:
        np.testing.assert_array_equal(z["token_to_image"], explorer.state.record.token_to_image)
    assert (bundle / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_copy_view_puts_an_image_on_the_clipboard(make_explorer):
    explorer = make_explorer()
    QGuiApplication.clipboard().clear()
    assert explorer.tools.export.copy_view()
    image = QGuiApplication.clipboard().image()
    assert not image.isNull() and image.width() > 100


def test_a_trained_model_is_listed_and_opened(make_explorer, qtbot, model_home, tmp_path):
    import shutil

    explorer = make_explorer()
    assert "train" in explorer.window.views and "compare" in explorer.window.views
    new = model_home / "models" / "fresh-cross.safetensors"
    shutil.copy(model_home / "models" / "test-cross.safetensors", new)
    try:
        explorer.tools.training.model_trained.emit(str(new))
        qtbot.waitUntil(lambda: explorer.state.model == "fresh-cross" and explorer.state.record is not None
                        and explorer.state.record.model == "fresh-cross", timeout=60_000)
        assert any(m.name == "fresh-cross" for m in explorer.state.catalog.models)
    finally:
        new.unlink()


def test_compare_tab_runs_every_listed_model(make_explorer, qtbot):
    explorer = make_explorer()
    panel = explorer.tools.compare
    with qtbot.waitSignal(panel.compared, timeout=120_000):
        explorer.window.show_view("compare")
    assert {item.record.fusion for item in panel.items.values()} == {"early", "cross", "hybrid", "late", "contrastive"}


def test_export_from_the_compare_tab_draws_every_model(make_explorer, qtbot, tmp_path):
    explorer = make_explorer()
    panel = explorer.tools.compare
    with qtbot.waitSignal(panel.compared, timeout=120_000):
        explorer.window.show_view("compare")
    actions = _wire_paths(explorer, tmp_path, "compare.svg")
    with qtbot.waitSignal(actions.exported, timeout=120_000):
        assert actions.export_figure()
    root = ET.parse(tmp_path / "compare.svg").getroot()
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    for fusion in ("early", "cross", "hybrid", "late", "contrastive"):
        assert f"test-{fusion}" in text
