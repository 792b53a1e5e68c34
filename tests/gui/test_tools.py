"""The explorer's tools: figure and bundle export, copy to clipboard, training and compare tabs."""

import json
from pathlib import Path
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
        assert "Exporting bundles…" in explorer.window.messages.text  # said at once, before the figure is drawn
    bundle = tmp_path / "bundles"  # the new folder typed is the bundle itself, not a folder inside it
    assert str(bundle) == blocker.args[0] and (bundle / "settings.json").is_file()
    with qtbot.waitSignal(actions.exported, timeout=120_000) as again:
        assert actions.export_bundle()  # into a folder that has files: a new stamped folder inside, nothing mixed
    assert Path(again.args[0]).parent == bundle and (Path(again.args[0]) / "settings.json").is_file()
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


def test_a_user_model_can_be_deleted_and_the_explorer_moves_on(make_explorer, qtbot, model_home):
    import shutil

    explorer = make_explorer()
    doomed = model_home / "models" / "doomed-late.safetensors"
    shutil.copy(model_home / "models" / "test-late.safetensors", doomed)
    try:
        explorer.client.refresh_catalog()
        qtbot.waitUntil(lambda: explorer.state.catalog.find("doomed-late") is not None, timeout=30_000)
        explorer.state.set_inputs(model="doomed-late")
        qtbot.waitUntil(lambda: explorer.state.record is not None and explorer.state.record.model == "doomed-late",
                        timeout=60_000)
        assert explorer.tools.delete_action.isEnabled()
        asked = []
        explorer.tools.model_files.confirm = lambda name: asked.append(name) or True
        assert explorer.tools.model_files.delete_current()
        assert asked == ["doomed-late"] and not doomed.exists()
        qtbot.waitUntil(lambda: explorer.state.catalog.find("doomed-late") is None
                        and explorer.state.record.model != "doomed-late", timeout=60_000)
        assert explorer.state.model != "doomed-late"
    finally:
        doomed.unlink(missing_ok=True)


def test_help_lists_the_real_shortcuts_and_view_reaches_every_tab(make_explorer):
    from mmexplorer.gui.help_menu import file_locations, shortcut_rows, versions

    explorer = make_explorer()
    window = explorer.window
    rows = dict(shortcut_rows(window))
    assert rows["Ctrl+E"].startswith("Export figure") and rows["Ctrl+R"] == "Run again" and rows["Ctrl+Q"] == "Quit"
    view_titles = [a.text() for a in window.view_menu.actions()]
    assert "Patches && positions" in view_titles  # shown as "Patches & positions", not with a mnemonic
    assert view_titles[-2:] == ["Train", "Compare"]
    window.view_menu.actions()[-1].trigger()
    assert window.current_view_name() == "compare"
    assert rows["Ctrl+7"] == "Compare"
    found = versions()
    assert found["mmexplorer"] and found["Qt"] and found["PySide6"]
    places = dict(file_locations(explorer.settings.q.fileName()))
    assert places["Settings"].endswith("explorer.ini")
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus[-1] == "Help" and set(explorer.help_actions) == {"shortcuts", "files", "about"}


def test_a_message_floats_over_the_views_without_moving_them(make_explorer, qtbot):
    explorer = make_explorer()
    window = explorer.window
    window.resize(1500, 950)  # above the window's minimum size, so only the message could change it
    qtbot.waitUntil(lambda: window.size().height() == 950, timeout=5_000)
    qtbot.wait(100)
    before = (window.size(), window.tabs.geometry(), window.inputs.geometry())
    explorer.state.post_message("a long note " * 30, "warning")
    qtbot.waitUntil(lambda: window.messages.isVisible(), timeout=5_000)
    assert (window.size(), window.tabs.geometry(), window.inputs.geometry()) == before
    bar = window.messages.geometry()
    assert bar.width() > 500 and bar.height() >= window.messages.sizeHint().height()
    controls = window.controls.mapTo(window.messages.parentWidget(), window.controls.rect().bottomLeft())
    assert bar.top() > controls.y()  # the view controls stay uncovered and clickable
    window.messages.hide()
    qtbot.wait(50)
    assert (window.size(), window.tabs.geometry(), window.inputs.geometry()) == before
