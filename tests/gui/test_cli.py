"""`mmexplorer gui` from the command line: screenshots, timings, no display, and a window before torch."""

import json
import os
import subprocess
import sys

import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _env(**changes):
    env = dict(os.environ)
    env.update(changes)
    return {k: v for k, v in env.items() if v is not None}


def _python(code: str, timeout: int):
    """`code` in a fresh offscreen interpreter: what a process imports is only visible from outside it."""
    return subprocess.run([sys.executable, "-c", code], env=_env(QT_QPA_PLATFORM="offscreen"),
                          capture_output=True, text=True, timeout=timeout)


def _gui(models, *args: str):
    """`mmexplorer gui ARGS` offscreen with the test's private models."""
    return subprocess.run(
        [sys.executable, "-m", "mmexplorer", "gui", *args],
        env=_env(QT_QPA_PLATFORM="offscreen", MMEXPLORER_HOME=str(models)),
        capture_output=True, text=True, timeout=180,
    )


def test_screenshot_writes_a_png_and_timings(private_models, tmp_path):
    out = tmp_path / "shot.png"
    proc = _gui(private_models, "--model", "test-cross", "--text", "a red circle",
                "--view", "heads", "--screenshot", str(out), "--timings")
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == PNG_MAGIC
    timings = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(timings) == {"window_shown", "views_ready", "model_ready", "first_probe_drawn"}
    assert 0 < timings["window_shown"] <= timings["views_ready"] <= timings["first_probe_drawn"]
    assert timings["window_shown"] <= timings["model_ready"] <= timings["first_probe_drawn"]


def test_screenshot_of_the_compare_tab_waits_for_the_comparison(private_models, tmp_path):
    """The Compare panel is built with the views, after the window is up: the shot still waits for it."""
    out = tmp_path / "compare.png"
    proc = _gui(private_models, "--model", "test-cross", "--text", "a red circle", "--view", "compare",
                "--screenshot", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_bytes()[:8] == PNG_MAGIC


def test_screenshot_with_an_unknown_model_fails_cleanly(private_models, tmp_path):
    out = tmp_path / "shot.png"
    proc = _gui(private_models, "--model", "nope", "--screenshot", str(out))
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: unknown model 'nope'")
    assert "Traceback" not in proc.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is about X11/Wayland")
def test_no_display_exits_2_with_one_line():
    proc = subprocess.run(
        [sys.executable, "-m", "mmexplorer"],
        env=_env(QT_QPA_PLATFORM=None, DISPLAY=None, WAYLAND_DISPLAY=None),
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: no display")


def test_window_modules_do_not_import_torch():
    code = (
        "import sys, mmexplorer.gui.app, mmexplorer.gui.main_window, mmexplorer.gui.launch; "
        "bad = [m for m in ('torch', 'mmexplorer.engine.probe', 'mmexplorer.models', 'mmexplorer.attention.capture') "
        "if m in sys.modules]; print(bad)"
    )
    proc = _python(code, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_the_window_is_on_screen_before_numpy_and_pyqtgraph_and_gets_its_views_after():
    """`mmexplorer gui`'s order: the whole window (menus, tabs, inputs) first, then the views with pyqtgraph."""
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from mmexplorer.gui.app import Explorer, Options\n"
        "e = Explorer(Options(persist=False), views_later=True)\n"
        "e.window.show(); app.processEvents()\n"
        "heavy = lambda: [m for m in ('numpy', 'PIL', 'pyqtgraph', 'cuda', 'torch') if m in sys.modules]\n"
        "print('shown', heavy(), e.window.tabs.count(), e.window.current_view(), e.views_built)\n"
        "print('menus', [a.text() for a in e.window.menuBar().actions()])\n"
        "e.build_views()\n"
        "print('built', heavy(), sorted(e.window.views), e.window.current_view() is e.window.views['cross'],\n"
        "      e.state.image is not None, e.cells is not None, e.tools.compare is not None)\n"
    )
    proc = _python(code, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = dict(line.split(" ", 1) for line in proc.stdout.strip().splitlines())
    assert lines["shown"] == "[] 7 None False"  # seven tabs, all still empty, and nothing heavy imported
    assert lines["menus"] == "['&File', '&Probe', '&View', '&Edit', '&Language', '&Help']"
    # pyqtgraph loaded without the CUDA bindings it would otherwise pull in
    assert lines["built"] == "['numpy', 'PIL', 'pyqtgraph'] ['compare', 'cross', 'heads', 'model', 'patches', 'self', 'train'] True True True True"


def test_reading_the_views_of_a_window_built_without_them_builds_them(qapp, tmp_path):
    from mmexplorer.gui.main_window import MainWindow
    from mmexplorer.gui.probe_client import ProbeClient
    from mmexplorer.gui.settings import Settings
    from mmexplorer.gui.state import AppState
    from PySide6.QtCore import QSettings

    state = AppState()
    client = ProbeClient(state)
    window = MainWindow(state, client, Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)), views_later=True)
    assert not window.views_built and window.current_view() is None
    assert window.current_view_name() == "cross"
    assert window.views["cross"].parentWidget() is window.tabs.widget(0)
    assert window.views_built and window.current_view() is window.views["cross"]
    window.close()
