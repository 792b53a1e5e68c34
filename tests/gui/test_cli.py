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


def test_screenshot_writes_a_png_and_timings(private_models, tmp_path):
    out = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, "-m", "mmexplorer", "gui", "--model", "test-cross", "--text", "a red circle",
         "--view", "heads", "--screenshot", str(out), "--timings"],
        env=_env(QT_QPA_PLATFORM="offscreen", MMEXPLORER_HOME=str(private_models)),
        capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == PNG_MAGIC
    timings = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(timings) == {"window_shown", "model_ready", "first_probe_drawn"}
    assert 0 < timings["window_shown"] <= timings["model_ready"] <= timings["first_probe_drawn"]


def test_screenshot_with_an_unknown_model_fails_cleanly(private_models, tmp_path):
    out = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, "-m", "mmexplorer", "gui", "--model", "nope", "--screenshot", str(out)],
        env=_env(QT_QPA_PLATFORM="offscreen", MMEXPLORER_HOME=str(private_models)),
        capture_output=True, text=True, timeout=180,
    )
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
    proc = subprocess.run([sys.executable, "-c", code], env=_env(QT_QPA_PLATFORM="offscreen"),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
